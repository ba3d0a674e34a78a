// `vane serve` in its own process, on the embedded store in the demo's data directory.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Child, Children } from './children.js';

/** The compiled CLI entry point (dist/src/cli/main.js next to dist/demo/). */
export const VANE_BIN = resolve(import.meta.dirname, '../src/cli/main.js');

export interface RunningVane {
  child: Child;
  /** `http://127.0.0.1:PORT`: REST API (and the console). */
  url: string;
  /** `127.0.0.1:PORT` of the xDS server. */
  xdsAddress: string;
  token: string;
}

/** `preferred` when nothing listens on it, else 0 (the server then picks a free port). */
export async function portOr0(preferred: number, host = '127.0.0.1'): Promise<number> {
  if (preferred === 0) return 0;
  return new Promise((done) => {
    const probe = createServer();
    probe.once('error', () => done(0));
    probe.listen(preferred, host, () => probe.close(() => done(preferred)));
  });
}

/** Starts `vane serve` and waits until it serves; rejects (the child recorded in `children`) if it exits first. */
export async function startVane(
  children: Children,
  opts: { dataDir: string; httpPort: number; xdsPort: number; timeoutMs?: number },
): Promise<RunningVane> {
  const token = `demo-${randomBytes(16).toString('hex')}`;
  const child = children.spawn(
    'vane serve',
    VANE_BIN,
    [
      'serve',
      '--data-dir',
      opts.dataDir,
      '--http-port',
      String(opts.httpPort),
      '--xds-port',
      String(opts.xdsPort),
      // Load reports every 2 s, so the console's load view follows the traffic closely.
      '--lrs-interval',
      '2',
      '--log-level',
      'info',
    ],
    {
      env: { ...process.env, VANE_ADMIN_TOKEN: token },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const tail: string[] = [];
  const keep = (line: string) => {
    tail.push(line);
    if (tail.length > 30) tail.shift();
  };
  createInterface({ input: child.process.stderr! }).on('line', keep);
  const served = new Promise<{ http: string; xds: string }>((ok, fail) => {
    createInterface({ input: child.process.stdout! }).on('line', (line) => {
      keep(line);
      try {
        const entry = JSON.parse(line) as { msg?: string; http?: string; xds?: string };
        if (entry.msg === 'vane is serving') ok({ http: String(entry.http), xds: String(entry.xds) });
      } catch {
        // not JSON: kept in the tail only
      }
    });
    void child.exited.then(() =>
      fail(
        new Error(
          `vane serve exited (${child.process.exitCode ?? child.process.signalCode}) before serving:\n  ${tail.join('\n  ')}`,
        ),
      ),
    );
    const timer = setTimeout(
      () =>
        fail(
          new Error(
            `vane serve did not serve within ${opts.timeoutMs ?? 20_000} ms:\n  ${tail.join('\n  ')}`,
          ),
        ),
      opts.timeoutMs ?? 20_000,
    );
    timer.unref();
  });
  const { http, xds } = await served;
  return { child, url: http, xdsAddress: xds, token };
}
