// Active health checking at scale: a real `vane serve` checks N endpoints (default 10,000, every
// 5 s) served by real listeners in forked server processes (bench/health/servers.ts: one
// listener per endpoint on its own loopback address 127.77.A.B). One phase per protocol, each
// with a fresh vane and fresh servers. Per phase: the project, a health check, NEGs of 1,000
// endpoints and a backend service naming them are applied through `POST /v1/projects/{p}/apply`;
// after every endpoint is HEALTHY (warm-up) a steady-state window is measured:
//   - probe rate from vane's `vane_health_probes_total` and from the servers (probes they saw),
//     and the per-endpoint time between probes seen by the servers (does every endpoint get
//     its probe every interval?);
//   - vane's event-loop lag (prom-client's monitorEventLoopDelay percentiles at /metrics,
//     scraped every 5 s, each scrape covering the 5 s since the previous one), the latency of
//     `GET /readyz` sampled every 100 ms, and `vane_health_probes_in_flight`;
//   - vane's CPU (all threads and the event-loop thread, /proc/<pid>/stat and
//     /proc/<pid>/task/<pid>/stat) and RSS (/proc/<pid>/status), the servers' and the machine's CPU;
//   - after the window, one read of `GET /v1/projects/{p}/backendServices/{bs}/health`: the last
//     probe's latency (whole ms) and age of every endpoint.
// Usage: npm run bench:health [-- --endpoints 10000 --interval-s 5 --duration-s 30
//        --protocols TCP,HTTP,GRPC --workers 4 --keepalive-ms 5000 --json FILE]
// --stop-grace-s: how long vane may take to exit on SIGTERM before it is killed (default 10);
// --keepalive-ms: the HTTP servers' keep-alive timeout (Node's default is 5000);
// --vane-node-options: NODE_OPTIONS for vane (e.g. '--cpu-prof --cpu-prof-dir=DIR').
// Exits non-zero on errors (servers or vane failing, endpoints that never become HEALTHY),
// never on timing.
import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startVane, type TestServer } from '../../test/helpers/server.js';
import type { Protocol, WorkerStats } from './servers.js';

const { values } = parseArgs({
  options: {
    endpoints: { type: 'string', default: '10000' },
    'interval-s': { type: 'string', default: '5' },
    'duration-s': { type: 'string', default: '30' },
    protocols: { type: 'string', default: 'TCP,HTTP,GRPC' },
    workers: { type: 'string', default: '4' },
    'keepalive-ms': { type: 'string', default: '5000' },
    'warmup-timeout-s': { type: 'string', default: '120' },
    'stop-grace-s': { type: 'string', default: '10' },
    json: { type: 'string' },
    'vane-node-options': { type: 'string' },
  },
});
const N = Number(values.endpoints);
const INTERVAL_S = Number(values['interval-s']);
const DURATION_MS = Number(values['duration-s']) * 1000;
const WORKERS = Math.max(1, Number(values.workers));
const KEEPALIVE_MS = Number(values['keepalive-ms']);
const WARMUP_TIMEOUT_MS = Number(values['warmup-timeout-s']) * 1000;
const PROTOCOLS = values.protocols.split(',').map((p) => p.trim().toUpperCase()) as Protocol[];
for (const p of PROTOCOLS) if (!['TCP', 'HTTP', 'GRPC'].includes(p)) throw new Error(`unknown protocol ${p}`);
if (!(N >= 1) || !(INTERVAL_S >= 1) || !(DURATION_MS > 0)) throw new Error('bad arguments');

const PROJECT = 'hcbench';
const ZONE = 'us-central1-a';
const PER_NEG = 1000;
const STOP_GRACE_MS = Number(values['stop-grace-s']) * 1000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (msg: string) =>
  process.stderr.write(`[bench:health ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
const sortNum = (a: number[]) => a.sort((x, y) => x - y);
const mib = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MiB`;

// ---------------------------------------------------------------- /proc

let clockTicks = 100;
try {
  const auxv = readFileSync('/proc/self/auxv');
  // AT_CLKTCK (17) in the auxiliary vector (64-bit little-endian pairs).
  for (let off = 0; off + 16 <= auxv.length; off += 16) {
    if (auxv.readBigUInt64LE(off) === 17n) clockTicks = Number(auxv.readBigUInt64LE(off + 8)) || 100;
  }
} catch {
  /* keep 100 */
}

function cpuMsOf(statPath: string): number {
  const stat = readFileSync(statPath, 'utf8');
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(rest[11]) + Number(rest[12])) * 1000) / clockTicks;
}

interface ProcSample {
  at: number;
  cpuMs: number;
  mainCpuMs: number;
}
function procSample(pid: number): ProcSample {
  return {
    at: performance.now(),
    cpuMs: cpuMsOf(`/proc/${pid}/stat`),
    mainCpuMs: cpuMsOf(`/proc/${pid}/task/${pid}/stat`),
  };
}
function memory(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}
/** Busy and total jiffies of the whole machine (all CPUs). */
function machine(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = f[3]! + f[4]!;
  return { busy: total - idle, total };
}
function timeWait(): number {
  const s = readFileSync('/proc/net/sockstat', 'utf8');
  return Number(/^TCP:.*\btw (\d+)/m.exec(s)?.[1] ?? Number.NaN);
}

// ---------------------------------------------------------------- /metrics

type Metrics = Map<string, number>;
async function scrape(url: string): Promise<Metrics> {
  const res = await fetch(`${url}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics: HTTP ${res.status}`);
  const out: Metrics = new Map();
  for (const line of (await res.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}
const metric = (m: Metrics, name: string) => m.get(name) ?? Number.NaN;
function probes(m: Metrics, protocol: Protocol, result: 'success' | 'failure' | 'timeout'): number {
  return m.get(`vane_health_probes_total{protocol="${protocol}",result="${result}"}`) ?? 0;
}

// ---------------------------------------------------------------- servers

interface Worker {
  child: ChildProcess;
  endpoints: { ip: string; port: number }[];
}

async function startWorkers(protocol: Protocol): Promise<Worker[]> {
  const script = resolve(import.meta.dirname, 'servers.js');
  const per = Math.ceil(N / WORKERS);
  const starts: Promise<Worker>[] = [];
  for (let w = 0; w < WORKERS && w * per < N; w++) {
    const count = Math.min(per, N - w * per);
    const child = fork(script, [protocol, String(w * per), String(count), String(KEEPALIVE_MS)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    starts.push(
      new Promise<Worker>((res, rej) => {
        child.once('exit', (code) => rej(new Error(`server process exited with ${code} before ready`)));
        child.once('message', (msg: { type: string; endpoints: Worker['endpoints'] }) => {
          if (msg.type === 'ready') res({ child, endpoints: msg.endpoints });
        });
      }),
    );
  }
  return Promise.all(starts);
}

function workerStats(w: Worker): Promise<WorkerStats> {
  return new Promise((res) => {
    const on = (msg: { type: string; stats: WorkerStats }) => {
      if (msg.type !== 'stats') return;
      w.child.off('message', on);
      res(msg.stats);
    };
    w.child.on('message', on);
    w.child.send({ type: 'stats' });
  });
}

async function stopWorkers(workers: Worker[]): Promise<void> {
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((res) => {
          if (w.child.exitCode !== null || w.child.signalCode !== null) return res();
          w.child.once('exit', () => res());
          w.child.kill('SIGTERM');
        }),
    ),
  );
}

// ---------------------------------------------------------------- mesh

async function apply(vane: TestServer, resources: unknown[]): Promise<void> {
  const res = await vane.api('POST', `/v1/projects/${PROJECT}/apply`, { resources });
  if (res.status !== 200)
    throw new Error(`apply: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 2000)}`);
}

function healthCheck(protocol: Protocol): Record<string, unknown> {
  const common = {
    kind: 'healthCheck',
    name: 'hc',
    type: protocol,
    checkIntervalSec: INTERVAL_S,
    timeoutSec: INTERVAL_S,
    healthyThreshold: 2,
    unhealthyThreshold: 2,
  };
  const port = { portSpecification: 'USE_SERVING_PORT' };
  if (protocol === 'TCP') return { ...common, tcpHealthCheck: port };
  if (protocol === 'HTTP') return { ...common, httpHealthCheck: { ...port, requestPath: '/healthz' } };
  return { ...common, grpcHealthCheck: port };
}

async function createMesh(
  vane: TestServer,
  protocol: Protocol,
  endpoints: Worker['endpoints'],
): Promise<void> {
  const created = await vane.api('POST', '/v1/projects', { projectId: PROJECT });
  if (created.status !== 200) throw new Error(`create project: ${JSON.stringify(created.body)}`);
  await apply(vane, [healthCheck(protocol)]);
  const negs: string[] = [];
  for (let first = 0; first < endpoints.length; first += PER_NEG) {
    const name = `neg-${negs.length}`;
    negs.push(`zones/${ZONE}/networkEndpointGroups/${name}`);
    await apply(vane, [
      {
        kind: 'networkEndpointGroup',
        name,
        zone: ZONE,
        networkEndpointType: 'GCE_VM_IP_PORT',
        networkEndpoints: endpoints
          .slice(first, first + PER_NEG)
          .map((e) => ({ ipAddress: e.ip, port: e.port })),
      },
    ]);
  }
  // The backend service last: every endpoint becomes a target in one refresh.
  await apply(vane, [
    {
      kind: 'backendService',
      name: 'svc',
      loadBalancingScheme: 'INTERNAL_SELF_MANAGED',
      protocol: protocol === 'GRPC' ? 'GRPC' : 'HTTP',
      healthChecks: ['global/healthChecks/hc'],
      backends: negs.map((group) => ({ group, balancingMode: 'RATE', maxRatePerEndpoint: 100 })),
    },
  ]);
}

// ---------------------------------------------------------------- one phase

interface Phase {
  protocol: Protocol;
  endpoints: number;
  warmupMs: number;
  warmupCpu: number;
  warmupMainCpu: number;
  windowMs: number;
  probesPerS: number;
  failures: number;
  timeouts: number;
  serverProbesPerS: number;
  serverConnectionsPerS: number;
  openConnections: number;
  gaps: { n: number; p50: number; p99: number; max: number; late: number };
  latency: { p50: number; p99: number; max: number; notOk: number; states: Record<string, number> };
  staleMaxMs: number;
  inFlightMax: number;
  lag: { p50: number; p99: number; p99Max: number; max: number; mean: number };
  readyz: { n: number; p50: number; p99: number; max: number };
  cpu: { all: number; main: number; peak: number; msPer1000: number };
  idle: { cpu: number; rss: number; lagP99: number };
  rss: { steady: number; hwm: number };
  serversCpu: number;
  machineCpu: number;
  cores: number;
  /** This process (the bench driver: REST sampling, scrapes, /proc). */
  benchCpu: number;
  timeWait: number;
  healthViewMs: number;
  /** GC time in the window by kind (prom-client's nodejs_gc_duration_seconds), ms. */
  gcMs: Record<string, number>;
  heapUsed: number;
  external: number;
  /** SIGTERM → exit, ms (undefined: killed after STOP_GRACE_MS). */
  stopMs?: number;
}

/** SIGTERM, then SIGKILL after STOP_GRACE_MS; how long the clean shutdown took (undefined: killed). */
async function stopVane(vane: TestServer): Promise<number | undefined> {
  const t = performance.now();
  const exited = new Promise<void>((res) => {
    if (vane.process.exitCode !== null || vane.process.signalCode !== null) res();
    vane.process.once('exit', () => res());
  });
  vane.process.kill('SIGTERM');
  const timer = setTimeout(() => vane.process.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
  const ms = performance.now() - t;
  const code = await vane.stop(); // removes the data directory
  const clean = code === 0;
  log(
    `vane ${clean ? `stopped in ${(ms / 1000).toFixed(1)} s` : `killed after ${(ms / 1000).toFixed(1)} s`}`,
  );
  return clean ? ms : undefined;
}

let stopMs: number | undefined;

async function runPhase(protocol: Protocol): Promise<Phase> {
  log(`${protocol}: starting ${WORKERS} server processes with ${N} listeners`);
  const workers = await startWorkers(protocol);
  let vane: TestServer | undefined;
  try {
    const endpoints = workers.flatMap((w) => w.endpoints);
    vane = await startVane(
      values['vane-node-options'] === undefined ? {} : { env: { NODE_OPTIONS: values['vane-node-options'] } },
    );
    const v = vane;
    const pid = v.process.pid!;
    // Idle baseline: no health check yet.
    await sleep(1000);
    await scrape(v.url); // resets the event-loop delay histogram
    const i0 = procSample(pid);
    await sleep(3000);
    const i1 = procSample(pid);
    const im = await scrape(v.url);
    const idle = {
      cpu: (i1.cpuMs - i0.cpuMs) / (i1.at - i0.at),
      rss: memory(pid).rss,
      lagP99: metric(im, 'vane_process_nodejs_eventloop_lag_p99_seconds') * 1000,
    };

    log(`${protocol}: applying the health check, ${Math.ceil(N / PER_NEG)} NEGs and the backend service`);
    const w0 = procSample(pid);
    await createMesh(v, protocol, endpoints);
    const applied = performance.now();
    let m = await scrape(v.url);
    while (metric(m, 'vane_health_checked_endpoints') < N || metric(m, 'vane_health_transitions_total') < N) {
      if (performance.now() - applied > WARMUP_TIMEOUT_MS) {
        throw new Error(
          `not every endpoint became HEALTHY in ${WARMUP_TIMEOUT_MS} ms: checked ${metric(m, 'vane_health_checked_endpoints')}, ` +
            `transitions ${metric(m, 'vane_health_transitions_total')}, failures ${probes(m, protocol, 'failure')}`,
        );
      }
      await sleep(250);
      m = await scrape(v.url);
    }
    const warmupMs = performance.now() - applied;
    const w1 = procSample(pid);
    log(`${protocol}: all ${N} endpoints HEALTHY ${(warmupMs / 1000).toFixed(1)} s after the apply`);
    await sleep(INTERVAL_S * 1000); // one more interval: past the transitions' logging and pushes

    // ---- steady-state window
    for (const w of workers) w.child.send({ type: 'window', on: true });
    const before = await Promise.all(workers.map(workerStats));
    const m0 = await scrape(v.url); // also resets the event-loop delay histogram
    const s0 = procSample(pid);
    const mach0 = machine();
    const own0 = process.cpuUsage();
    let running = true;
    const readyz: number[] = [];
    let restError: unknown;
    const restLoop = (async () => {
      while (running) {
        const t = performance.now();
        const res = await fetch(`${v.url}/readyz`);
        await res.text();
        if (res.status !== 200) throw new Error(`/readyz: HTTP ${res.status}`);
        readyz.push(performance.now() - t);
        await sleep(100);
      }
    })().catch((err: unknown) => {
      restError = err;
    });
    const lagP50: number[] = [];
    const lagP99: number[] = [];
    const lagMean: number[] = [];
    let lagMax = 0;
    let inFlightMax = 0;
    let peak = 0;
    let rssSteady = 0;
    let prev = s0;
    const end = s0.at + DURATION_MS;
    let nextScrape = s0.at + 5000;
    let last = m0;
    while (performance.now() < end) {
      await sleep(Math.min(1000, end - performance.now()));
      const s = procSample(pid);
      peak = Math.max(peak, (s.cpuMs - prev.cpuMs) / (s.at - prev.at));
      prev = s;
      rssSteady = Math.max(rssSteady, memory(pid).rss);
      if (performance.now() >= nextScrape - 50 || performance.now() >= end) {
        nextScrape += 5000;
        last = await scrape(v.url);
        lagP50.push(metric(last, 'vane_process_nodejs_eventloop_lag_p50_seconds') * 1000);
        lagP99.push(metric(last, 'vane_process_nodejs_eventloop_lag_p99_seconds') * 1000);
        lagMean.push(metric(last, 'vane_process_nodejs_eventloop_lag_mean_seconds') * 1000);
        lagMax = Math.max(lagMax, metric(last, 'vane_process_nodejs_eventloop_lag_max_seconds') * 1000);
        inFlightMax = Math.max(inFlightMax, metric(last, 'vane_health_probes_in_flight'));
      }
    }
    const s1 = procSample(pid);
    const mach1 = machine();
    const own1 = process.cpuUsage(own0);
    const m1 = last;
    running = false;
    await restLoop;
    if (restError !== undefined) throw restError;
    const after = await Promise.all(workers.map(workerStats));
    for (const w of workers) w.child.send({ type: 'window', on: false });
    const tw = timeWait();
    const windowMs = s1.at - s0.at;

    // ---- every endpoint's last probe
    log(`${protocol}: window done; reading every endpoint's health`);
    const hv0 = performance.now();
    const view = await v.api('GET', `/v1/projects/${PROJECT}/backendServices/svc/health`);
    const healthViewMs = performance.now() - hv0;
    if (view.status !== 200) throw new Error(`health view: HTTP ${view.status}`);
    const now = Date.now();
    const eps = view.body.endpoints as {
      state: string;
      lastProbeAt?: string;
      lastResult?: { ok: boolean; latencyMs: number };
    }[];
    const states: Record<string, number> = {};
    const lat: number[] = [];
    let notOk = 0;
    let staleMaxMs = 0;
    for (const e of eps) {
      states[e.state] = (states[e.state] ?? 0) + 1;
      if (e.lastResult !== undefined) {
        lat.push(e.lastResult.latencyMs);
        if (!e.lastResult.ok) notOk++;
      }
      if (e.lastProbeAt !== undefined) staleMaxMs = Math.max(staleMaxMs, now - Date.parse(e.lastProbeAt));
    }
    sortNum(lat);

    const total = (mm: Metrics) => probes(mm, protocol, 'success') + probes(mm, protocol, 'failure');
    const probed = total(m1) - total(m0);
    // the scrape m1 closes the window within a few ms of s1
    const gaps = sortNum(after.flatMap((s) => s.gaps));
    const sum = (xs: WorkerStats[], f: (s: WorkerStats) => number) => xs.reduce((a, s) => a + f(s), 0);
    const serverCpuMs = sum(after, (s) => s.cpuMs) - sum(before, (s) => s.cpuMs);
    const lateLimit = INTERVAL_S * 1000 * 1.1 + 250;
    sortNum(readyz);
    const cpuAll = (s1.cpuMs - s0.cpuMs) / windowMs;
    return {
      protocol,
      endpoints: N,
      warmupMs,
      warmupCpu: (w1.cpuMs - w0.cpuMs) / (w1.at - w0.at),
      warmupMainCpu: (w1.mainCpuMs - w0.mainCpuMs) / (w1.at - w0.at),
      windowMs,
      probesPerS: (probed * 1000) / windowMs,
      failures: probes(m1, protocol, 'failure') - probes(m0, protocol, 'failure'),
      timeouts: probes(m1, protocol, 'timeout') - probes(m0, protocol, 'timeout'),
      serverProbesPerS: (sum(after, (s) => s.probes) * 1000) / windowMs,
      serverConnectionsPerS: (sum(after, (s) => s.connections) * 1000) / windowMs,
      openConnections: sum(after, (s) => s.open),
      gaps: {
        n: gaps.length,
        p50: percentile(gaps, 50),
        p99: percentile(gaps, 99),
        max: gaps.at(-1) ?? Number.NaN,
        late: gaps.filter((g) => g > lateLimit).length,
      },
      latency: {
        p50: percentile(lat, 50),
        p99: percentile(lat, 99),
        max: lat.at(-1) ?? Number.NaN,
        notOk,
        states,
      },
      staleMaxMs,
      inFlightMax,
      lag: {
        p50: avg(lagP50),
        p99: avg(lagP99),
        p99Max: Math.max(...lagP99),
        max: lagMax,
        mean: avg(lagMean),
      },
      readyz: {
        n: readyz.length,
        p50: percentile(readyz, 50),
        p99: percentile(readyz, 99),
        max: readyz.at(-1) ?? Number.NaN,
      },
      cpu: {
        all: cpuAll,
        main: (s1.mainCpuMs - s0.mainCpuMs) / windowMs,
        peak,
        msPer1000: probed > 0 ? ((s1.cpuMs - s0.cpuMs) / probed) * 1000 : Number.NaN,
      },
      idle,
      rss: { steady: rssSteady, hwm: memory(pid).hwm },
      serversCpu: serverCpuMs / windowMs,
      machineCpu: (mach1.busy - mach0.busy) / (mach1.total - mach0.total),
      cores: availableParallelism(),
      benchCpu: (own1.user + own1.system) / 1000 / windowMs,
      timeWait: tw,
      healthViewMs,
      gcMs: gcDelta(m0, m1),
      heapUsed: metric(m1, 'vane_process_nodejs_heap_size_used_bytes'),
      external: metric(m1, 'vane_process_nodejs_external_memory_bytes'),
    };
  } finally {
    if (vane !== undefined) stopMs = await stopVane(vane);
    await stopWorkers(workers);
  }
}

function gcDelta(a: Metrics, b: Metrics): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of b) {
    const kind = /^vane_process_nodejs_gc_duration_seconds_sum\{kind="(\w+)"\}$/.exec(key)?.[1];
    if (kind !== undefined) out[kind] = (value - (a.get(key) ?? 0)) * 1000;
  }
  return out;
}

function avg(xs: number[]): number {
  return xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}

// ---------------------------------------------------------------- report

const f0 = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : 'n/a');
const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');
const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(0)} %` : 'n/a');
const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function table(phases: Phase[]): string {
  const expected = N / INTERVAL_S;
  const rows: [string, (p: Phase) => string][] = [
    ['warm-up: apply → every endpoint HEALTHY', (p) => sec(p.warmupMs)],
    [
      'vane CPU during warm-up (all threads / event loop)',
      (p) => `${pct(p.warmupCpu)} / ${pct(p.warmupMainCpu)}`,
    ],
    [
      `probes/s achieved (vane_health_probes_total), expected ${f0(expected)}`,
      (p) => `${f0(p.probesPerS)} (${pct(p.probesPerS / expected)})`,
    ],
    ['probes/s seen by the servers', (p) => f0(p.serverProbesPerS)],
    ['failed probes in the window (of which timeouts)', (p) => `${p.failures} (${p.timeouts})`],
    [
      'time between two probes of one endpoint, at the server: p50 / p99 / max',
      (p) => `${sec(p.gaps.p50)} / ${sec(p.gaps.p99)} / ${sec(p.gaps.max)}`,
    ],
    [`… gaps longer than interval +10 % +250 ms (late or skipped)`, (p) => `${p.gaps.late} of ${p.gaps.n}`],
    [
      'probe latency, last probe of each endpoint: p50 / p99 / max (whole ms)',
      (p) => `${f0(p.latency.p50)} / ${f0(p.latency.p99)} / ${f0(p.latency.max)} ms`,
    ],
    ['oldest last probe at the end of the window', (p) => sec(p.staleMaxMs)],
    ['vane_health_probes_in_flight, max of the 5 s scrapes (limit 256)', (p) => f0(p.inFlightMax)],
    ['new connections/s at the servers', (p) => f0(p.serverConnectionsPerS)],
    ['connections open at the servers at the end', (p) => f0(p.openConnections)],
    [
      'event-loop delay (10 ms sampling timer included): p50 / p99 (mean of 5 s windows) / worst window p99 / max',
      (p) => `${f1(p.lag.p50)} / ${f1(p.lag.p99)} / ${f1(p.lag.p99Max)} / ${f1(p.lag.max)} ms`,
    ],
    ['… p99 over 3 s idle before the health check', (p) => `${f1(p.idle.lagP99)} ms`],
    [
      'GET /readyz every 100 ms: p50 / p99 / max',
      (p) => `${f2(p.readyz.p50)} / ${f2(p.readyz.p99)} / ${f2(p.readyz.max)} ms`,
    ],
    [
      'vane CPU: all threads / event-loop thread (busiest 1 s)',
      (p) => `${pct(p.cpu.all)} / ${pct(p.cpu.main)} (${pct(p.cpu.peak)})`,
    ],
    ['vane CPU time per 1,000 probes', (p) => `${f0(p.cpu.msPer1000)} ms`],
    ['vane CPU idle before the health check', (p) => pct(p.idle.cpu)],
    [
      'vane RSS: before the health check / steady (max) / high-water mark',
      (p) => `${mib(p.idle.rss)} / ${mib(p.rss.steady)} / ${mib(p.rss.hwm)}`,
    ],
    ['server processes CPU (all of them)', (p) => pct(p.serversCpu)],
    [
      'machine CPU busy, in cores: all / vane + servers + bench driver / other processes',
      (p) => {
        const all = p.machineCpu * p.cores;
        const ours = p.cpu.all + p.serversCpu + p.benchCpu;
        return `${f2(all)} of ${p.cores} / ${f2(ours)} / ${f2(Math.max(0, all - ours))}`;
      },
    ],
    ['TCP sockets in TIME_WAIT (machine) at the end', (p) => f0(p.timeWait)],
    [
      'vane GC time in the window: major / minor / incremental',
      (p) =>
        `${f0(p.gcMs.major ?? 0)} / ${f0(p.gcMs.minor ?? 0)} / ${f0(p.gcMs.incremental ?? 0)} ms (${pct(
          Object.values(p.gcMs).reduce((a, b) => a + b, 0) / p.windowMs,
        )})`,
    ],
    ['vane JS heap used / external at the end', (p) => `${mib(p.heapUsed)} / ${mib(p.external)}`],
    ['GET …/backendServices/svc/health (all endpoints) after the window', (p) => `${f0(p.healthViewMs)} ms`],
    [
      `vane shutdown: SIGTERM → exit (killed after ${STOP_GRACE_MS / 1000} s)`,
      (p) => (p.stopMs === undefined ? `> ${STOP_GRACE_MS / 1000} s (killed)` : sec(p.stopMs)),
    ],
  ];
  const head = `| ${N} endpoints, ${INTERVAL_S} s interval, ${f0(phases[0]?.windowMs ? phases[0].windowMs / 1000 : 0)} s window | ${phases.map((p) => p.protocol).join(' | ')} |`;
  const sep = `|---|${phases.map(() => '---').join('|')}|`;
  return [head, sep, ...rows.map(([name, f]) => `| ${name} | ${phases.map(f).join(' | ')} |`)].join('\n');
}

async function main(): Promise<void> {
  log(
    `${N} endpoints every ${INTERVAL_S} s, protocols ${PROTOCOLS.join(', ')}, ${DURATION_MS / 1000} s window each, ` +
      `${WORKERS} server processes`,
  );
  const phases: Phase[] = [];
  for (const protocol of PROTOCOLS) {
    stopMs = undefined;
    const p = await runPhase(protocol);
    p.stopMs = stopMs;
    phases.push(p);
    log(`${protocol}: ${f0(p.probesPerS)} probes/s, vane CPU ${pct(p.cpu.all)}, lag p99 ${f1(p.lag.p99)} ms`);
  }
  const states = phases.map((p) => `${p.protocol}: ${JSON.stringify(p.latency.states)}`).join('; ');
  process.stdout.write(`\n${table(phases)}\n\nEndpoint states after each window: ${states}\n`);
  if (values.json) writeFileSync(values.json, JSON.stringify(phases, null, 2));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
