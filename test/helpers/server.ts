import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { parsePostgresUrl } from '../../src/store/postgres.js';

/** The compiled CLI entry point. */
export const VANE_BIN = resolve(import.meta.dirname, '../../src/cli/main.js');

export const POSTGRES_URL = process.env.VANE_TEST_POSTGRES_URL ?? 'postgres://127.0.0.1:5432/test';

export interface TestServer {
  url: string;
  /** `127.0.0.1:PORT` of the xDS server. */
  xdsAddress: string;
  adminToken: string;
  dataDir: string;
  process: ChildProcess;
  /** Every log line the server printed, parsed. */
  logs: Record<string, unknown>[];
  /** Sends SIGTERM and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Authenticated fetch against the server: JSON in, JSON out. */
  api(
    method: string,
    path: string,
    body?: unknown,
    token?: string,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
}

/** A unique PostgreSQL URL (own schema) so tests never see each other's data. */
export function postgresUrl(): string {
  const schema = `vane_test_${randomBytes(6).toString('hex')}`;
  return `${POSTGRES_URL}${POSTGRES_URL.includes('?') ? '&' : '?'}schema=${schema}`;
}

/** Drops the schema a `postgresUrl()` store created; other URLs are left alone. */
export async function dropTestSchema(storeUrl: string): Promise<void> {
  const schema = /[?&]schema=(vane_test_[0-9a-f]+)/.exec(storeUrl)?.[1];
  if (schema === undefined) return;
  const client = new pg.Client({ connectionString: parsePostgresUrl(POSTGRES_URL).connectionString });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

/** Starts a real `vane serve` on a free loopback port. */
/**
 * Servers not stopped yet, with the data directory made for each (if any). A test that fails
 * before stopping its server must not leave the process and its files behind: when the test
 * process exits, whatever is left is killed and removed.
 */
const running = new Map<ChildProcess, string | undefined>();
process.once('exit', () => {
  for (const [child, madeDir] of running) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    if (madeDir !== undefined) rmSync(madeDir, { recursive: true, force: true });
  }
});

export async function startVane(
  opts: {
    store?: string;
    dataDir?: string;
    env?: Record<string, string>;
    /** Replicas sharing one store must share the admin token too. */
    adminToken?: string;
    args?: string[];
  } = {},
): Promise<TestServer> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'vane-test-'));
  const adminToken = opts.adminToken ?? `test-admin-${randomBytes(12).toString('hex')}`;
  const args = [
    VANE_BIN,
    'serve',
    '--data-dir',
    dataDir,
    '--http-port',
    '0',
    '--xds-port',
    '0',
    ...(opts.store ? ['--store', opts.store] : []),
    ...(opts.args ?? []),
  ];
  const child = spawn(process.execPath, args, {
    env: { ...process.env, VANE_ADMIN_TOKEN: adminToken, VANE_LOG_LEVEL: 'info', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.set(child, opts.dataDir === undefined ? dataDir : undefined);
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr += String(d);
  });
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  let xdsAddress = '';
  const url = await new Promise<string>((res, rej) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (entry.msg === 'vane is serving') {
          xdsAddress = String(entry.xds);
          res(String(entry.http));
        }
      } catch {
        logs.push({ raw: line });
      }
    });
    void exited.then((code) =>
      rej(
        new Error(
          `vane serve exited with ${code} before serving:\n${stderr}\n${logs.map((l) => JSON.stringify(l)).join('\n')}`,
        ),
      ),
    );
  });
  const api: TestServer['api'] = async (method, path, body, token = adminToken) => {
    const res = await fetch(url + path, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
  return {
    url,
    xdsAddress,
    adminToken,
    dataDir,
    process: child,
    logs,
    api,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const code = await exited;
      if (opts.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
      running.delete(child);
      if (opts.store !== undefined) await dropTestSchema(opts.store);
      return code;
    },
  };
}
