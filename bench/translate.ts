// Translation microbenchmark, in process: the bench mesh (bench/xds/mesh.ts) at 100, 1,000 and
// 10,000 services (10 endpoints each) → translateConfig + translateEndpoints for one proxyless and
// one Envoy sidecar view → every resource encoded and content-hashed (the Encoder the snapshot
// cache uses) and validated against Envoy's rules (the output validator, first time: nothing cached).
// Each size and view is translated cold --runs times (default 3), each from a fresh input on a
// freshly collected heap; the table shows the medians, the JSON every run.
// Usage: node dist/bench/translate.js [--services 100,1000,10000] [--runs 3] [--json FILE]
//        [--cpu-prof DIR]
// --cpu-prof writes one .cpuprofile per size and view covering the three timed phases of the
// first run (the warm-up and the mesh construction are not in it); bench/xds/profile-summary.ts
// reads it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Message } from '@bufbuild/protobuf';
import type { ConfigOutput, EndpointsOutput, NodeView } from '../src/translate/index.js';
import { translateConfig, translateEndpoints } from '../src/translate/index.js';
import { Encoder, SCHEMA_OF } from '../src/xds/cache/encode.js';
import { OutputValidator } from '../src/xds/cache/validate-output.js';
import { TYPE_URL, type TypeUrl } from '../src/xds/types.js';
import { fixtureFromYaml } from '../test/translate/fixture.js';
import { Mesh, PROJECT, ZONE } from './xds/mesh.js';

const { values } = parseArgs({
  options: {
    services: { type: 'string', default: '100,1000,10000' },
    // Cold translations measured per size and view; the table shows their medians.
    runs: { type: 'string', default: '3' },
    json: { type: 'string' },
    'cpu-prof': { type: 'string' },
  },
});

const COLLECTION: Record<string, string> = {
  networkEndpointGroup: 'networkEndpointGroups',
  backendService: 'backendServices',
  urlMap: 'urlMaps',
  targetGrpcProxy: 'targetGrpcProxies',
  targetHttpProxy: 'targetHttpProxies',
  forwardingRule: 'forwardingRules',
};

function input(services: number, target: 'grpc' | 'http') {
  const resources: Record<string, unknown[]> = {};
  const endpoints: Record<string, unknown[]> = {};
  for (const doc of new Mesh(services, 10, services, target).docs()) {
    const { kind, networkEndpoints, ...body } = doc as {
      kind: string;
      networkEndpoints?: unknown[];
    } & Record<string, unknown>;
    const list = resources[COLLECTION[kind]!] ?? [];
    resources[COLLECTION[kind]!] = list;
    list.push(body);
    if (networkEndpoints !== undefined)
      endpoints[`projects/${PROJECT}/zones/${ZONE}/networkEndpointGroups/${body.name}`] = networkEndpoints;
  }
  return fixtureFromYaml(JSON.stringify({ project: { id: PROJECT, number: '1000' }, resources, endpoints }))
    .input;
}

const view = (kind: 'grpc' | 'envoy'): NodeView => ({
  projectNumber: '1000',
  network: 'default',
  kind,
  zone: ZONE,
  metadata: {},
  inboundBackendPorts: [],
  enableTracing: false,
  ...(kind === 'envoy' ? { interceptionPort: 15001 } : {}),
});

function encodeAll(config: ConfigOutput, eps: EndpointsOutput, validate: boolean): number {
  const encoder = new Encoder();
  const validator = new OutputValidator();
  let bytes = 0;
  const each = (typeUrl: TypeUrl, list: readonly (Message & { name?: string; clusterName?: string })[]) => {
    for (const m of list) {
      const name = (m.name ?? m.clusterName)!;
      const e = encoder.encode(typeUrl, SCHEMA_OF[typeUrl], name, m);
      bytes += e.bytes.byteLength;
      if (validate) validator.resource(e, SCHEMA_OF[typeUrl], m);
    }
  };
  each(TYPE_URL.listener, config.listeners);
  each(TYPE_URL.route, config.routes);
  each(TYPE_URL.cluster, config.clusters);
  each(TYPE_URL.endpoint, eps.endpoints);
  if (validate) validator.snapshot({ ...config, ...eps });
  return bytes;
}

// A full collection before each timed translation: each one starts from the same clean heap,
// instead of paying for the garbage of the view measured before it (which made whichever view
// ran second up to twice as slow).
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const profDir = values['cpu-prof'];
const session = profDir === undefined ? undefined : new Session();
if (session !== undefined) {
  mkdirSync(profDir!, { recursive: true });
  session.connect();
  await session.post('Profiler.enable');
}

const results: Record<string, unknown>[] = [];
console.log('| services | view | resources | bytes | translate | + encode | + validate | total |');
console.log('|---|---|---|---|---|---|---|---|');
for (const S of values.services.split(',').map(Number)) {
  for (const kind of ['grpc', 'envoy'] as const) {
    const inp = input(S, kind === 'grpc' ? 'grpc' : 'http');
    const v = view(kind);
    // A copy per run: translation indexes an input's resources once, and a cold translation
    // is the first one of an input.
    const fresh = () => ({ ...inp, resources: { ...inp.resources } });
    for (let warm = 0; warm < (S <= 1000 ? 2 : 1); warm++) {
      const warmInput = fresh();
      encodeAll(translateConfig(warmInput, v), translateEndpoints(warmInput, v), false);
    }
    const runs: { translateMs: number; encodeMs: number; validateMs: number }[] = [];
    let last: { config: ConfigOutput; eps: EndpointsOutput; bytes: number } | undefined;
    for (let run = 0; run < Number(values.runs); run++) {
      const cold = fresh();
      collectGarbage();
      // The profile covers the first run.
      if (run === 0) await session?.post('Profiler.start');
      const t0 = performance.now();
      const config = translateConfig(cold, v);
      const eps = translateEndpoints(cold, v);
      const t1 = performance.now();
      const bytes = encodeAll(config, eps, false);
      const t2 = performance.now();
      encodeAll(config, eps, true);
      const t3 = performance.now();
      if (run === 0 && session !== undefined) {
        const { profile } = await session.post('Profiler.stop');
        writeFileSync(join(profDir!, `translate-${S}-${kind}.cpuprofile`), JSON.stringify(profile));
      }
      runs.push({ translateMs: t1 - t0, encodeMs: t2 - t1, validateMs: t3 - t2 - (t2 - t1) });
      last = { config, eps, bytes };
    }
    const { config, eps, bytes } = last!;
    const median = (pick: (r: (typeof runs)[number]) => number) => {
      const sorted = runs.map(pick).sort((a, b) => a - b);
      return sorted[Math.floor((sorted.length - 1) / 2)]!;
    };
    const count =
      config.listeners.length + config.routes.length + config.clusters.length + eps.endpoints.length;
    const r = {
      services: S,
      view: kind,
      resources: count,
      bytes,
      translateMs: median((x) => x.translateMs),
      translateEncodeMs: median((x) => x.translateMs + x.encodeMs),
      validateMs: median((x) => x.validateMs),
      runs,
      issues: config.issues.length + eps.issues.length,
    };
    results.push(r);
    console.log(
      `| ${S} | ${kind === 'grpc' ? 'proxyless' : 'Envoy sidecar'} | ${count} | ${(bytes / 1024 / 1024).toFixed(1)} MiB | ${r.translateMs.toFixed(0)} ms | ${r.translateEncodeMs.toFixed(0)} ms | ${r.validateMs.toFixed(0)} ms | ${(r.translateEncodeMs + r.validateMs).toFixed(0)} ms |`,
    );
  }
}
if (values.json !== undefined) writeFileSync(values.json, `${JSON.stringify(results, null, 1)}\n`);
