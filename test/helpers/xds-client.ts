import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

const CLIENT = resolve(import.meta.dirname, '../e2e/xds-client.js');

export interface RpcResult {
  backend?: string;
  error?: string;
  details?: string;
  ms: number;
}

/** A proxyless grpc-js-xds client process calling through Vane in a loop. */
export class XdsClient {
  private readonly results: RpcResult[] = [];
  private waiters: (() => void)[] = [];
  private readonly child: ChildProcess;
  private stderr = '';
  /** Port of the client's own admin server (CSDS), once it has started. */
  adminPort: number | undefined;

  constructor(opts: {
    xdsAddress: string;
    target: string;
    projectNumber: string;
    network?: string;
    zone?: string;
    nodeMetadata?: Record<string, unknown>;
    callMetadata?: Record<string, string>;
    intervalMs?: number;
    /** Calls in flight at once. */
    concurrency?: number;
  }) {
    this.child = spawn(process.execPath, [CLIENT], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: {
        ...process.env,
        VANE_XDS_ADDRESS: opts.xdsAddress,
        TARGET: opts.target,
        NODE_ID: `projects/${opts.projectNumber}/networks/${opts.network ?? 'default'}/nodes/${Math.random().toString(16).slice(2)}`,
        ZONE: opts.zone ?? '',
        NODE_METADATA: JSON.stringify(opts.nodeMetadata ?? {}),
        CALL_METADATA: JSON.stringify(opts.callMetadata ?? {}),
        INTERVAL_MS: String(opts.intervalMs ?? 5),
        CONCURRENCY: String(opts.concurrency ?? 1),
      },
    });
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      const parsed = JSON.parse(line) as RpcResult & { adminPort?: number };
      if (parsed.adminPort !== undefined) {
        this.adminPort = parsed.adminPort;
        return;
      }
      this.results.push(parsed);
      for (const w of this.waiters.splice(0)) w();
    });
    this.child.stderr!.on('data', (d) => {
      this.stderr = (this.stderr + String(d)).slice(-4000);
    });
  }

  /** Replaces the metadata sent with each RPC. */
  setCallMetadata(md: Record<string, string>): void {
    this.child.stdin!.write(`${JSON.stringify({ metadata: md })}\n`);
  }

  /** Changes the pause between calls (and so the client's request rate). */
  setInterval(intervalMs: number): void {
    this.child.stdin!.write(`${JSON.stringify({ intervalMs })}\n`);
  }

  /** Forgets the results received so far (e.g. those from before a metadata change). */
  drain(): void {
    this.results.splice(0);
  }

  /** The next `n` results (after those already taken). */
  async take(n: number, timeoutMs = 30_000): Promise<RpcResult[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.results.length < n) {
      if (Date.now() > deadline)
        throw new Error(
          `timed out waiting for ${n} RPC results (have ${this.results.length}); stderr: ${this.stderr}`,
        );
      await new Promise<void>((res) => {
        this.waiters.push(res);
        setTimeout(res, 200);
      });
    }
    return this.results.splice(0, n);
  }

  /** Drops results until `predicate` holds for `streak` consecutive RPCs; returns how many were dropped. */
  async until(
    predicate: (r: RpcResult) => boolean,
    opts: { streak?: number; timeoutMs?: number } = {},
  ): Promise<number> {
    const streak = opts.streak ?? 5;
    const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
    let run = 0;
    let dropped = 0;
    while (run < streak) {
      const [r] = await this.take(1, Math.max(1, deadline - Date.now()));
      if (predicate(r!)) run += 1;
      else {
        run = 0;
        dropped += 1;
      }
    }
    return dropped;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((res) => this.child.once('exit', () => res()));
    this.child.stdin!.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

/** Counts results by backend (errors under `error:CODE`). */
export function tally(results: RpcResult[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of results) {
    const key = r.backend ?? `error:${r.error}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}
