// `npm run demo` end to end: the demo runs as a child process with --json, the test watches
// its traffic events, changes the split through the REST API with the token the demo
// printed, stops a backend, and checks that every process the demo started is gone when it stops.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import type { TrafficWindow } from '../../demo/summary.js';

const DEMO = resolve(import.meta.dirname, '../../demo/main.js');

type Event = Record<string, unknown> & { event: string };

type Traffic = Event & TrafficWindow;

interface Ready extends Event {
  consoleUrl: string;
  apiUrl: string;
  token: string;
  dataDir: string;
  pids: { vane: number; clients: number[] };
  childPids: number[];
  backends: { name: string; zone: string; version: string; port: number }[];
}

/** The demo process and the JSON events it printed. */
class Demo {
  readonly events: Event[] = [];
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  private stderr = '';
  private read = 0;

  constructor(args: string[], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [DEMO, '--no-interactive', '--json', ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      this.events.push(JSON.parse(line) as Event);
    });
    this.child.stderr!.on('data', (d) => {
      this.stderr = (this.stderr + String(d)).slice(-4000);
    });
    this.exited = new Promise((res) => this.child.once('exit', (code) => res(code)));
  }

  /** The next event (after those already taken) that `match` accepts; earlier ones are skipped. */
  async next<T extends Event>(match: (e: Event) => boolean, timeoutMs: number, what: string): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.read < this.events.length) {
        const e = this.events[this.read++]!;
        if (match(e)) return e as T;
      }
      if (Date.now() > deadline || this.child.exitCode !== null)
        throw new Error(
          `no ${what} within ${timeoutMs} ms (exit ${this.child.exitCode}); events: ${this.events
            .slice(-5)
            .map((e) => JSON.stringify(e))
            .join('\n')}\nstderr: ${this.stderr}`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Sums traffic events until at least `calls` calls are counted. */
  async traffic(
    calls: number,
    timeoutMs = 20_000,
  ): Promise<{ windows: Traffic[]; v1: number; v2: number; errors: number }> {
    const windows: Traffic[] = [];
    let v1 = 0;
    let v2 = 0;
    let errors = 0;
    while (v1 + v2 + errors < calls) {
      const w = await this.next<Traffic>((e) => e.event === 'traffic', timeoutMs, 'traffic event');
      windows.push(w);
      v1 += w.counts.v1;
      v2 += w.counts.v2;
      errors += w.errors;
    }
    return { windows, v1, v2, errors };
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

async function api(ready: Ready, method: string, path: string, body?: unknown) {
  const res = await fetch(ready.apiUrl + path, {
    method,
    headers: {
      authorization: `Bearer ${ready.token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await res.json()) as Record<string, unknown>;
  assert.equal(res.status, 200, `${method} ${path}: ${JSON.stringify(json)}`);
  return json;
}

test('the demo serves a 50/50 split, follows a change to 90/10, reacts to a stopped backend, and cleans up on SIGINT', async () => {
  const demo = new Demo([]);
  try {
    const ready = await demo.next<Ready>((e) => e.event === 'ready', 30_000, 'ready event');
    assert.match(ready.consoleUrl, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.match(ready.token, /^demo-[0-9a-f]{32}$/);
    assert.equal(ready.pids.clients.length, 2);
    assert.deepEqual([...ready.childPids].sort(), [ready.pids.vane, ...ready.pids.clients].sort());
    for (const pid of ready.childPids) assert.ok(alive(pid), `child ${pid} runs`);
    assert.ok(existsSync(ready.dataDir), 'the data directory exists while the demo runs');
    assert.equal(ready.backends.length, 8);

    // Both clients are connected proxies, one per zone.
    const proxies = (await api(ready, 'GET', '/v1/projects/demo/proxies')).proxies as unknown[];
    assert.equal(proxies.length, 2, JSON.stringify(proxies));
    for (const zone of ['us-central1-a', 'us-east1-b'])
      assert.ok(JSON.stringify(proxies).includes(zone), `a proxy in ${zone}`);

    // 50/50, and every zone serves.
    const even = await demo.traffic(240);
    const evenShare = even.v1 / (even.v1 + even.v2);
    assert.ok(evenShare > 0.38 && evenShare < 0.62, `v1 share ${evenShare} of ${JSON.stringify(even)}`);
    assert.equal(even.errors, 0, JSON.stringify(even.windows));
    for (const zone of ['us-central1-a', 'us-east1-b']) {
      const inZone = even.windows.reduce(
        (n, w) => n + (w.byZone[zone]?.v1 ?? 0) + (w.byZone[zone]?.v2 ?? 0),
        0,
      );
      assert.ok(inZone > 50, `${zone} served ${inZone} calls`);
    }

    // 90/10 with the REST API, as a user would: read the URL map, change the weights, put it back.
    const map = await api(ready, 'GET', '/compute/v1/projects/demo/global/urlMaps/wallet-map');
    const rules = (
      map.pathMatchers as {
        routeRules: {
          routeAction?: { weightedBackendServices: { backendService: string; weight: number }[] };
        }[];
      }[]
    )[0]!.routeRules;
    const weighted = rules.find((r) => r.routeAction !== undefined)!.routeAction!.weightedBackendServices;
    for (const w of weighted) w.weight = w.backendService.endsWith('/wallet-v1') ? 90 : 10;
    const changedAt = Date.now();
    await api(ready, 'PUT', '/compute/v1/projects/demo/global/urlMaps/wallet-map', map);
    await demo.next<Traffic>(
      (e) => e.event === 'traffic' && (e as Traffic).v1 >= 80,
      10_000,
      'a 90/10 window',
    );
    const followedMs = Date.now() - changedAt;
    assert.ok(followedMs < 10_000, `the traffic followed after ${followedMs} ms`);
    const skewed = await demo.traffic(240);
    const skewedShare = skewed.v1 / (skewed.v1 + skewed.v2);
    assert.ok(
      skewedShare > 0.82 && skewedShare < 0.97,
      `v1 share ${skewedShare} of ${JSON.stringify(skewed)}`,
    );

    // A stopped backend: health says UNHEALTHY within seconds and it gets no more calls.
    demo.child.kill('SIGUSR1');
    const stopped = await demo.next<Event & { backend: string; port: number; version: string }>(
      (e) => e.event === 'action' && e.action === 'stop-backend',
      5000,
      'stop-backend action',
    );
    assert.equal(stopped.version, 'v1');
    const deadline = Date.now() + 10_000;
    for (;;) {
      const health = await api(ready, 'GET', '/v1/projects/demo/backendServices/wallet-v1/health');
      const endpoint = (health.endpoints as { port: number; state: string }[]).find(
        (e) => e.port === stopped.port,
      );
      if (endpoint?.state === 'UNHEALTHY') break;
      assert.ok(Date.now() < deadline, `endpoint ${stopped.port} is still ${endpoint?.state}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const unhealthyAt = Date.now();
    const after = await demo.next<Traffic>(
      (e) => e.event === 'traffic' && (e as Traffic).from > unhealthyAt + 500,
      10_000,
      'a traffic window after the health change',
    );
    assert.ok(after.calls > 40, JSON.stringify(after));
    assert.equal(after.byBackend[stopped.backend], undefined, JSON.stringify(after));

    // SIGINT: exit 0, every child gone, the data directory removed.
    demo.child.kill('SIGINT');
    assert.equal(await demo.exited, 0);
    assert.ok(demo.events.some((e) => e.event === 'stopped'));
    for (const pid of ready.childPids) assert.equal(alive(pid), false, `child ${pid} is gone`);
    assert.equal(existsSync(ready.dataDir), false, 'the data directory is removed');
  } finally {
    if (demo.child.exitCode === null) demo.child.kill('SIGKILL');
  }
});

test('a step failing at startup stops every process started so far and removes the data directory', async () => {
  const demo = new Demo(['--http-port', '0', '--xds-port', '0'], { VANE_DEMO_FAIL_AFTER: 'clients' });
  try {
    assert.equal(await demo.exited, 1);
    const starting = demo.events.find((e) => e.event === 'starting')!;
    const spawned = demo.events.filter((e) => e.event === 'spawned').map((e) => Number(e.pid));
    assert.equal(spawned.length, 3, JSON.stringify(demo.events)); // vane serve and two clients
    for (const pid of spawned) assert.equal(alive(pid), false, `child ${pid} is gone`);
    assert.match(
      String(demo.events.find((e) => e.event === 'error')?.message),
      /failing after step 'clients'/,
    );
    assert.equal(existsSync(String(starting.dataDir)), false, 'the data directory is removed');
    assert.equal(
      demo.events.some((e) => e.event === 'ready'),
      false,
    );
  } finally {
    if (demo.child.exitCode === null) demo.child.kill('SIGKILL');
  }
});

test('vane serve failing to start (xDS port taken) ends the demo with exit code 1 and nothing left behind', async () => {
  const blocker: Server = createServer();
  const port = await new Promise<number>((res) =>
    blocker.listen(0, '127.0.0.1', () => res((blocker.address() as { port: number }).port)),
  );
  const demo = new Demo(['--http-port', '0', '--xds-port', String(port)]);
  try {
    assert.equal(await demo.exited, 1);
    const starting = demo.events.find((e) => e.event === 'starting')!;
    const spawned = demo.events.filter((e) => e.event === 'spawned').map((e) => Number(e.pid));
    assert.equal(spawned.length, 1, JSON.stringify(demo.events));
    assert.equal(alive(spawned[0]!), false);
    assert.match(String(demo.events.find((e) => e.event === 'error')?.message), /vane serve exited/);
    assert.equal(existsSync(String(starting.dataDir)), false);
  } finally {
    if (demo.child.exitCode === null) demo.child.kill('SIGKILL');
    blocker.close();
  }
});
