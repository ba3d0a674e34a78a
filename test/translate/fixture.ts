// Test fixtures for translation: a small YAML project (resources as the API would store
// them, endpoints, health, node views) loaded into TranslateInput, and rendering of the
// outputs as YAML (proto3 JSON for Envoy messages).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type DescMessage, type MessageShape, toBinary, toJson } from '@bufbuild/protobuf';
import { anyUnpack } from '@bufbuild/protobuf/wkt';
import { parse, stringify } from 'yaml';
import { ClusterSchema } from '../../src/gen/envoy/config/cluster/v3/cluster_pb.js';
import { ClusterLoadAssignmentSchema } from '../../src/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { ListenerSchema } from '../../src/gen/envoy/config/listener/v3/listener_pb.js';
import { RouteConfigurationSchema } from '../../src/gen/envoy/config/route/v3/route_pb.js';
import { HttpConnectionManagerSchema } from '../../src/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { TcpProxySchema } from '../../src/gen/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.js';
import { kindForCollection } from '../../src/model/kinds/index.js';
import { parseRef, refPath } from '../../src/model/references.js';
import type { Collection, NetworkEndpoint, ResourceRecord } from '../../src/store/types.js';
import { TYPE_REGISTRY } from '../../src/translate/index.js';
import type {
  ConfigOutput,
  EndpointsOutput,
  HealthStatus,
  NodeView,
  TranslateInput,
} from '../../src/translate/types.js';

/** test/translate/testdata in the source tree (tests run from dist/test/translate). */
export const TESTDATA = fileURLToPath(new URL('../../../test/translate/testdata/', import.meta.url));

export interface Fixture {
  input: TranslateInput;
  /** Node views by name (`default` when the file has a single `view`). */
  views: Map<string, NodeView>;
}

interface FixtureFile {
  project?: { id?: string; number?: string };
  resources?: Record<string, Record<string, unknown>[]>;
  endpoints?: Record<string, NetworkEndpoint[]>;
  health?: Record<string, HealthStatus>;
  /** `<backendService>|<zone>` → requests per second from that zone's clients. */
  demand?: Record<string, number>;
  view?: Partial<NodeView>;
  views?: Record<string, Partial<NodeView>>;
}

export function loadFixture(path: string): Fixture {
  return fixtureFromYaml(readFileSync(path, 'utf8'));
}

/** Parses, defaults and normalises each body as the API does; references become full paths. */
export function fixtureFromYaml(text: string): Fixture {
  const doc = (parse(text) ?? {}) as FixtureFile;
  const project = { id: doc.project?.id ?? 'p', number: String(doc.project?.number ?? '123456789') };
  const full = (p: string) => (p.startsWith('projects/') ? p : `projects/${project.id}/${p}`);
  const resources: Partial<Record<Collection, ResourceRecord[]>> = {};
  let id = 1000;
  for (const [collection, items] of Object.entries(doc.resources ?? {})) {
    const kind = kindForCollection(collection);
    if (kind === undefined) throw new Error(`unknown collection ${collection}`);
    resources[kind.collection] = items.map((raw) => {
      const { zone, ...input } = raw as { zone?: string } & Record<string, unknown>;
      const parsed = kind.schema.safeParse(input);
      if (!parsed.success) throw new Error(`${collection} ${String(input.name)}: ${parsed.error.message}`);
      const body = parsed.data;
      kind.normalize?.(body);
      for (const slot of kind.refs(body)) {
        const ref = parseRef(slot.value, slot.accepted, project.id);
        if (!('error' in ref)) slot.set(refPath(ref));
      }
      return {
        project: project.id,
        collection: kind.collection,
        scope: kind.scope === 'zonal' ? `zones/${zone ?? 'us-central1-a'}` : 'global',
        name: String(body.name),
        id: String(id++),
        body,
        fingerprint: 'f',
        creationTimestamp: '2026-01-01T00:00:00.000Z',
        revision: 1,
      };
    });
  }
  const endpoints = new Map<string, NetworkEndpoint[]>();
  for (const [neg, list] of Object.entries(doc.endpoints ?? {})) {
    endpoints.set(
      full(neg),
      list.map((e) => ({ ipAddress: e.ipAddress, port: e.port ?? 0, instance: e.instance ?? '' })),
    );
  }
  const health = new Map<string, HealthStatus>();
  for (const [key, status] of Object.entries(doc.health ?? {})) health.set(full(key), status);
  const views = new Map<string, NodeView>();
  const rawViews = doc.views ?? { default: doc.view ?? {} };
  for (const [name, v] of Object.entries(rawViews)) {
    views.set(name, {
      projectNumber: project.number,
      network: 'default',
      kind: 'grpc',
      inboundBackendPorts: [],
      enableTracing: false,
      ...v,
      metadata: { ...(v.metadata ?? {}) },
    });
  }
  const demand = doc.demand === undefined ? {} : { demand: new Map(Object.entries(doc.demand)) };
  return { input: { project, resources, endpoints, health, ...demand }, views };
}

function json<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): unknown {
  return toJson(schema, message, { registry: TYPE_REGISTRY });
}

export function renderYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** One JSON-able document per xDS type. */
export function xdsDocuments(config: ConfigOutput, endpoints: EndpointsOutput) {
  return {
    listeners: config.listeners.map((m) => json(ListenerSchema, m)),
    routes: config.routes.map((m) => json(RouteConfigurationSchema, m)),
    clusters: config.clusters.map((m) => json(ClusterSchema, m)),
    endpoints: endpoints.endpoints.map((m) => json(ClusterLoadAssignmentSchema, m)),
  };
}

/** Every resource encoded, by type and name: for byte-for-byte comparisons. */
export function encodeAll(config: ConfigOutput, endpoints: EndpointsOutput): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const m of config.listeners) out.set(`lds/${m.name}`, toBinary(ListenerSchema, m));
  for (const m of config.routes) out.set(`rds/${m.name}`, toBinary(RouteConfigurationSchema, m));
  for (const m of config.clusters) out.set(`cds/${m.name}`, toBinary(ClusterSchema, m));
  for (const m of endpoints.endpoints)
    out.set(`eds/${m.clusterName}`, toBinary(ClusterLoadAssignmentSchema, m));
  return out;
}

/**
 * What a proxy would find inconsistent: a listener naming a missing route config, a route
 * naming a missing cluster, an EDS cluster without endpoints, duplicate names.
 */
export function consistencyProblems(config: ConfigOutput, endpoints: EndpointsOutput): string[] {
  const problems: string[] = [];
  const dupes = (kind: string, names: string[]) => {
    const seen = new Set<string>();
    for (const n of names) {
      if (seen.has(n)) problems.push(`duplicate ${kind} ${n}`);
      seen.add(n);
    }
  };
  dupes(
    'listener',
    config.listeners.map((l) => l.name),
  );
  dupes(
    'route',
    config.routes.map((r) => r.name),
  );
  dupes(
    'cluster',
    config.clusters.map((c) => c.name),
  );
  dupes(
    'endpoints',
    endpoints.endpoints.map((e) => e.clusterName),
  );
  const routes = new Set(config.routes.map((r) => r.name));
  const clusters = new Set(config.clusters.map((c) => c.name));
  const cla = new Set(endpoints.endpoints.map((e) => e.clusterName));
  for (const l of config.listeners) {
    const managers = [
      l.apiListener?.apiListener,
      ...l.filterChains.flatMap((fc) =>
        fc.filters.map((f) => (f.configType.case === 'typedConfig' ? f.configType.value : undefined)),
      ),
    ];
    for (const any of managers) {
      if (any === undefined) continue;
      const hcm = anyUnpack(any, HttpConnectionManagerSchema);
      if (hcm?.routeSpecifier.case === 'rds' && !routes.has(hcm.routeSpecifier.value.routeConfigName)) {
        problems.push(
          `listener ${l.name} names missing route config ${hcm.routeSpecifier.value.routeConfigName}`,
        );
      }
      const tcp = anyUnpack(any, TcpProxySchema);
      if (tcp?.clusterSpecifier.case === 'cluster' && !clusters.has(tcp.clusterSpecifier.value)) {
        problems.push(`listener ${l.name} names missing cluster ${tcp.clusterSpecifier.value}`);
      }
    }
  }
  for (const rc of config.routes) {
    dupes(
      `virtual host in ${rc.name}`,
      rc.virtualHosts.map((vh) => vh.name),
    );
    dupes(
      `domain in ${rc.name}`,
      rc.virtualHosts.flatMap((vh) => vh.domains.map((d) => d.toLowerCase())),
    );
    for (const vh of rc.virtualHosts) {
      for (const r of vh.routes) {
        if (r.action.case !== 'route') continue;
        const a = r.action.value;
        const named = [
          ...(a.clusterSpecifier.case === 'cluster' ? [a.clusterSpecifier.value] : []),
          ...(a.clusterSpecifier.case === 'weightedClusters'
            ? a.clusterSpecifier.value.clusters.map((c) => c.name)
            : []),
          ...a.requestMirrorPolicies.map((m) => m.cluster),
        ];
        for (const n of named)
          if (!clusters.has(n)) problems.push(`route ${r.name} names missing cluster ${n}`);
      }
    }
  }
  for (const c of config.clusters) {
    if (c.clusterDiscoveryType.case === 'type' && c.clusterDiscoveryType.value === 3 && !cla.has(c.name)) {
      problems.push(`EDS cluster ${c.name} has no ClusterLoadAssignment`);
    }
  }
  return problems;
}
