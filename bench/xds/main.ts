// xDS fan-out: N simulated proxies (proxyless gRPC or Envoy sidecars; SotW or delta ADS) in W
// generator processes speak real ADS over real HTTP/2 to a real `vane serve` in another process.
// Measures the cold start, the connect storm, endpoint flaps and route changes, memory per proxy
// and CPU at rest; then (--floor) replays the exact bytes Vane sent from a minimal grpc-js server
// to the same streams of the same generator: the physical floor. Prints Markdown, writes --json.
// Usage: npm run bench:xds [-- --proxies 1000 --services 1000 --endpoints 10
//        --services-per-proxy 10|all --connections N --workers W --protocol sotw|delta
//        --view proxyless|envoy --floor --url-maps S --debounce-ms 100 --vane-args "…"
//        --reconnect --timeout-s 120 --cpu-prof DIR --json FILE]
// Exits non-zero on protocol errors (dropped streams, missing or misdirected pushes), never on timing.
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { startVane, type TestServer } from '../../test/helpers/server.js';
import { Fleet } from './fleet.js';
import type { ChangeReport, Check } from './fleet-worker.js';
import { startFloor } from './floor.js';
import { Mesh, ZONE } from './mesh.js';
import { cpuShare, type ProcSample, ProcWatch } from './procstat.js';
import { now, type Protocol, SimProxy } from './proxy.js';
import { type Dist, dist, log, mib, ms, pct } from './report.js';
import { EDS, encodeNode, type ProxyKind, RDS, type TypeUrl } from './wire.js';

const { values } = parseArgs({
  options: {
    proxies: { type: 'string', default: '1000' },
    services: { type: 'string', default: '1000' },
    endpoints: { type: 'string', default: '10' },
    'services-per-proxy': { type: 'string', default: '10' },
    connections: { type: 'string' },
    workers: { type: 'string', default: '2' },
    protocol: { type: 'string', default: 'sotw' },
    view: { type: 'string', default: 'proxyless' },
    floor: { type: 'boolean', default: false },
    'url-maps': { type: 'string' },
    'debounce-ms': { type: 'string' },
    'vane-args': { type: 'string', default: '' },
    reconnect: { type: 'boolean', default: false },
    'timeout-s': { type: 'string', default: '120' },
    'cpu-prof': { type: 'string' },
    json: { type: 'string' },
  },
});
const N = Number(values.proxies);
const S = Number(values.services);
const E = Number(values.endpoints);
const protocol = values.protocol as Protocol;
const kind = values.view as ProxyKind;
const wildcard = kind === 'envoy' || values['services-per-proxy'] === 'all';
const K = wildcard ? S : Math.min(S, Number(values['services-per-proxy']));
const C = Math.max(1, Math.min(N, Number(values.connections ?? N)));
const W = Math.max(1, Math.min(C, Number(values.workers)));
const timeoutMs = Number(values['timeout-s']) * 1000;
const debounceMs = Number(values['debounce-ms'] ?? 100);
const mesh = new Mesh(
  S,
  E,
  Math.max(1, Math.min(S, Number(values['url-maps'] ?? S))),
  kind === 'envoy' ? 'http' : 'grpc',
);
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));

/** Services proxy p dials: the shared `svc-0` (every proxy) plus K-1 others spread evenly. */
function servicesOf(p: number): number[] {
  const out = [0];
  if (S > 1) for (let j = 0; j < K - 1; j++) out.push(((p * (K - 1) + j) % (S - 1)) + 1);
  return out;
}

async function until(cond: () => boolean | Promise<boolean>, limitMs: number, every = 20): Promise<boolean> {
  const deadline = performance.now() + limitMs;
  while (!(await cond())) {
    if (performance.now() > deadline) return false;
    await sleep(every);
  }
  return true;
}
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

const errors: string[] = [];
const profDir = values['cpu-prof'] === undefined ? undefined : resolve(values['cpu-prof']);
if (profDir !== undefined) mkdirSync(profDir, { recursive: true });
const work = mkdtempSync(join(tmpdir(), 'bench-xds-'));
const hookFile = join(work, 'hook.json');

interface Storm {
  all: number;
  perProxy: Dist;
  sinceOwnStart: Dist;
  bytes: number;
  restarts: number;
  restartReasons: Record<string, number>;
  serverCpu: { all: number; main: number; peak: number; mainPeak: number };
  serverCpuMsPerProxy: number;
  generatorCpu: number;
  generatorCpuMsPerProxy: number;
  holdings: unknown;
}
interface Change {
  phase: string;
  name: string;
  affected: number;
  latency: Dist;
  restMs: number;
  strays: number;
  extra: number;
  bytes: number;
  serverCpu: number;
  /** Server CPU time (all threads) from the REST call to the last ACK. */
  serverCpuMs: number;
  /** Vane's own account of the change: translating the new snapshots, then publishing them. */
  rebuildMs?: number;
  publishMs?: number;
}
/** What runs the storm and the changes: Vane, or the floor server replaying Vane's bytes. */
interface Target {
  address: string;
  pid: number;
  /** Makes the change happen (Vane: a REST call; floor: push the recorded bytes). */
  apply(phase: string): Promise<void>;
  /** Vane: milliseconds spent rebuilding and publishing snapshots so far (its /metrics). */
  rebuildTotals?(): Promise<{ rebuildMs: number; publishMs: number }>;
}

const uuids = Array.from({ length: N }, () => randomUUID());
let projectNumber = '';
const changeSpecs: {
  phase: string;
  name: string;
  service: number;
  typeUrl: TypeUrl;
  check: (names: { eds: string; rds: string }) => Check;
  vane: () => Promise<void>;
}[] = [];

/** The connect storm and the changes against one target; `fleet` already connected. */
async function drive(
  target: Target,
  fleet: Fleet,
  record: boolean,
  profile: (phase: string, run: () => Promise<void>) => Promise<void>,
): Promise<{ storm: Storm; changes: Change[] }> {
  const proc = new ProcWatch(target.pid);
  const watch = proc.watch();
  const s0 = proc.sample();
  const g0 = await fleet.cpuMs();
  let t0 = 0;
  let stormMs = 0;
  await profile('storm', async () => {
    t0 = Math.min(...(await fleet.all<number>('start')));
    const ok = await until(
      async () => {
        const p = await fleet.all<{ configured: number; errors: number }>('progress');
        return (
          sum(p.map((x) => x.configured)) === N || (!values.reconnect && sum(p.map((x) => x.errors)) > 0)
        );
      },
      timeoutMs,
      50,
    );
    stormMs = now() - t0;
    if (!ok) errors.push(`storm: not every proxy configured within ${timeoutMs} ms`);
  });
  const s1 = proc.sample();
  const genMs = (await fleet.cpuMs()) - g0;
  const peak = watch.stop();
  type R = {
    configuredAt: number[];
    startedAt: number[];
    bytes: number;
    restarts: number;
    reasons: Record<string, number>;
    holdings: unknown;
  };
  const reports = await fleet.all<R>('storm');
  const configured = reports.flatMap((r) => r.configuredAt);
  const started = reports.flatMap((r) => r.startedAt);
  const share = cpuShare(s0, s1);
  const restartReasons: Record<string, number> = {};
  for (const r of reports)
    for (const [k, v] of Object.entries(r.reasons)) restartReasons[k] = (restartReasons[k] ?? 0) + v;
  const storm: Storm = {
    all: stormMs,
    perProxy: dist(configured.map((c) => c - t0)),
    sinceOwnStart: dist(configured.map((c, i) => c - started[i]!)),
    bytes: sum(reports.map((r) => r.bytes)),
    restarts: sum(reports.map((r) => r.restarts)),
    restartReasons,
    serverCpu: { ...share, peak: peak.peak, mainPeak: peak.mainPeak },
    serverCpuMsPerProxy: (share.all * stormMs) / N,
    generatorCpu: genMs / stormMs,
    generatorCpuMsPerProxy: genMs / N,
    holdings: reports[0]?.holdings,
  };
  log(`storm: ${configured.filter((c) => !Number.isNaN(c)).length}/${N} configured in ${ms(stormMs)}`);
  await sleep(1000);

  const changes: Change[] = [];
  for (const spec of changeSpecs) {
    const host = kind === 'envoy' ? `svc-${spec.service}.bench` : mesh.authority(spec.service);
    const names = (
      await fleet.all<{ eds: string; rds: string } | undefined>('names', {
        service: `svc-${spec.service}`,
        host,
      })
    ).find(Boolean);
    if (names === undefined) {
      errors.push(`${spec.name}: no proxy holds svc-${spec.service}'s resources`);
      continue;
    }
    const resource = spec.typeUrl === EDS ? names.eds : names.rds;
    if (record) await fleet.all('phase', spec.phase);
    const affected = sum(
      await fleet.all<number>('watch', { typeUrl: spec.typeUrl, resource, check: spec.check(names) }),
    );
    await sleep(50);
    const b0 = await target.rebuildTotals?.();
    const c0 = proc.sample();
    let t = 0;
    let restMs = 0;
    await profile(spec.phase, async () => {
      t = now();
      await target.apply(spec.phase);
      restMs = now() - t;
      const ok = await until(async () => sum(await fleet.all<number>('changeProgress')) === affected, 30_000);
      if (!ok) errors.push(`${spec.name}: not every affected proxy received it within 30 s`);
    });
    const c1 = proc.sample();
    await sleep(debounceMs + 1000);
    const b1 = await target.rebuildTotals?.();
    const r = await fleet.all<ChangeReport>('collect', t);
    for (const x of r) errors.push(...x.errors.slice(0, 5).map((e) => `${spec.name}: ${e}`));
    const strays = sum(r.map((x) => x.strays));
    if (strays > 0) errors.push(`${spec.name}: ${strays} responses to proxies that do not use ${resource}`);
    const latencies = r.flatMap((x) => x.latencies);
    changes.push({
      phase: spec.phase,
      name: spec.name,
      affected,
      latency: dist(latencies),
      restMs,
      strays,
      extra: sum(r.map((x) => x.extra)),
      bytes: sum(r.map((x) => x.bytes)),
      serverCpu: cpuShare(c0, c1).all,
      serverCpuMs: c1.cpuMs - c0.cpuMs,
      ...(b0 && b1 ? { rebuildMs: b1.rebuildMs - b0.rebuildMs, publishMs: b1.publishMs - b0.publishMs } : {}),
    });
    log(`${spec.name}: ${affected} affected, p99 ${ms(dist(latencies).p99)}`);
  }
  if (record) await fleet.all('phase', 'after');
  return { storm, changes };
}

// ---------------------------------------------------------------------------------------------
const nodeOptions = [
  '--expose-gc',
  `--import=${pathToFileURL(resolve(import.meta.dirname, 'gc-hook.js')).href}`,
];
const vaneArgs = [
  ...(values['debounce-ms'] === undefined ? [] : ['--debounce-ms', values['debounce-ms']]),
  ...values['vane-args'].split(' ').filter(Boolean),
];
const result: Record<string, unknown> = {
  config: {
    proxies: N,
    services: S,
    endpoints: E,
    servicesPerProxy: wildcard ? 'all' : K,
    connections: C,
    workers: W,
    protocol,
    view: kind,
    vaneArgs,
    debounceMs,
  },
  loadavgBefore: loadavg(),
};
let vane: TestServer | undefined;
let fleet: Fleet | undefined;
let probeClient: grpc.Client | undefined;
let probe: SimProxy | undefined;
const dumps = Array.from({ length: W }, (_, k) => join(work, `rec-${k}`));
try {
  vane = await startVane({
    args: vaneArgs,
    env: { NODE_OPTIONS: nodeOptions.join(' '), VANE_BENCH_HOOK_FILE: hookFile },
  });
  const server = vane;
  const proc = new ProcWatch(server.process.pid!, hookFile);
  const profile = async (phase: string, run: () => Promise<void>) => {
    if (profDir === undefined) return run();
    await proc.command('profile-start');
    try {
      await run();
    } finally {
      await proc.command('profile-stop', join(profDir, `vane-${protocol}-${kind}-${phase}.cpuprofile`));
    }
  };
  log(`creating ${S} services × ${E} endpoints`);
  let t = now();
  projectNumber = await mesh.create(server);
  const meshMs = now() - t;
  const memIdle = await proc.liveMemory();

  // Cold start: one stream loads the project and translates the (shared) view.
  probeClient = new grpc.Client(server.xdsAddress, grpc.credentials.createInsecure(), {
    'grpc.use_local_subchannel_pool': 1,
  });
  t = now();
  let probeDone = 0;
  probe = new SimProxy(
    -1,
    probeClient,
    encodeNode(projectNumber, randomUUID(), ZONE, kind),
    wildcard ? undefined : [mesh.authority(0)],
    (p) => (probeDone = p.configuredAt!),
    { protocol, reconnect: false, record: false },
  );
  probe.start();
  if (!(await until(() => probeDone > 0, timeoutMs)))
    errors.push(
      `probe never got its configuration: holds ${JSON.stringify(probe.holdings())}; ${probe.errors.join('; ')}`,
    );
  const coldMs = probeDone - t;
  log(`cold start ${ms(coldMs)}`);
  await sleep(1000);
  const memBase = await proc.liveMemory();

  const cold = S > 1 ? 1 + Math.floor((S - 1) / 2) : 0;
  for (const [tag, i] of [
    ['few', cold],
    ['all', 0],
  ] as const) {
    changeSpecs.push(
      {
        phase: `eds-down-${tag}`,
        name: `endpoint of svc-${i} down (detached)`,
        service: i,
        typeUrl: EDS,
        check: (n) => ({ kind: 'eds', name: n.eds, endpoints: E - 1 }),
        vane: () => mesh.flapEndpoint(server, i, 0, false),
      },
      {
        phase: `eds-up-${tag}`,
        name: `endpoint of svc-${i} back (re-attached)`,
        service: i,
        typeUrl: EDS,
        check: (n) => ({ kind: 'eds', name: n.eds, endpoints: E }),
        vane: () => mesh.flapEndpoint(server, i, 0, true),
      },
    );
  }
  let seq = 0;
  for (const [tag, i] of [
    ['few', cold],
    ['all', 0],
  ] as const) {
    const host = kind === 'envoy' ? `svc-${i}.bench` : mesh.authority(i);
    changeSpecs.push({
      phase: `rds-${tag}`,
      name: `route rule added to svc-${i}'s path matcher`,
      service: i,
      typeUrl: RDS,
      check: (n) => ({ kind: 'rds', name: n.rds, authority: host, routes: 2 }),
      vane: () => mesh.patchRoute(server, i, ++seq),
    });
  }

  const proxies = uuids.map((uuid, index) => ({
    index,
    uuid,
    authorities: wildcard ? undefined : servicesOf(index).map((i) => mesh.authority(i)),
  }));
  const base = { projectNumber, zone: ZONE, protocol, kind, reconnect: values.reconnect };
  fleet = new Fleet(W);
  await fleet.init({ ...base, address: server.xdsAddress, record: values.floor }, C, proxies);
  await sleep(500);
  const memConnected = await proc.liveMemory();
  const vaneRun = await drive(
    {
      address: server.xdsAddress,
      pid: server.process.pid!,
      apply: (phase) => changeSpecs.find((c) => c.phase === phase)!.vane(),
      rebuildTotals: async () => {
        const text = await fetch(`${server.url}/metrics`).then((r) => r.text());
        const total = (metric: string) =>
          [...text.matchAll(new RegExp(`^${metric}_sum\\{[^}]*\\} (\\S+)$`, 'gm'))].reduce(
            (sum, m) => sum + Number(m[1]) * 1000,
            0,
          );
        return { rebuildMs: total('vane_xds_rebuild_seconds'), publishMs: total('vane_xds_publish_seconds') };
      },
    },
    fleet,
    values.floor,
    profile,
  );
  await sleep(1000);
  const memLoaded = await proc.liveMemory();
  const hwm = proc.memory().hwm;
  const r0: ProcSample = proc.sample();
  await sleep(5000);
  const rest = cpuShare(r0, proc.sample());
  for (const e of (await fleet.all<string[]>('errors')).flat().slice(0, 20)) errors.push(`vane: ${e}`);
  for (const e of probe.errors) errors.push(`probe: ${e}`);
  if (values.floor)
    await fleet.each(
      'dump',
      dumps.map((file) => ({ file, nodePrefix: `projects/${projectNumber}/networks/default/nodes/` })),
    );
  result.vane = {
    meshApplyMs: meshMs,
    coldStartMs: coldMs,
    ...vaneRun,
    memory: {
      idle: memIdle,
      probe: memBase,
      connected: memConnected,
      loaded: memLoaded,
      hwm,
      perProxyRss: (memLoaded.rss - memBase.rss) / N,
      perProxyHeap: (memLoaded.heapUsed + memLoaded.external - memBase.heapUsed - memBase.external) / N,
    },
    restCpu: rest,
  };
} catch (err) {
  errors.push(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
}
probe?.stop();
probeClient?.close();
await fleet?.stop();
await vane?.stop();

if (values.floor && errors.length === 0) {
  // The floor: the same streams from a fresh generator, the same bytes from a server that only writes them.
  const floor = await startFloor(dumps);
  const f = new Fleet(W);
  try {
    const proxies = uuids.map((uuid, index) => ({
      index,
      uuid,
      authorities: wildcard ? undefined : servicesOf(index).map((i) => mesh.authority(i)),
    }));
    await f.init(
      { projectNumber, zone: ZONE, protocol, kind, reconnect: false, address: floor.address, record: false },
      C,
      proxies,
    );
    await sleep(500);
    result.floor = await drive(
      { address: floor.address, pid: floor.pid, apply: (phase) => floor.push(phase) },
      f,
      false,
      (_p, run) => run(),
    );
    for (const e of (await f.all<string[]>('errors')).flat().slice(0, 20)) errors.push(`floor: ${e}`);
  } catch (err) {
    errors.push(`floor failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  } finally {
    await f.stop();
    floor.stop();
  }
}
rmSync(work, { recursive: true, force: true });
result.loadavgAfter = loadavg();
result.errors = errors;
printReport(result);
if (values.json !== undefined) writeFileSync(values.json, `${JSON.stringify(result, null, 1)}\n`);
if (errors.length > 0) {
  console.error(`\n${errors.length} error(s):`);
  for (const e of errors.slice(0, 30)) console.error(`- ${e}`);
  process.exitCode = 1;
}

function printReport(r: Record<string, unknown>): void {
  const v = r.vane as
    | {
        coldStartMs: number;
        storm: Storm;
        changes: Change[];
        memory: Record<string, { rss: number } | number>;
        restCpu: { all: number };
      }
    | undefined;
  const f = r.floor as { storm: Storm; changes: Change[] } | undefined;
  if (v === undefined) return;
  const row = (d: Dist) => `${ms(d.p50)} | ${ms(d.p90)} | ${ms(d.p99)} | ${ms(d.max)}`;
  console.log(
    `\n${N} proxies (${kind}, ${protocol}, ${C} HTTP/2 connections, ${W} generator processes), ${S} services × ${E} endpoints, ${wildcard ? 'every service' : `${K} services per proxy`}\n`,
  );
  console.log('| measurement | p50 | p90 | p99 | max | floor max | ÷ floor | notes |');
  console.log('|---|---|---|---|---|---|---|---|');
  const ratio = (a: number, b: number | undefined) => (b === undefined ? '' : `${(a / b).toFixed(2)}×`);
  console.log(`| cold start (first stream) | | | | ${ms(v.coldStartMs)} | | | |`);
  const s = v.storm;
  console.log(
    `| connect storm: configured (from storm start) | ${row(s.perProxy)} | ${f ? ms(f.storm.all) : ''} | ${ratio(s.all, f?.storm.all)} | ${mib(s.bytes)}; server CPU ${pct(s.serverCpu.all)} (${s.serverCpuMsPerProxy.toFixed(2)} ms/proxy); generator ${pct(s.generatorCpu)} (${s.generatorCpuMsPerProxy.toFixed(2)} ms/proxy)${s.restarts ? `; ${s.restarts} streams restarted ${JSON.stringify(s.restartReasons)}` : ''} |`,
  );
  for (const c of v.changes) {
    const fc = f?.changes.find((x) => x.phase === c.phase);
    console.log(
      `| ${c.name}: ${c.affected} ACKed | ${row(c.latency)} | ${fc ? ms(fc.latency.max) : ''} | ${ratio(c.latency.max, fc?.latency.max)} | REST ${ms(c.restMs)};${c.rebuildMs === undefined ? '' : ` rebuild ${ms(c.rebuildMs)} + publish ${ms(c.publishMs!)};`} ${(c.bytes / 1024).toFixed(0)} KiB; server CPU ${pct(c.serverCpu)} (${c.serverCpuMs.toFixed(0)} ms) |`,
    );
  }
  // Fan-out alone, as the floor measures it: from the first affected proxy's ACK to the last
  // (both servers write every response in one pass before any reaches a socket). What comes
  // before the first ACK — for Vane the debounce, the rebuild and the response building; for
  // the floor the response writing — is in the table above.
  const wide = v.changes.filter((c) => c.affected >= 100);
  if (wide.length > 0) {
    console.log(
      '\n| change | first ACK | last ACK | fan-out (first → last) | floor: first / last / fan-out | fan-out ÷ floor |',
    );
    console.log('|---|---|---|---|---|---|');
    for (const c of wide) {
      const fc = f?.changes.find((x) => x.phase === c.phase);
      const fanOut = c.latency.max - c.latency.min;
      const floorFanOut = fc === undefined ? undefined : fc.latency.max - fc.latency.min;
      console.log(
        `| ${c.name}: ${c.affected} proxies | ${ms(c.latency.min)} | ${ms(c.latency.max)} | ${ms(fanOut)} | ${fc ? `${ms(fc.latency.min)} / ${ms(fc.latency.max)} / ${ms(floorFanOut!)}` : ''} | ${ratio(fanOut, floorFanOut)} |`,
      );
    }
  }
  const m = v.memory as unknown as {
    loaded: { rss: number };
    hwm: number;
    perProxyRss: number;
    perProxyHeap: number;
  };
  console.log(
    `\nRSS ${mib(m.loaded.rss)} (high-water ${mib(m.hwm)}); per proxy ${(m.perProxyRss / 1024).toFixed(1)} KiB RSS, ${(m.perProxyHeap / 1024).toFixed(1)} KiB heap; CPU at rest ${pct(v.restCpu.all)}`,
  );
}
