// Reads what a proxy reports it holds: an Envoy /config_dump (v3, snake_case or camelCase),
// a CSDS ClientStatusResponse as JSON (grpcurl, a gRPC client's admin server), or Vane's own
// proxy config answer. Every resource is re-read through its proto message and written back
// as canonical proto3 JSON, so that spelling (snake/camel, defaults omitted) does not count
// as a difference.
import { type DescMessage, fromJson, type JsonValue, toJson } from '@bufbuild/protobuf';
import { ClusterSchema } from '../../gen/envoy/config/cluster/v3/cluster_pb.js';
import { ClusterLoadAssignmentSchema } from '../../gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { ListenerSchema } from '../../gen/envoy/config/listener/v3/listener_pb.js';
import { RouteConfigurationSchema } from '../../gen/envoy/config/route/v3/route_pb.js';
import { envoyRegistry } from '../../xds/validate/registry.js';
import { type ResourceSet, XDS_TYPES, type XdsType } from './types.js';

type Obj = Record<string, unknown>;

const SCHEMA: Record<XdsType, DescMessage> = {
  listeners: ListenerSchema,
  routes: RouteConfigurationSchema,
  clusters: ClusterSchema,
  endpoints: ClusterLoadAssignmentSchema,
};

const TYPE_OF_URL: Record<string, XdsType> = {
  'type.googleapis.com/envoy.config.listener.v3.Listener': 'listeners',
  'type.googleapis.com/envoy.config.route.v3.RouteConfiguration': 'routes',
  'type.googleapis.com/envoy.config.cluster.v3.Cluster': 'clusters',
  'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment': 'endpoints',
};

/** Parses the text of a dump; throws with a message fit for a user when it is none of the known shapes. */
export function parseProxyConfig(text: string, opts: { nodeId?: string } = {}): ResourceSet {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`not JSON: ${(e as Error).message}`);
  }
  return readProxyConfig(json, opts);
}

export function readProxyConfig(json: unknown, opts: { nodeId?: string } = {}): ResourceSet {
  if (!isObj(json)) throw new Error('expected a JSON object (config_dump or ClientStatusResponse)');
  if (isObj(json.configDump)) {
    const set = readConfigDump(json.configDump, 'vane');
    const node = isObj(json.node) ? json.node.id : undefined;
    return typeof node === 'string' ? { ...set, nodeId: node } : set;
  }
  if (Array.isArray(json.configs)) return readConfigDump(json, 'config_dump');
  if (Array.isArray(json.config)) return readCsds(json.config, opts.nodeId);
  throw new Error(
    "found neither 'configs' (Envoy /config_dump) nor 'config' (CSDS ClientStatusResponse) at the top level",
  );
}

function empty(format: ResourceSet['format']): ResourceSet {
  return {
    format,
    resources: { listeners: new Map(), routes: new Map(), clusters: new Map(), endpoints: new Map() },
    present: new Set(),
    notes: [],
  };
}

function readConfigDump(dump: Obj, format: ResourceSet['format']): ResourceSet {
  const set = empty(format);
  for (const c of arr(dump.configs)) {
    if (!isObj(c)) continue;
    const t = String(c['@type'] ?? '');
    if (t.endsWith('.ListenersConfigDump'))
      readSection(set, 'listeners', c, 'dynamic_listeners', 'static_listeners');
    else if (t.endsWith('.ClustersConfigDump'))
      readSection(
        set,
        'clusters',
        c,
        'dynamic_active_clusters',
        'static_clusters',
        'dynamic_warming_clusters',
      );
    else if (t.endsWith('.RoutesConfigDump'))
      readSection(set, 'routes', c, 'dynamic_route_configs', 'static_route_configs');
    else if (t.endsWith('.EndpointsConfigDump'))
      readSection(set, 'endpoints', c, 'dynamic_endpoint_configs', 'static_endpoint_configs');
  }
  return set;
}

/** The proto field inside a dynamic entry that holds the resource. */
const INNER: Record<XdsType, string> = {
  listeners: 'listener',
  clusters: 'cluster',
  routes: 'route_config',
  endpoints: 'endpoint_config',
};

function readSection(
  set: ResourceSet,
  type: XdsType,
  section: Obj,
  dynamic: string,
  stat: string,
  warming?: string,
): void {
  set.present.add(type);
  const statics = arr(field(section, stat)).length;
  // Static resources come from the proxy's bootstrap, not from a control plane.
  if (statics > 0) set.notes.push(`${statics} static ${type} from the bootstrap are not compared`);
  const entries = [
    ...arr(field(section, dynamic)),
    ...(warming === undefined ? [] : arr(field(section, warming))),
  ];
  for (const e of entries) {
    if (!isObj(e)) continue;
    let holder: unknown = e;
    if (type === 'listeners') {
      const active = field(e, 'active_state');
      const warm = field(e, 'warming_state');
      holder = isObj(active) ? active : warm;
      if (!isObj(active) && isObj(warm)) set.notes.push(`listener ${String(e.name)} is only warming`);
      if (!isObj(holder)) {
        if (isObj(field(e, 'error_state')))
          set.notes.push(`listener ${String(e.name)} was rejected by the proxy`);
        continue;
      }
    }
    const resource = field(holder as Obj, INNER[type]);
    if (isObj(resource)) add(set, type, resource);
  }
}

function readCsds(configs: unknown[], nodeId: string | undefined): ResourceSet {
  const set = empty('csds');
  for (const t of XDS_TYPES) set.present.add(t);
  const clients = configs.filter(isObj);
  const client =
    (nodeId === undefined ? undefined : clients.find((c) => isObj(c.node) && c.node.id === nodeId)) ??
    clients[0];
  if (clients.length > 1)
    set.notes.push(
      `the response holds ${clients.length} clients; compared ${nodeIdOf(client) ?? 'the first'}`,
    );
  if (client === undefined) return set;
  const id = nodeIdOf(client);
  if (id !== undefined) set.nodeId = id;
  for (const g of arr(field(client, 'generic_xds_configs'))) {
    if (!isObj(g)) continue;
    // grpc-js reports type URLs without the `type.googleapis.com/` prefix.
    const url = String(field(g, 'type_url') ?? '');
    const type = TYPE_OF_URL[url.includes('/') ? url : `type.googleapis.com/${url}`];
    const resource = field(g, 'xds_config');
    if (type === undefined) continue;
    if (!isObj(resource)) {
      set.notes.push(
        `${type} ${String(g.name)}: ${String(field(g, 'client_status') ?? 'no content')}, nothing held`,
      );
      continue;
    }
    add(set, type, resource);
  }
  // Older clients report per-type dumps instead (ClientConfig.xds_config).
  for (const x of arr(field(client, 'xds_config'))) {
    if (!isObj(x)) continue;
    const l = field(x, 'listener_config');
    const r = field(x, 'route_config');
    const c = field(x, 'cluster_config');
    const e = field(x, 'endpoint_config');
    if (isObj(l)) readSection(set, 'listeners', l, 'dynamic_listeners', 'static_listeners');
    if (isObj(r)) readSection(set, 'routes', r, 'dynamic_route_configs', 'static_route_configs');
    if (isObj(c)) readSection(set, 'clusters', c, 'dynamic_active_clusters', 'static_clusters');
    if (isObj(e)) readSection(set, 'endpoints', e, 'dynamic_endpoint_configs', 'static_endpoint_configs');
  }
  return set;
}

function nodeIdOf(c: Obj | undefined): string | undefined {
  const id = c !== undefined && isObj(c.node) ? c.node.id : undefined;
  return typeof id === 'string' ? id : undefined;
}

function add(set: ResourceSet, type: XdsType, resource: Obj): void {
  const { ['@type']: _type, ...body } = resource;
  const canonical = canonicalize(type, body, set.notes);
  const name = type === 'endpoints' ? field(body, 'cluster_name') : body.name;
  set.resources[type].set(String(name ?? ''), canonical);
}

/** Proto3 JSON through the message: camelCase, defaults omitted. Loose key conversion when the proto read fails. */
function canonicalize(type: XdsType, body: Obj, notes: string[]): unknown {
  const registry = envoyRegistry();
  try {
    const msg = fromJson(SCHEMA[type], body as JsonValue, { registry, ignoreUnknownFields: true });
    return toJson(SCHEMA[type], msg, { registry });
  } catch (e) {
    notes.push(
      `${type} ${String(body.name ?? body.cluster_name ?? body.clusterName)} read without its schema: ${(e as Error).message}`,
    );
    return camelKeys(body);
  }
}

function camelKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(camelKeys);
  if (!isObj(v)) return v;
  return Object.fromEntries(
    Object.entries(v).map(([k, x]) => [
      /^[a-z][a-z0-9_]*$/.test(k) ? k.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase()) : k,
      camelKeys(x),
    ]),
  );
}

/** A field by its proto name, in snake_case or its camelCase JSON name. */
function field(o: Obj, snake: string): unknown {
  if (Object.hasOwn(o, snake)) return o[snake];
  const camel = snake.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
  return o[camel];
}

function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
