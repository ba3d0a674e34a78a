// A shard of the load generator, run as a child process (bench/xds/fleet.ts forks it): holds its
// proxies' HTTP/2 connections and ADS streams and answers the coordinator's commands over IPC.
// Timestamps are epoch milliseconds, so shards' results merge.
import { writeFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { now, type Protocol, type Received, SimProxy } from './proxy.js';
import { EDS, encodeNode, matchVirtualHost, type ProxyKind, type TypeUrl } from './wire.js';

export interface ShardInit {
  address: string;
  projectNumber: string;
  zone: string;
  protocol: Protocol;
  kind: ProxyKind;
  reconnect: boolean;
  record: boolean;
  connections: number;
  /** Per proxy of the shard: its global index, node UUID and the authorities it dials (none: wildcard). */
  proxies: { index: number; uuid: string; authorities: string[] | undefined }[];
}

/** What a change must look like to count as received (serialisable). */
export type Check =
  | { kind: 'eds'; name: string; endpoints: number }
  | { kind: 'rds'; name: string; authority: string; routes: number };

export interface ChangeReport {
  latencies: number[];
  strays: number;
  extra: number;
  bytes: number;
  errors: string[];
}

let proxies: SimProxy[] = [];
let clients: grpc.Client[] = [];
let watched: { typeUrl: TypeUrl; resource: string; check: Check; affected: Set<SimProxy> } | undefined;

function checkOf(c: Check, r: Received): string | undefined {
  if (c.kind === 'eds') {
    const n = r.endpointCounts.get(c.name);
    return n === c.endpoints ? undefined : `EDS has ${n} endpoints, expected ${c.endpoints}`;
  }
  const routes = matchVirtualHost(r.vhosts.get(c.name) ?? [], c.authority)?.routes;
  return routes === c.routes ? undefined : `virtual host has ${routes} routes, expected ${c.routes}`;
}

function got(p: SimProxy): Received | undefined {
  const w = watched!;
  return p.log.find(
    (r) => r.typeUrl === w.typeUrl && r.names.includes(w.resource) && checkOf(w.check, r) === undefined,
  );
}

async function init(s: ShardInit): Promise<number> {
  for (let i = 0; i < s.connections; i++) {
    clients.push(
      new grpc.Client(s.address, grpc.credentials.createInsecure(), {
        'grpc.use_local_subchannel_pool': 1,
        'grpc.max_receive_message_length': -1,
        'grpc.primary_user_agent': `bench-xds-${s.proxies[0]?.index}-${i}`,
      }),
    );
  }
  await Promise.all(
    clients.map(
      (c) =>
        new Promise<void>((res, rej) => c.waitForReady(Date.now() + 60_000, (e) => (e ? rej(e) : res()))),
    ),
  );
  const opts = { protocol: s.protocol, reconnect: s.reconnect, record: s.record };
  proxies = s.proxies.map(
    (p, i) =>
      new SimProxy(
        p.index,
        clients[i % clients.length]!,
        encodeNode(s.projectNumber, p.uuid, s.zone, s.kind),
        p.authorities,
        () => {},
        opts,
      ),
  );
  return clients.length;
}

const commands: Record<string, (arg: never) => unknown> = {
  start: () => {
    for (const p of proxies) p.start();
    return now();
  },
  progress: () => ({
    configured: proxies.filter((p) => p.configuredAt !== undefined).length,
    errors: proxies.reduce((n, p) => n + p.errors.length, 0),
  }),
  storm: () => ({
    configuredAt: proxies.map((p) => p.configuredAt ?? Number.NaN),
    startedAt: proxies.map((p) => p.startedAt),
    bytes: proxies.reduce((n, p) => n + p.bytesReceived, 0),
    restarts: proxies.reduce((n, p) => n + p.restarts, 0),
    reasons: Object.fromEntries(
      proxies
        .flatMap((p) => [...p.restartReasons])
        .reduce((m, [k, v]) => m.set(k, (m.get(k) ?? 0) + v), new Map<string, number>()),
    ),
    holdings: proxies[0]?.holdings(),
  }),
  cpu: () => process.cpuUsage(),
  phase: (phase: string) => {
    for (const p of proxies) p.phase = phase;
  },
  watch: (w: { typeUrl: TypeUrl; resource: string; check: Check }) => {
    watched = { ...w, affected: new Set(proxies.filter((p) => p.subscribedTo(w.typeUrl, w.resource))) };
    for (const p of proxies) p.mark();
    return watched.affected.size;
  },
  changeProgress: () => [...watched!.affected].filter((p) => got(p) !== undefined).length,
  collect: (t0: number): ChangeReport => {
    const out: ChangeReport = { latencies: [], strays: 0, extra: 0, bytes: 0, errors: [] };
    for (const p of proxies) {
      out.bytes += p.log.reduce((n, r) => n + r.bytes, 0);
      if (!watched!.affected.has(p)) {
        out.strays += p.log.length;
        continue;
      }
      const r = got(p);
      if (r === undefined) {
        const last = p.log.filter((x) => x.typeUrl === watched!.typeUrl).at(-1);
        out.errors.push(
          `proxy ${p.index} never got it${last ? ` (last: ${checkOf(watched!.check, last)})` : ''}`,
        );
        continue;
      }
      out.latencies.push(r.ackedAt - t0);
      out.extra += p.log.length - 1;
    }
    return out;
  },
  /** How this view names service `svc-i`'s ClusterLoadAssignment and route configuration (first proxy that holds them). */
  names: (a: { service: string; host: string }) => {
    for (const p of proxies) {
      const eds = p.held(EDS).find((n) => n === a.service || new RegExp(`[/_:.]${a.service}$`).test(n));
      const rds = p.routeConfigServing(a.host);
      if (eds !== undefined && rds !== undefined) return { eds, rds };
    }
    return undefined;
  },
  errors: () => proxies.flatMap((p) => p.errors.map((e) => `proxy ${p.index}: ${e}`)),
  /** Writes the recorded responses: `file.json` (index) and `file.bin` (bytes). */
  dump: (a: { file: string; nodePrefix: string }) => {
    const index: { node: string; phase: string; typeUrl: string; offset: number; length: number }[] = [];
    const chunks: Buffer[] = [];
    let offset = 0;
    for (const p of proxies) {
      for (const r of p.recorded) {
        index.push({
          node: `${a.nodePrefix}${uuidOf(p)}`,
          phase: r.phase,
          typeUrl: r.typeUrl,
          offset,
          length: r.bytes.length,
        });
        chunks.push(r.bytes);
        offset += r.bytes.length;
      }
    }
    writeFileSync(`${a.file}.bin`, Buffer.concat(chunks));
    writeFileSync(`${a.file}.json`, JSON.stringify(index));
    return index.length;
  },
  stop: () => {
    for (const p of proxies) p.stop();
    for (const c of clients) c.close();
    proxies = [];
    clients = [];
    setTimeout(() => process.exit(0), 100);
  },
};

let uuids = new Map<SimProxy, string>();
function uuidOf(p: SimProxy): string {
  return uuids.get(p) ?? '';
}

process.on('message', async (msg: { id: number; cmd: string; arg: unknown }) => {
  try {
    if (msg.cmd === 'init') {
      const s = msg.arg as ShardInit;
      const result = await init(s);
      uuids = new Map(proxies.map((p, i) => [p, s.proxies[i]!.uuid]));
      process.send!({ id: msg.id, result });
      return;
    }
    const result = await commands[msg.cmd]!(msg.arg as never);
    process.send!({ id: msg.id, result });
  } catch (err) {
    process.send!({ id: msg.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  }
});
