import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { startVane, VANE_BIN } from '../helpers/server.js';
import { RawXdsClient } from '../xds/helpers/raw-client.js';

const run = promisify(execFile);

/** Starts `vane serve` without VANE_ADMIN_TOKEN and collects its JSON log lines until it serves. */
async function serveFresh(dataDir: string) {
  const env = { ...process.env };
  delete env.VANE_ADMIN_TOKEN;
  const child = spawn(
    process.execPath,
    [VANE_BIN, 'serve', '--data-dir', dataDir, '--http-port', '0', '--xds-port', '0'],
    {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const logs: Record<string, unknown>[] = [];
  const url = await new Promise<string>((res, rej) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      logs.push(entry);
      if (entry.msg === 'vane is serving') res(String(entry.http));
    });
    child.once('exit', (code) => rej(new Error(`exited ${code}`)));
  });
  const stop = async () => {
    const exit = new Promise<number | null>((res) => child.once('exit', res));
    child.kill('SIGTERM');
    return exit;
  };
  return { url, logs, stop };
}

test('first start generates the admin token once: logged, saved 0600, hash-only in the store', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vane-serve-'));
  try {
    const first = await serveFresh(dataDir);
    const file = join(dataDir, 'admin-token');
    const secret = readFileSync(file, 'utf8').trim();
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.ok(
      first.logs.some((l) => l.adminToken === secret),
      'the token is printed once',
    );
    assert.ok(
      first.logs.every((l) => typeof l.level === 'number' && typeof l.time === 'string'),
      'structured JSON logs',
    );
    const res = await fetch(`${first.url}/v1/projects`, { headers: { authorization: `Bearer ${secret}` } });
    assert.equal(res.status, 200);
    assert.equal(await first.stop(), 0);
    const db = readFileSync(join(dataDir, 'vane.db'));
    assert.equal(db.includes(Buffer.from(secret)), false, 'the secret itself is not stored');

    const second = await serveFresh(dataDir);
    assert.ok(
      second.logs.every((l) => l.adminToken === undefined),
      'not printed again',
    );
    assert.equal(readFileSync(file, 'utf8').trim(), secret);
    assert.equal(await second.stop(), 0);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('SIGTERM and SIGINT shut down cleanly and keep committed data', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vane-serve-'));
  try {
    const a = await startVane({ dataDir });
    assert.equal((await a.api('POST', '/v1/projects', { projectId: 'kept' })).status, 200);
    assert.equal(await a.stop('SIGTERM'), 0);
    const b = await startVane({ dataDir });
    assert.equal((await b.api('GET', '/v1/projects/kept')).status, 200);
    assert.equal(await b.stop('SIGINT'), 0);
    assert.ok(b.logs.some((l) => l.msg === 'stopped'));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('`npx vane` in the checkout runs this checkout', async () => {
  const root = resolve(import.meta.dirname, '../../..');
  const { stdout } = await run('npx', ['--no-install', 'vane', '--help'], { cwd: root });
  assert.match(stdout, /serve/);
  assert.match(stdout, /apply/);
});

test('usage errors exit with 2', async () => {
  await assert.rejects(
    run(process.execPath, [VANE_BIN, 'serve', '--http-port', 'abc']),
    (err: { code?: number }) => err.code === 2,
  );
  await assert.rejects(
    run(process.execPath, [VANE_BIN, 'no-such-command']),
    (err: { code?: number }) => err.code === 2,
  );
});

test('--max-streams is handed to the xDS server: the next stream is refused with RESOURCE_EXHAUSTED', async () => {
  const vane = await startVane({ args: ['--max-streams', '1'] });
  const port = Number(vane.xdsAddress.split(':').pop());
  const client = new RawXdsClient(port);
  try {
    const created = await vane.api('POST', '/v1/projects', { projectId: 'limits' });
    const node = { id: `projects/${String(created.body.projectNumber)}/networks/default/nodes/n1` };
    const first = client.sotw();
    first.send({ node, typeUrl: 'type.googleapis.com/envoy.config.listener.v3.Listener' });
    // The first stream is admitted (and then refused by the project: no forwarding rule).
    assert.equal((await first.status()).code, 5);
    const a = client.sotw();
    const b = client.sotw();
    a.send({ node, typeUrl: 'type.googleapis.com/envoy.config.listener.v3.Listener' });
    b.send({ node, typeUrl: 'type.googleapis.com/envoy.config.listener.v3.Listener' });
    const codes = [(await a.status()).code, (await b.status()).code].sort();
    assert.ok(
      codes.includes(8),
      `one of two concurrent streams is refused with RESOURCE_EXHAUSTED: ${codes}`,
    );
  } finally {
    client.client.close();
    await vane.stop();
  }
});

test('a log reader that stops reading never blocks the server: requests are served and SIGTERM still stops it', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vane-serve-'));
  const child = spawn(
    process.execPath,
    [VANE_BIN, 'serve', '--data-dir', dataDir, '--http-port', '0', '--xds-port', '0'],
    {
      env: { ...process.env, VANE_ADMIN_TOKEN: 'stalled-reader-token-0123456789' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    const url = await new Promise<string>((res, rej) => {
      const lines = createInterface({ input: child.stdout });
      lines.on('line', (line) => {
        const entry = JSON.parse(line) as Record<string, unknown>;
        if (entry.msg === 'vane is serving') {
          lines.close();
          res(String(entry.http));
        }
      });
      child.once('exit', (code) => rej(new Error(`exited ${code}`)));
    });
    // Stop reading: the pipe fills up with request logs.
    child.stdout.pause();
    for (let i = 0; i < 1500; i++) {
      const res = await fetch(`${url}/healthz?padding=${'x'.repeat(200)}`);
      assert.equal(res.status, 200);
    }
    const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
    child.kill('SIGTERM');
    const code = await Promise.race([
      exited,
      new Promise<string>((res) => setTimeout(() => res('still running'), 10_000)),
    ]);
    assert.notEqual(code, 'still running', 'SIGTERM was handled while the log reader was stalled');
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});
