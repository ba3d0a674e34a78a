// xDS fan-out: N simulated proxyless gRPC clients speak SotW ADS over real HTTP/2 to a real
// `vane serve` in another process. Measures the cold start, the connect storm (time to initial
// config), endpoint and route changes, memory per proxy and CPU at rest. Prints Markdown tables.
// Usage: npm run bench:xds [-- --proxies 1000 --services 1000 --endpoints 10
//        --services-per-proxy 10|all --connections N --url-maps S --debounce-ms 100
//        --timeout-s 120 --cpu-prof DIR]
// --connections: HTTP/2 connections the streams are spread over (default one per proxy);
// --url-maps: how many URL maps hold the services' host rules (default one per service);
// --cpu-prof DIR: a .cpuprofile of the server per phase (summarise with profile-summary.js).
// Exits non-zero on protocol errors (dropped streams, missing or misdirected pushes), never on timing.
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { startVane, type TestServer } from '../../test/helpers/server.js';
import { Mesh, ZONE } from './mesh.js';
import { cpuShare, type ProcSample, ProcWatch } from './procstat.js';
import { type Received, SimProxy } from './proxy.js';
import { EDS, encodeNode, matchVirtualHost, RDS, type TypeUrl } from './wire.js';

const { values } = parseArgs({
  options: {
    proxies: { type: 'string', default: '1000' },
    services: { type: 'string', default: '1000' },
    endpoints: { type: 'string', default: '10' },
    'services-per-proxy': { type: 'string', default: '10' },
    connections: { type: 'string' },
    'url-maps': { type: 'string' },
    'debounce-ms': { type: 'string' },
    'timeout-s': { type: 'string', default: '120' },
    'cpu-prof': { type: 'string' },
  },
});
const N = Number(values.proxies);
const S = Number(values.services);
const E = Number(values.endpoints);
const wildcard = values['services-per-proxy'] === 'all';
const K = wildcard ? S : Math.min(S, Number(values['services-per-proxy']));
const C = Math.max(1, Math.min(N, Number(values.connections ?? N)));
const timeoutMs = Number(values['timeout-s']) * 1000;
const mesh = new Mesh(S, E, Math.max(1, Math.min(S, Number(values['url-maps'] ?? S))));
const serviceName = (i: number) => `svc-${i}`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ms = (x: number) => (x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : `${x.toFixed(0)} ms`);
const mib = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MiB`;
const perProxyKiB = (bytes: number) => `${(bytes / N / 1024).toFixed(1)} KiB`;
const pct = (share: number) => `${(share * 100).toFixed(0)} %`;
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
const log = (msg: string) =>
  process.stderr.write(`[bench:xds ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

/** Services proxy p dials: the shared `svc-0` (every proxy) plus K-1 others spread evenly. */
function servicesOf(p: number): number[] {
  const out = [0];
  if (S > 1) for (let j = 0; j < K - 1; j++) out.push(((p * (K - 1) + j) % (S - 1)) + 1);
  return out;
}

async function until(cond: () => boolean, limitMs: number): Promise<boolean> {
  const deadline = performance.now() + limitMs;
  while (!cond()) {
    if (performance.now() > deadline) return false;
    await sleep(5);
  }
  return true;
}

const errors: string[] = [];
const rows: string[][] = [];

function channel(i: number): grpc.Client {
  return new grpc.Client(`${vane.xdsAddress}`, grpc.credentials.createInsecure(), {
    // Each client gets its own subchannel, hence its own HTTP/2 connection.
    'grpc.use_local_subchannel_pool': 1,
    'grpc.max_receive_message_length': -1,
    'grpc.primary_user_agent': `bench-xds-${i}`,
  });
}

async function connect(clients: grpc.Client[]): Promise<void> {
  await Promise.all(
    clients.map(
      (c) =>
        new Promise<void>((res, rej) =>
          c.waitForReady(Date.now() + 30_000, (err) => (err ? rej(err) : res())),
        ),
    ),
  );
}

// ---------------------------------------------------------------------------------------------

const profDir = values['cpu-prof'] === undefined ? undefined : resolve(values['cpu-prof']);
if (profDir !== undefined) mkdirSync(profDir, { recursive: true });
const debounceArgs = values['debounce-ms'] === undefined ? [] : ['--debounce-ms', values['debounce-ms']];
const hookDir = mkdtempSync(join(tmpdir(), 'bench-xds-'));
const hookFile = join(hookDir, 'hook.json');
const nodeOptions = [
  '--expose-gc',
  `--import=${pathToFileURL(resolve(import.meta.dirname, 'gc-hook.js')).href}`,
];
const vane: TestServer = await startVane({
  args: debounceArgs,
  env: { NODE_OPTIONS: nodeOptions.join(' '), VANE_BENCH_HOOK_FILE: hookFile },
});
const proc = new ProcWatch(vane.process.pid!, hookFile);
/** Profiles the server during `phase` when --cpu-prof is given. */
async function profiled<T>(phase: string, run: () => Promise<T>): Promise<T> {
  if (profDir === undefined) return run();
  await proc.command('profile-start');
  try {
    return await run();
  } finally {
    const out = join(profDir, `vane-${phase}.cpuprofile`);
    await proc.command('profile-stop', out);
    log(`server CPU profile of ${phase}: ${out}`);
  }
}
const proxies: SimProxy[] = [];
const clients: grpc.Client[] = [];
let probe: SimProxy | undefined;
let probeClient: grpc.Client | undefined;

try {
  log(`creating ${S} services × ${E} endpoints`);
  const meshStart = performance.now();
  const projectNumber = await mesh.create(vane);
  const meshMs = performance.now() - meshStart;
  log(`mesh created in ${ms(meshMs)}`);
  const memIdle = await proc.liveMemory();

  // Cold start: the first stream loads the project and translates the (shared) view.
  probeClient = channel(-1);
  await connect([probeClient]);
  const coldAt = performance.now();
  probe = new SimProxy(
    -1,
    probeClient,
    encodeNode(projectNumber, randomUUID(), ZONE),
    [mesh.authority(0)],
    () => {},
  );
  const probeOk = await profiled('cold-start', async () => {
    probe!.start();
    return until(() => probe!.configuredAt !== undefined, timeoutMs);
  });
  if (!probeOk) errors.push('probe never got its configuration');
  const coldMs = (probe.configuredAt ?? Number.NaN) - coldAt;
  log(`probe configured in ${ms(coldMs)} (project load + translation)`);
  await sleep(1000);
  const memBase = await proc.liveMemory();

  // Connections first (HTTP/2 handshakes), then every stream at once.
  for (let i = 0; i < C; i++) clients.push(channel(i));
  await connect(clients);
  await sleep(500);
  const memConnected = await proc.liveMemory();

  const configured: number[] = [];
  const nodes = Array.from({ length: N }, () => encodeNode(projectNumber, randomUUID(), ZONE));
  for (let p = 0; p < N; p++) {
    const dials = wildcard ? undefined : servicesOf(p).map((i) => mesh.authority(i));
    proxies.push(new SimProxy(p, clients[p % C]!, nodes[p]!, dials, (x) => configured.push(x.configuredAt!)));
  }
  let stormWatch: ReturnType<ProcWatch['watch']> | undefined;
  let genCpu0: NodeJS.CpuUsage | undefined;
  let s0: ProcSample | undefined;
  let t0 = 0;
  let stormMs = 0;
  const allConfigured = await profiled('storm', async () => {
    stormWatch = proc.watch();
    genCpu0 = process.cpuUsage();
    s0 = proc.sample();
    t0 = performance.now();
    for (const p of proxies) p.start();
    const done = await until(
      () => configured.length === N || proxies.some((p) => p.errors.length > 0),
      timeoutMs,
    );
    stormMs = performance.now() - t0;
    return done;
  });
  const s1 = proc.sample();
  const genCpu = process.cpuUsage(genCpu0);
  const stormPeak = stormWatch!.stop();
  if (!allConfigured)
    errors.push(`${N - configured.length} of ${N} proxies not configured within ${timeoutMs} ms`);
  const perProxy = proxies.map((p) => (p.configuredAt ?? Number.NaN) - t0).sort((a, b) => a - b);
  const sinceOwnStart = proxies
    .map((p) => (p.configuredAt ?? Number.NaN) - p.startedAt)
    .sort((a, b) => a - b);
  const stormShare = cpuShare(s0!, s1);
  const bytesStorm = proxies.reduce((n, p) => n + p.bytesReceived, 0);
  log(`storm: ${configured.length}/${N} configured in ${ms(stormMs)}`);

  // Memory with every proxy connected, then CPU at rest.
  await sleep(2000);
  const memLoaded = await proc.liveMemory();
  const hwm = proc.memory().hwm;
  const rest0 = proc.sample();
  await sleep(5000);
  const rest = cpuShare(rest0, proc.sample());

  // --- changes -------------------------------------------------------------------------------
  interface ChangeResult {
    name: string;
    affected: number;
    latencies: number[];
    restMs: number;
    strays: number;
    /** Responses to affected proxies beyond the one carrying the change. */
    extra: number;
    bytes: number;
    cpu: { all: number; main: number };
  }
  const changes: ChangeResult[] = [];
  let seq = 0;
  const cold = 1 + Math.floor((S - 1) / 2);
  const coldService = S > 1 ? cold : 0;

  async function change(
    phase: string,
    name: string,
    typeUrl: TypeUrl,
    resource: string,
    apply: () => Promise<void>,
    check: (r: Received) => string | undefined,
  ): Promise<void> {
    const affected = new Set(proxies.filter((p) => p.subscribedTo(typeUrl, resource)));
    for (const p of proxies) p.mark();
    await sleep(50);
    /** The first response that carries the change. */
    const got = (p: SimProxy) =>
      p.log.find((r) => r.typeUrl === typeUrl && r.names.includes(resource) && check(r) === undefined);
    let restMs = 0;
    let t = 0;
    let c0: ProcSample | undefined;
    const ok = await profiled(phase, async () => {
      c0 = proc.sample();
      t = performance.now();
      await apply();
      restMs = performance.now() - t;
      return until(() => [...affected].every((p) => got(p) !== undefined), 30_000);
    });
    const c1 = proc.sample();
    // Anything else that arrives within the debounce window plus a margin is a stray push.
    await sleep(Number(values['debounce-ms'] ?? 100) + 1000);
    if (!ok) errors.push(`${name}: not every affected proxy received the change within 30 s`);
    const latencies: number[] = [];
    let strays = 0;
    let extra = 0;
    let bytes = 0;
    for (const p of proxies) {
      bytes += p.log.reduce((n, r) => n + r.bytes, 0);
      if (!affected.has(p)) {
        strays += p.log.length;
        continue;
      }
      const r = got(p);
      if (r === undefined) {
        const last = p.log.filter((x) => x.typeUrl === typeUrl).at(-1);
        errors.push(`${name}: proxy ${p.index} never got the change${last ? ` (last: ${check(last)})` : ''}`);
        continue;
      }
      latencies.push(r.ackedAt - t);
      extra += p.log.length - 1;
    }
    if (strays > 0) errors.push(`${name}: ${strays} responses to proxies that do not use ${resource}`);
    latencies.sort((a, b) => a - b);
    changes.push({
      name,
      affected: affected.size,
      latencies,
      restMs,
      strays,
      extra,
      bytes,
      cpu: cpuShare(c0!, c1),
    });
    log(`${name}: ${affected.size} affected, max ${ms(latencies.at(-1) ?? Number.NaN)}`);
  }

  for (const [label, i] of [
    [`svc-${coldService} (few proxies)`, coldService],
    ['svc-0 (every proxy)', 0],
  ] as const) {
    seq += 1;
    const n = seq;
    await change(
      `eds-${i === 0 ? 'all' : 'few'}`,
      `endpoint attached to ${label}`,
      EDS,
      serviceName(i),
      () => mesh.attachEndpoint(vane, i, n),
      (r) => {
        const count = r.endpointCounts.get(serviceName(i));
        return count === E + 1 ? undefined : `EDS has ${count} endpoints, expected ${E + 1}`;
      },
    );
  }
  for (const [label, i] of [
    [`map-${mesh.mapOf(coldService)}, svc-${coldService}'s path matcher`, coldService],
    [`map-0, svc-0's path matcher`, 0],
  ] as const) {
    seq += 1;
    const n = seq;
    await change(
      `rds-${i === 0 ? 'all' : 'few'}`,
      `URL map ${label} patched`,
      RDS,
      mesh.routeConfig(projectNumber, i),
      () => mesh.patchRoute(vane, i, n),
      (r) => {
        const vhosts = r.vhosts.get(mesh.routeConfig(projectNumber, i)) ?? [];
        const routes = matchVirtualHost(vhosts, mesh.authority(i))?.routes;
        return routes === 2 ? undefined : `virtual host of svc-${i} has ${routes} routes, expected 2`;
      },
    );
  }

  for (const p of [probe, ...proxies]) for (const e of p.errors) errors.push(`proxy ${p.index}: ${e}`);
  const holdings = proxies[0]!.holdings();

  // --- report --------------------------------------------------------------------------------
  const genShare = (genCpu.user + genCpu.system) / 1000 / stormMs;
  console.log(
    `\n${N} proxies (SotW ADS, ${C} HTTP/2 connections × ${Math.ceil(N / C)} streams), ${S} services × ${E} endpoints, ` +
      `${wildcard ? 'every service (LDS/CDS wildcard)' : `${K} services per proxy (svc-0 shared by all)`}; ` +
      `proxy 0 holds ${JSON.stringify(holdings)}\n`,
  );
  console.log('| measurement | p50 | p90 | p99 | max | notes |');
  console.log('|---|---|---|---|---|---|');
  console.log(
    `| cold start: first stream, LDS→RDS→CDS→EDS ACKed | | | | ${ms(coldMs)} | project load + translation of ${S} services |`,
  );
  console.log(
    `| connect storm: time to initial config (from storm start) | ${ms(percentile(perProxy, 50))} | ${ms(percentile(perProxy, 90))} | ${ms(percentile(perProxy, 99))} | ${ms(percentile(perProxy, 100))} | all ${N} configured in ${ms(stormMs)}; ${mib(bytesStorm)} received |`,
  );
  console.log(
    `| connect storm: per proxy (from its own stream start) | ${ms(percentile(sinceOwnStart, 50))} | ${ms(percentile(sinceOwnStart, 90))} | ${ms(percentile(sinceOwnStart, 99))} | ${ms(percentile(sinceOwnStart, 100))} | |`,
  );
  for (const c of changes) {
    const l = c.latencies;
    console.log(
      `| ${c.name}: ${c.affected} ${c.affected === 1 ? 'proxy' : 'proxies'} ACKed | ${ms(percentile(l, 50))} | ${ms(percentile(l, 90))} | ${ms(percentile(l, 99))} | ${ms(percentile(l, 100))} | REST call ${ms(c.restMs)}; ${c.affected === N ? 'every proxy uses it' : `the ${N - c.affected} others received ${c.strays === 0 ? 'nothing' : `${c.strays} responses`}`}${c.extra > 0 ? `; ${c.extra} extra responses to affected proxies` : ''}; ${(c.bytes / 1024).toFixed(0)} KiB pushed; server CPU ${pct(c.cpu.all)} |`,
    );
  }
  console.log('\n| resource | value |');
  console.log('|---|---|');
  rows.push(
    ['apply of the mesh (REST, batches of 100 services)', ms(meshMs)],
    [
      'server RSS after a full GC: mesh loaded, no stream / one view translated (probe) / + connections / + all streams',
      `${mib(memIdle.rss)} / ${mib(memBase.rss)} / ${mib(memConnected.rss)} / ${mib(memLoaded.rss)}`,
    ],
    [
      'server JS heap + external after a full GC: no stream / probe / + connections / + all streams',
      [memIdle, memBase, memConnected, memLoaded].map((m) => mib(m.heapUsed + m.external)).join(' / '),
    ],
    [
      'server memory per proxy: (RSS with N proxies − RSS before connecting) / N',
      `${perProxyKiB(memLoaded.rss - memBase.rss)} (connections ${perProxyKiB(memConnected.rss - memBase.rss)} + streams ${perProxyKiB(memLoaded.rss - memConnected.rss)})`,
    ],
    [
      'server memory per proxy: live heap + external, same difference',
      perProxyKiB(memLoaded.heapUsed + memLoaded.external - memBase.heapUsed - memBase.external),
    ],
    ['server RSS high-water mark', mib(hwm)],
    [
      'server CPU during the storm (avg; busiest 250 ms)',
      `${pct(stormShare.all)} (event loop thread ${pct(stormShare.main)}, other threads: GC and compiler helpers, libuv ${pct(stormShare.all - stormShare.main)}); peak ${pct(stormPeak.peak)} (event loop ${pct(stormPeak.mainPeak)})`,
    ],
    [
      'CPU time per proxy configured (storm CPU time / N)',
      `server ${((stormShare.all * stormMs) / N).toFixed(2)} ms, load generator ${((genShare * stormMs) / N).toFixed(2)} ms`,
    ],
    ['load generator CPU during the storm', pct(genShare)],
    ['server CPU at rest over 5 s', `${pct(rest.all)} (event loop thread ${pct(rest.main)})`],
  );
  for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);
} catch (err) {
  errors.push(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
} finally {
  for (const p of proxies) p.stop();
  probe?.stop();
  for (const c of clients) c.close();
  probeClient?.close();
  await vane.stop();
  rmSync(hookDir, { recursive: true, force: true });
}

if (errors.length > 0) {
  console.error(`\n${errors.length} error(s):`);
  for (const e of errors.slice(0, 30)) console.error(`- ${e}`);
  process.exitCode = 1;
}
