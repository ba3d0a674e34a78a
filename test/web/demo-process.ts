// `npm run demo` as a child process for browser tests: free ports, --json events, and the
// ready event's console URL, token and ports.
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

const DEMO = resolve(import.meta.dirname, '../../demo/main.js');

export type DemoEvent = Record<string, unknown> & { event: string };

export interface TrafficEvent extends DemoEvent {
  from: number;
  to: number;
  calls: number;
  errors: number;
  /** Share of successful calls answered by v1, percent. */
  v1: number;
  counts: { v1: number; v2: number };
}

export interface ReadyEvent extends DemoEvent {
  consoleUrl: string;
  apiUrl: string;
  token: string;
  project: string;
  projectNumber: string;
  xdsAddress: string;
  backends: { name: string; zone: string; version: string; port: number }[];
}

export class DemoProcess {
  readonly events: DemoEvent[] = [];
  readonly child: ChildProcess;
  private stderr = '';

  constructor() {
    // Port 0: the demo's server picks free ports, so the defaults (8080, 15010) stay free.
    this.child = spawn(
      process.execPath,
      [DEMO, '--no-interactive', '--json', '--http-port', '0', '--xds-port', '0'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      try {
        this.events.push(JSON.parse(line) as DemoEvent);
      } catch {
        // not an event
      }
    });
    this.child.stderr!.on('data', (d) => {
      this.stderr = (this.stderr + String(d)).slice(-4000);
    });
  }

  /** The first event since index `since` that `match` accepts, waiting up to `timeoutMs`. */
  async waitFor<T extends DemoEvent>(
    what: string,
    match: (e: DemoEvent) => boolean,
    timeoutMs: number,
    since = 0,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.slice(since).find(match);
      if (found) return found as T;
      if (Date.now() > deadline || this.child.exitCode !== null)
        throw new Error(
          `no ${what} within ${timeoutMs} ms (exit ${this.child.exitCode}); last events:\n${this.events
            .slice(-4)
            .map((e) => JSON.stringify(e))
            .join('\n')}\nstderr: ${this.stderr}`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  ready(): Promise<ReadyEvent> {
    return this.waitFor<ReadyEvent>('ready event', (e) => e.event === 'ready', 60_000);
  }

  /** Traffic windows that started at or after `since` (ms since the epoch). */
  trafficSince(since: number): TrafficEvent[] {
    return this.events.filter((e): e is TrafficEvent => e.event === 'traffic' && Number(e.from) >= since);
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** SIGINT (the demo cleans up its children), SIGKILL if it has not exited within 15 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGINT');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}
