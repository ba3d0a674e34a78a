import { type ChildProcess, execFile, spawn } from 'node:child_process';
import {
  accessSync,
  closeSync,
  constants,
  fstatSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The oldest Envoy that Traffic Director's configuration works with. */
export const MIN_ENVOY_VERSION = '1.9.1';

/** Resolves `envoy` (PATH) or a path to an executable file. */
export function findEnvoy(nameOrPath: string, path = process.env.PATH ?? ''): string {
  const candidates = nameOrPath.includes('/')
    ? [nameOrPath]
    : path
        .split(delimiter)
        .filter(Boolean)
        .map((d) => join(d, nameOrPath));
  for (const c of candidates) {
    try {
      if (statSync(c).isFile()) {
        accessSync(c, constants.X_OK);
        return c;
      }
    } catch {
      // next candidate
    }
  }
  throw new Error(
    nameOrPath.includes('/')
      ? `Envoy binary ${nameOrPath} does not exist or is not executable`
      : `Envoy binary '${nameOrPath}' was not found on PATH (${path}); install Envoy ${MIN_ENVOY_VERSION} or later, or set envoy-binary`,
  );
}

/** `envoy --version` prints e.g. `envoy  version: 3d5e2d4b/1.27.0/Clean/RELEASE/BoringSSL`. */
export async function envoyVersion(binary: string): Promise<string> {
  let out: string;
  try {
    const r = await run(binary, ['--version'], { timeout: 10_000 });
    out = `${r.stdout}\n${r.stderr}`;
  } catch (err) {
    throw new Error(`${binary} --version failed: ${(err as Error).message.split('\n')[0]}`);
  }
  const m = /version:\s*\S*?\/?(\d+\.\d+\.\d+)/.exec(out) ?? /(\d+\.\d+\.\d+)/.exec(out);
  if (!m) throw new Error(`${binary} --version printed no version: ${out.trim().slice(0, 200)}`);
  return m[1]!;
}

/** Negative, zero or positive as a < b, a = b, a > b (dotted numeric versions). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export interface SupervisorOptions {
  binary: string;
  args: string[];
  uid: number;
  gid: number;
  /** Envoy's stderr (its log) goes here, appended, as in Traffic Director's run.sh. */
  errLog: string;
  pidFile: string;
  log: (line: string) => void;
  /** Called when Envoy exits unexpectedly, with a description that names the log. */
  onFailure: (message: string) => void;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** A run this long resets the back-off. */
  stableMs?: number;
}

/** Runs Envoy as the proxy user and restarts it with exponential back-off when it exits. */
export class EnvoySupervisor {
  private child: ChildProcess | undefined;
  private stopped = false;
  private backoffMs: number;
  private restartTimer: NodeJS.Timeout | undefined;
  restarts = 0;

  constructor(private readonly o: SupervisorOptions) {
    this.backoffMs = o.minBackoffMs ?? 1000;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Stops an Envoy that a previous agent started and left running (the agent was killed). */
  async killLeftover(): Promise<void> {
    let pid: number;
    try {
      pid = Number(readFileSync(this.o.pidFile, 'utf8').trim());
    } catch {
      return;
    }
    if (!Number.isInteger(pid) || pid <= 1 || !alive(pid)) return;
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    if (!cmdline.includes(this.o.args.join(' '))) return; // the PID was reused by something else
    this.o.log(`stopping Envoy left running by a previous agent (pid ${pid})`);
    // It holds the proxy's ports: wait until it is gone before starting the new one.
    for (const [signal, waitMs] of [
      ['SIGTERM', 5000],
      ['SIGKILL', 2000],
    ] as const) {
      try {
        process.kill(pid, signal);
      } catch {
        return;
      }
      const deadline = Date.now() + waitMs;
      while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      if (!alive(pid)) return;
    }
  }

  start(): void {
    this.stopped = false;
    const fd = openSync(this.o.errLog, 'a');
    const startedAt = Date.now();
    const child = spawn(this.o.binary, this.o.args, {
      uid: this.o.uid,
      gid: this.o.gid,
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    this.child = child;
    child.once('error', (err) => this.o.log(`Envoy could not start: ${err.message}`));
    if (child.pid !== undefined) {
      writeFileSync(this.o.pidFile, `${child.pid}\n`);
      this.o.log(
        `Envoy started (pid ${child.pid}) as uid ${this.o.uid}: ${this.o.binary} ${this.o.args.join(' ')}`,
      );
    }
    child.once('close', (code, signal) => {
      if (this.child === child) this.child = undefined;
      if (this.stopped) return;
      if (Date.now() - startedAt >= (this.o.stableMs ?? 60_000)) this.backoffMs = this.o.minBackoffMs ?? 1000;
      const how = signal ? `signal ${signal}` : `code ${code}`;
      const last = lastLine(this.o.errLog);
      this.restarts++;
      this.o.onFailure(
        `Envoy exited with ${how}; see ${this.o.errLog}${last ? ` (last line: ${last})` : ''}; restarting in ${this.backoffMs / 1000} s`,
      );
      this.restartTimer = setTimeout(() => {
        this.restartTimer = undefined;
        if (!this.stopped) this.start();
      }, this.backoffMs);
      this.backoffMs = Math.min(this.backoffMs * 2, this.o.maxBackoffMs ?? 30_000);
    });
  }

  running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await closed;
      clearTimeout(timer);
      this.o.log(`Envoy (pid ${child.pid}) stopped`);
    }
    rmSync(this.o.pidFile, { force: true });
  }
}

/** Running: exists and is not a zombie waiting for a parent that does not reap it. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function lastLine(file: string): string | undefined {
  try {
    const fd = openSync(file, 'r');
    const size = fstatSync(fd).size;
    const buf = Buffer.alloc(Math.min(size, 4096));
    readSync(fd, buf, 0, buf.length, size - buf.length);
    closeSync(fd);
    const lines = buf.toString('utf8').trimEnd().split('\n');
    const line = lines[lines.length - 1]?.trim();
    return line ? line.slice(0, 300) : undefined;
  } catch {
    return undefined;
  }
}
