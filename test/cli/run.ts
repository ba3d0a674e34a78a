import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestServer } from '../helpers/server.js';

/** The compiled CLI. */
export const CLI = resolve(import.meta.dirname, '../../src/cli/main.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment of a CLI run: none of the caller's VANE_* settings, no token file to find. */
export function cliEnv(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('VANE_')) out[k] = v;
  out.VANE_DATA_DIR = join(tmpdir(), 'vane-cli-test-no-such-dir');
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}

/** Runs `vane ARGS` as a child process. */
export function runCli(
  args: readonly string[],
  opts: { env?: Record<string, string | undefined>; input?: string; cwd?: string } = {},
): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: cliEnv(opts.env ?? {}),
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(opts.cwd === undefined ? {} : { cwd: opts.cwd }),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += String(d);
    });
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

/** A `vane` bound to a server and a token (admin by default) and, optionally, a project. */
export function cliFor(server: TestServer, project?: string) {
  return (
    args: readonly string[],
    opts: { token?: string; input?: string; env?: Record<string, string | undefined> } = {},
  ) =>
    runCli(args, {
      env: {
        VANE_SERVER: server.url,
        VANE_TOKEN: opts.token ?? server.adminToken,
        VANE_PROJECT: project,
        ...opts.env,
      },
      ...(opts.input === undefined ? {} : { input: opts.input }),
    });
}

const tempDirs: string[] = [];
process.once('exit', () => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary directory with these files in it (removed when the test process exits). */
export function tempDir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'vane-cli-'));
  tempDirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** `created urlMap/web` lines → [['created', 'urlMap/web'], …] (zone suffixes kept). */
export function actions(stdout: string): string[][] {
  return stdout
    .split('\n')
    .filter((l) => /^(created|updated|unchanged) /.test(l))
    .map((l) => [l.slice(0, l.indexOf(' ')), l.slice(l.indexOf(' ') + 1)]);
}
