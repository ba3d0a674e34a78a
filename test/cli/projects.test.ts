import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parse } from 'yaml';
import { startVane, type TestServer } from '../helpers/server.js';
import { cliFor, runCli, tempDir } from './run.js';

let server: TestServer;
let vane: ReturnType<typeof cliFor>;

before(async () => {
  server = await startVane();
  vane = cliFor(server);
});
after(() => server?.stop());

test('projects create, list, delete', async () => {
  const created = await vane(['projects', 'create', 'alpha', '--number', '4242']);
  assert.equal(created.code, 0, created.stderr);
  assert.equal(created.stdout, 'created project alpha (number 4242)\n');
  const beta = await vane(['projects', 'create', 'beta', '-o', 'json']);
  assert.equal(beta.code, 0, beta.stderr);
  assert.equal((JSON.parse(beta.stdout) as { projectId: string }).projectId, 'beta');

  const list = await vane(['projects', 'list']);
  assert.equal(list.code, 0, list.stderr);
  const lines = list.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^PROJECT_ID\s+NUMBER\s+CREATED$/);
  assert.match(list.stdout, /^alpha\s+4242\s+\d{4}-/m);
  assert.match(list.stdout, /^beta\s+\d+\s+/m);

  const dup = await vane(['projects', 'create', 'alpha']);
  assert.equal(dup.code, 1);
  assert.match(dup.stderr, /Project 'alpha' already exists/);

  const deleted = await vane(['projects', 'delete', 'beta']);
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.equal(deleted.stdout, 'deleted project beta\n');
  const yaml = await vane(['projects', 'list', '-o', 'yaml']);
  assert.deepEqual(
    (parse(yaml.stdout) as { projectId: string }[]).map((p) => p.projectId),
    ['alpha'],
  );

  const again = await vane(['projects', 'delete', 'beta']);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /projects\/beta' was not found/);
});

test('usage errors exit 2', async () => {
  const cases = [
    ['projects', 'create'],
    ['projects', 'create', 'x', '--number', 'abc'],
    ['frobnicate'],
    ['projects', 'list', '--bogus'],
    ['list'],
    ['get', 'gizmo', 'x', '--project', 'alpha'],
    ['projects', 'list', '-o', 'xml'],
  ];
  const results = await Promise.all(cases.map((args) => vane(args)));
  for (const [i, res] of results.entries()) {
    const args = cases[i]!.join(' ');
    assert.equal(res.code, 2, `vane ${args}: ${res.stderr}`);
    assert.match(res.stderr, /error: /, args);
  }
  const help = await vane(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /apply \[options\]/);
  assert.match(help.stdout, /serve \[options\]/);
});

test('the global --data-dir is still the serve command’s', () => {
  // startVane runs `vane serve --data-dir DIR`; the store lands there.
  assert.ok(existsSync(join(server.dataDir, 'vane.db')));
});

test('a server that is not running: the message names it and suggests vane serve', async () => {
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port: p } = probe.address() as { port: number };
      probe.close(() => resolve(p));
    });
  });
  const res = await runCli(['projects', 'list'], {
    env: { VANE_SERVER: `http://127.0.0.1:${port}`, VANE_TOKEN: 'x' },
  });
  assert.equal(res.code, 1);
  assert.match(res.stderr, new RegExp(`http://127\\.0\\.0\\.1:${port}`));
  assert.match(res.stderr, /connection refused/);
  assert.match(res.stderr, /vane serve/);
});

test('token sources: --token > VANE_TOKEN > <data-dir>/admin-token, and 401s say which was used', async () => {
  const dataDir = tempDir({ 'admin-token': `${server.adminToken}\n` });
  const fromFile = await runCli(['projects', 'list'], {
    env: { VANE_SERVER: server.url, VANE_DATA_DIR: dataDir },
  });
  assert.equal(fromFile.code, 0, fromFile.stderr);
  assert.match(fromFile.stdout, /alpha/);

  const fromFlag = await runCli(['--data-dir', dataDir, 'projects', 'list'], {
    env: { VANE_SERVER: server.url },
  });
  assert.equal(fromFlag.code, 0, fromFlag.stderr);
  const flagAfter = await runCli(['projects', 'list', '--server', server.url, '--data-dir', dataDir]);
  assert.equal(flagAfter.code, 0, flagAfter.stderr);

  const badEnv = await runCli(['projects', 'list'], {
    env: { VANE_SERVER: server.url, VANE_TOKEN: 'vane_wrong', VANE_DATA_DIR: dataDir },
  });
  assert.equal(badEnv.code, 1);
  assert.match(badEnv.stderr, /rejected the token from VANE_TOKEN/);

  const badFlag = await vane(['projects', 'list', '--token', 'vane_wrong']);
  assert.equal(badFlag.code, 1);
  assert.match(badFlag.stderr, /rejected the token from --token/);

  const badFile = tempDir({ 'admin-token': 'vane_stale\n' });
  const stale = await runCli(['projects', 'list'], {
    env: { VANE_SERVER: server.url, VANE_DATA_DIR: badFile },
  });
  assert.equal(stale.code, 1);
  assert.match(
    stale.stderr,
    new RegExp(
      `rejected the token from ${join(badFile, 'admin-token').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`,
    ),
  );

  const none = await runCli(['projects', 'list'], { env: { VANE_SERVER: server.url } });
  assert.equal(none.code, 1);
  assert.match(none.stderr, /requires a token, and none was found/);
});

test('the admin-token file is read from ./.vane by default', async () => {
  const cwd = tempDir();
  const dataDir = join(cwd, '.vane');
  mkdirSync(dataDir);
  writeFileSync(join(dataDir, 'admin-token'), server.adminToken);
  const res = await runCli(['projects', 'list'], {
    env: { VANE_SERVER: server.url, VANE_DATA_DIR: undefined },
    cwd,
  });
  assert.equal(res.code, 0, res.stderr);
});
