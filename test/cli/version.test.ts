import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { runCli } from './run.js';

test('vane --version prints the package version', async () => {
  const manifest = JSON.parse(
    readFileSync(resolve(import.meta.dirname, '../../../package.json'), 'utf8'),
  ) as {
    version: string;
  };
  for (const flag of ['--version', '-V']) {
    const res = await runCli([flag]);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, `${manifest.version}\n`);
  }
});
