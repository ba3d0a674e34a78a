// CPU and memory of another process from /proc (Linux): utime+stime of the process and of its
// main thread (the event loop), VmRSS and VmHWM.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** utime + stime of a /proc/…/stat file, in ms. */
function cpuMsOf(statPath: string): number {
  const stat = readFileSync(statPath, 'utf8');
  // Fields after the parenthesised command name (which may contain spaces): state is field 3.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  return ((utime + stime) * 1000) / ticksPerSecond();
}

export interface ProcSample {
  at: number;
  /** CPU time of all threads, ms. */
  cpuMs: number;
  /** CPU time of the main (event loop) thread, ms. */
  mainCpuMs: number;
}

export interface LiveMemory {
  /** VmRSS after a full GC, bytes. */
  rss: number;
  heapUsed: number;
  /** Memory of ArrayBuffers, Buffers and other off-heap objects. */
  external: number;
}

export class ProcWatch {
  constructor(
    readonly pid: number,
    /** The preloaded gc-hook's answer file ($VANE_BENCH_HOOK_FILE; undefined: no hook). */
    private readonly hookFile?: string,
  ) {}

  /** Sends a command to the preloaded gc-hook and waits for its JSON answer. */
  async command<T>(cmd: string, arg = ''): Promise<T> {
    if (this.hookFile === undefined) throw new Error('no gc hook');
    rmSync(this.hookFile, { force: true });
    writeFileSync(`${this.hookFile}.cmd`, `${cmd}\n${arg}`);
    process.kill(this.pid, 'SIGUSR2');
    for (let i = 0; i < 400; i++) {
      await new Promise((r) => setTimeout(r, 25));
      try {
        return JSON.parse(readFileSync(this.hookFile, 'utf8')) as T;
      } catch {
        /* not (completely) written yet */
      }
    }
    throw new Error(`the gc hook did not answer ${cmd}`);
  }

  /** Full GC in the process (through the gc-hook), then its live memory. */
  async liveMemory(): Promise<LiveMemory> {
    if (this.hookFile === undefined) return { rss: this.memory().rss, heapUsed: 0, external: 0 };
    const m = await this.command<{ heapUsed: number; external: number }>('memory');
    await new Promise((r) => setTimeout(r, 200));
    return { rss: this.memory().rss, heapUsed: m.heapUsed, external: m.external };
  }

  sample(): ProcSample {
    return {
      at: performance.now(),
      cpuMs: cpuMsOf(`/proc/${this.pid}/stat`),
      mainCpuMs: cpuMsOf(`/proc/${this.pid}/task/${this.pid}/stat`),
    };
  }

  /** VmRSS and VmHWM in bytes. */
  memory(): { rss: number; hwm: number } {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const kb = (key: string) =>
      Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  }

  /**
   * Samples every `intervalMs` until stopped; `stop()` returns the busiest window's CPU share
   * (whole process and main thread, 1.0 = one core).
   */
  watch(intervalMs = 250): { stop(): { peak: number; mainPeak: number } } {
    let prev = this.sample();
    let peak = 0;
    let mainPeak = 0;
    const timer = setInterval(() => {
      const s = this.sample();
      const dt = s.at - prev.at;
      if (dt > 0) {
        peak = Math.max(peak, (s.cpuMs - prev.cpuMs) / dt);
        mainPeak = Math.max(mainPeak, (s.mainCpuMs - prev.mainCpuMs) / dt);
      }
      prev = s;
    }, intervalMs);
    return {
      stop: () => {
        clearInterval(timer);
        return { peak, mainPeak };
      },
    };
  }
}

/** CPU share between two samples (1.0 = one core), in all and on the main (event loop) thread. */
export function cpuShare(a: ProcSample, b: ProcSample): { all: number; main: number } {
  const dt = b.at - a.at;
  return { all: (b.cpuMs - a.cpuMs) / dt, main: (b.mainCpuMs - a.mainCpuMs) / dt };
}
