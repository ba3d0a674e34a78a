// The demo's child processes: each is recorded the moment it is spawned, so that however the
// demo ends (Ctrl-C, SIGTERM, `q`, --duration, a failed step) every one is stopped by its PID.
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';

export interface Child {
  name: string;
  process: ChildProcess;
  pid: number;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
  /** How to ask it to stop (default SIGTERM). */
  stop: () => void;
}

export class Children {
  private readonly all: Child[] = [];
  private closed = false;

  /** `onSpawn` hears of every child as soon as it has a PID. */
  constructor(private readonly onSpawn: (child: Child) => void = () => {}) {}

  /** Spawns `node SCRIPT` in its own process group (so a terminal's Ctrl-C reaches only the demo, which stops it in order). */
  spawn(
    name: string,
    script: string,
    args: string[],
    opts: SpawnOptions & { stop?: (c: ChildProcess) => void },
  ): Child {
    if (this.closed) throw new Error(`not starting ${name}: the demo is stopping`);
    const proc = spawn(process.execPath, [script, ...args], { ...opts, detached: true });
    if (proc.pid === undefined) throw new Error(`could not start ${name}`);
    const exited = new Promise<void>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) resolve();
      else proc.once('exit', () => resolve());
    });
    const child: Child = {
      name,
      process: proc,
      pid: proc.pid,
      exited,
      stop: () => (opts.stop ? opts.stop(proc) : proc.kill('SIGTERM')),
    };
    this.all.push(child);
    this.onSpawn(child);
    return child;
  }

  get pids(): number[] {
    return this.all.map((c) => c.pid);
  }

  /** Whether `stopAll` has begun. */
  get stopping(): boolean {
    return this.closed;
  }

  /**
   * Stops every child, newest first (clients before the server they talk to): the polite way,
   * then SIGKILL to the same PID after `graceMs`.
   */
  async stopAll(graceMs = 5000): Promise<void> {
    this.closed = true;
    for (const child of this.all.splice(0).reverse()) {
      if (child.process.exitCode !== null || child.process.signalCode !== null) continue;
      try {
        child.stop();
      } catch {
        // already gone
      }
      const timer = setTimeout(() => child.process.kill('SIGKILL'), graceMs);
      await child.exited;
      clearTimeout(timer);
    }
  }
}
