// The coordinator's side of the load generator: forks W shard processes (fleet-worker.ts), splits
// the proxies and connections between them, sends each command to all and merges the answers.
import { type ChildProcess, fork } from 'node:child_process';
import { resolve } from 'node:path';
import type { ShardInit } from './fleet-worker.js';

export class Fleet {
  private readonly workers: ChildProcess[] = [];
  private seq = 0;
  private readonly pending = new Map<number, { res: (v: unknown) => void; rej: (e: Error) => void }>();

  constructor(shards: number) {
    for (let k = 0; k < shards; k++) {
      const w = fork(resolve(import.meta.dirname, 'fleet-worker.js'), [], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        execArgv: ['--max-old-space-size=4096'],
      });
      w.on('message', (m: { id: number; result?: unknown; error?: string }) => {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (m.error !== undefined) p?.rej(new Error(m.error));
        else p?.res(m.result);
      });
      this.workers.push(w);
    }
  }

  get pids(): number[] {
    return this.workers.map((w) => w.pid!);
  }

  private send<T>(w: ChildProcess, cmd: string, arg?: unknown): Promise<T> {
    const id = ++this.seq;
    return new Promise<T>((res, rej) => {
      this.pending.set(id, { res: res as (v: unknown) => void, rej });
      w.send({ id, cmd, arg });
    });
  }

  /** The same command to every shard; their answers in shard order. */
  all<T>(cmd: string, arg?: unknown): Promise<T[]> {
    return Promise.all(this.workers.map((w) => this.send<T>(w, cmd, arg)));
  }

  /** One command per shard, each with its own argument. */
  each<T>(cmd: string, args: unknown[]): Promise<T[]> {
    return Promise.all(this.workers.map((w, k) => this.send<T>(w, cmd, args[k])));
  }

  /** Splits the proxies (round robin) and the connections between the shards. */
  async init(
    base: Omit<ShardInit, 'proxies' | 'connections'>,
    connections: number,
    proxies: ShardInit['proxies'],
  ) {
    const W = this.workers.length;
    await Promise.all(
      this.workers.map((w, k) => {
        const mine = proxies.filter((_, i) => i % W === k);
        const conns = Math.max(1, Math.round(connections / W));
        return this.send(w, 'init', { ...base, connections: Math.min(conns, mine.length), proxies: mine });
      }),
    );
  }

  /** CPU time of all shards, ms (user + system). */
  async cpuMs(): Promise<number> {
    const usage = await this.all<NodeJS.CpuUsage>('cpu');
    return usage.reduce((n, u) => n + (u.user + u.system) / 1000, 0);
  }

  async stop(): Promise<void> {
    await Promise.race([this.all('stop').catch(() => {}), new Promise((r) => setTimeout(r, 3000))]);
    for (const w of this.workers) if (w.exitCode === null) w.kill();
  }
}
