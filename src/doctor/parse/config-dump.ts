// Envoy admin `/config_dump` (envoy.admin.v3.ConfigDump, also the v2alpha layout), reduced to
// what the node checks compare: listeners and their filter chains, clusters, route configs,
// resources in error or warming, and the bootstrap's node.
import { arr, get, isObj, num, type Obj, obj, str } from './json.js';

export interface DumpFilterChain {
  name?: string;
  prefixRanges: { addressPrefix: string; prefixLen: number }[];
  destinationPort?: number;
  /** HCM `rds.route_config_name`s (and inline route config names). */
  routeConfigNames: string[];
  accessLogPaths: string[];
}

export interface DumpListener {
  name: string;
  state: 'static' | 'active' | 'warming' | 'draining';
  address?: string;
  port?: number;
  filterChains: DumpFilterChain[];
  /** Where it is in the dump, for evidence. */
  path: string;
}

export interface DumpFailure {
  kind: 'listener' | 'cluster' | 'route';
  name: string;
  details: string;
  lastUpdateAttempt?: string;
  path: string;
}

export interface ParsedConfigDump {
  listeners: DumpListener[];
  clusters: { name: string; dynamic: boolean }[];
  routeConfigs: { name: string; dynamic: boolean }[];
  failures: DumpFailure[];
  /** Dynamic resources accepted (active, warming or draining). */
  dynamicListeners: number;
  dynamicClusters: number;
  node?: { id?: string; metadata: Obj };
}

function typeOf(o: unknown): string {
  return str(o, '@type') ?? '';
}

/** Strings under every key named `key` (either style) below `o`. */
function collect(o: unknown, keys: string[], out: string[]): string[] {
  if (Array.isArray(o)) for (const v of o) collect(v, keys, out);
  else if (isObj(o))
    for (const [k, v] of Object.entries(o)) {
      if (keys.includes(k) && typeof v === 'string') out.push(v);
      else collect(v, keys, out);
    }
  return out;
}

function accessLogPaths(filters: unknown[]): string[] {
  const paths: string[] = [];
  const walk = (o: unknown): void => {
    if (Array.isArray(o)) o.forEach(walk);
    else if (isObj(o))
      for (const [k, v] of Object.entries(o)) {
        if (k === 'access_log' || k === 'accessLog') collect(v, ['path'], paths);
        else walk(v);
      }
  };
  walk(filters);
  return paths;
}

function filterChain(fc: unknown): DumpFilterChain {
  const match = obj(fc, 'filter_chain_match');
  const filters = arr(fc, 'filters');
  const name = str(fc, 'name');
  const port = num(match, 'destination_port');
  return {
    ...(name === undefined ? {} : { name }),
    prefixRanges: arr(match, 'prefix_ranges').map((r) => ({
      addressPrefix: str(r, 'address_prefix') ?? '',
      prefixLen: num(r, 'prefix_len') ?? 0,
    })),
    ...(port === undefined ? {} : { destinationPort: port }),
    routeConfigNames: collect(filters, ['route_config_name', 'routeConfigName'], []),
    accessLogPaths: accessLogPaths(filters),
  };
}

function listener(l: unknown, name: string, state: DumpListener['state'], path: string): DumpListener {
  const sock = obj(obj(l, 'address'), 'socket_address');
  const address = str(sock, 'address');
  const port = num(sock, 'port_value');
  const chains = arr(l, 'filter_chains').map(filterChain);
  const dflt = get(l, 'default_filter_chain');
  if (dflt !== undefined) chains.push(filterChain(dflt));
  return {
    name: str(l, 'name') ?? name,
    state,
    ...(address === undefined ? {} : { address }),
    ...(port === undefined ? {} : { port }),
    filterChains: chains,
    path,
  };
}

function failure(kind: DumpFailure['kind'], name: string, err: unknown, path: string): DumpFailure {
  const last = str(err, 'last_update_attempt');
  const failed = get(err, 'failed_configuration');
  return {
    kind,
    name: name || str(failed, 'name') || '(unnamed)',
    details: str(err, 'details') ?? '',
    ...(last === undefined ? {} : { lastUpdateAttempt: last }),
    path,
  };
}

function listeners(c: Obj, at: string, out: ParsedConfigDump): void {
  arr(c, 'static_listeners').forEach((s, i) => {
    out.listeners.push(listener(get(s, 'listener'), '', 'static', `${at}.static_listeners[${i}]`));
  });
  arr(c, 'dynamic_listeners').forEach((d, i) => {
    const name = str(d, 'name') ?? '';
    const path = `${at}.dynamic_listeners[${i}]`;
    let accepted = false;
    for (const state of ['active', 'warming', 'draining'] as const) {
      const s = obj(d, `${state}_state`);
      if (s === undefined) continue;
      accepted = true;
      out.listeners.push(listener(get(s, 'listener'), name, state, `${path}.${state}_state`));
    }
    if (accepted) out.dynamicListeners++;
    const err = obj(d, 'error_state');
    if (err !== undefined) out.failures.push(failure('listener', name, err, `${path}.error_state`));
  });
  // v2alpha: dynamic_active_listeners / dynamic_warming_listeners / dynamic_draining_listeners.
  for (const state of ['active', 'warming', 'draining'] as const)
    arr(c, `dynamic_${state}_listeners`).forEach((d, i) => {
      out.dynamicListeners++;
      out.listeners.push(listener(get(d, 'listener'), '', state, `${at}.dynamic_${state}_listeners[${i}]`));
    });
}

function clusters(c: Obj, at: string, out: ParsedConfigDump): void {
  for (const s of arr(c, 'static_clusters'))
    out.clusters.push({ name: str(get(s, 'cluster'), 'name') ?? '', dynamic: false });
  for (const key of ['dynamic_active_clusters', 'dynamic_warming_clusters'])
    arr(c, key).forEach((d, i) => {
      const cluster = get(d, 'cluster');
      const name = str(cluster, 'name') ?? '';
      if (cluster !== undefined) {
        out.dynamicClusters++;
        out.clusters.push({ name, dynamic: true });
      }
      const err = obj(d, 'error_state');
      if (err !== undefined)
        out.failures.push(failure('cluster', name, err, `${at}.${key}[${i}].error_state`));
    });
}

function routes(c: Obj, at: string, out: ParsedConfigDump): void {
  for (const s of arr(c, 'static_route_configs'))
    out.routeConfigs.push({ name: str(get(s, 'route_config'), 'name') ?? '', dynamic: false });
  arr(c, 'dynamic_route_configs').forEach((d, i) => {
    const name = str(get(d, 'route_config'), 'name') ?? '';
    if (name !== '') out.routeConfigs.push({ name, dynamic: true });
    const err = obj(d, 'error_state');
    if (err !== undefined)
      out.failures.push(failure('route', name, err, `${at}.dynamic_route_configs[${i}].error_state`));
  });
}

/** Throws when the text is not JSON. */
export function parseConfigDump(text: string): ParsedConfigDump {
  const doc: unknown = JSON.parse(text);
  const out: ParsedConfigDump = {
    listeners: [],
    clusters: [],
    routeConfigs: [],
    failures: [],
    dynamicListeners: 0,
    dynamicClusters: 0,
  };
  arr(doc, 'configs').forEach((c, i) => {
    if (!isObj(c)) return;
    const t = typeOf(c);
    const at = `configs[${i}]`;
    if (t.endsWith('.ListenersConfigDump')) listeners(c, at, out);
    else if (t.endsWith('.ClustersConfigDump')) clusters(c, at, out);
    else if (t.endsWith('.RoutesConfigDump')) routes(c, at, out);
    else if (t.endsWith('.BootstrapConfigDump')) {
      const node = obj(obj(c, 'bootstrap'), 'node');
      if (node !== undefined) {
        const id = str(node, 'id');
        out.node = { ...(id === undefined ? {} : { id }), metadata: obj(node, 'metadata') ?? {} };
      }
    }
  });
  return out;
}
