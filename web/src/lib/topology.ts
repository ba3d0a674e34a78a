import type { Resource } from '../api/types';
import type { Inventory } from './inventory';
import { keyOf, parseRef, type Ref, refKey } from './refs';

// The service graph of one network, as the layered DAG it is:
// forwarding rules → target proxies → URL maps → backend services → NEGs.

export const COLUMNS = ['Forwarding rules', 'Target proxies', 'URL maps', 'Backend services', 'NEGs'];

export interface GraphNode {
  key: string;
  ref: Ref;
  column: number;
  label: string;
  /** A second line: VIP:port, protocol, zone. */
  detail: string;
}

export interface GraphEdge {
  from: string;
  to: string;
}

export interface Graph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

const COLUMN_OF: Record<string, number> = {
  forwardingRules: 0,
  targetHttpProxies: 1,
  targetGrpcProxies: 1,
  targetTcpProxies: 1,
  urlMaps: 2,
  backendServices: 3,
  networkEndpointGroups: 4,
};

/** Backend services a URL map sends traffic (or mirrored traffic) to. */
export function urlMapServices(map: Resource): string[] {
  const out: string[] = [];
  const action = (a: unknown) => {
    const ra = a as
      | {
          weightedBackendServices?: { backendService?: string }[];
          requestMirrorPolicy?: { backendService?: string };
        }
      | undefined;
    for (const w of ra?.weightedBackendServices ?? []) if (w.backendService) out.push(w.backendService);
    if (ra?.requestMirrorPolicy?.backendService) out.push(ra.requestMirrorPolicy.backendService);
  };
  const m = map as Resource & {
    defaultService?: string;
    defaultRouteAction?: unknown;
    pathMatchers?: unknown[];
  };
  if (m.defaultService) out.push(m.defaultService);
  action(m.defaultRouteAction);
  for (const pmRaw of m.pathMatchers ?? []) {
    const pm = pmRaw as {
      defaultService?: string;
      defaultRouteAction?: unknown;
      pathRules?: { service?: string; routeAction?: unknown }[];
      routeRules?: { service?: string; routeAction?: unknown }[];
    };
    if (pm.defaultService) out.push(pm.defaultService);
    action(pm.defaultRouteAction);
    for (const r of [...(pm.pathRules ?? []), ...(pm.routeRules ?? [])]) {
      if (r.service) out.push(r.service);
      action(r.routeAction);
    }
  }
  return out;
}

/** What a resource points at, one layer to the right. */
function targets(r: Resource, collection: string): string[] {
  const x = r as Record<string, unknown>;
  switch (collection) {
    case 'forwardingRules':
      return [x.target as string];
    case 'targetHttpProxies':
    case 'targetGrpcProxies':
      return [x.urlMap as string];
    case 'targetTcpProxies':
      return [x.service as string];
    case 'urlMaps':
      return urlMapServices(r);
    case 'backendServices':
      return ((x.backends as { group?: string }[] | undefined) ?? []).map((b) => b.group ?? '');
    default:
      return [];
  }
}

function detail(r: Resource, ref: Ref): string {
  const x = r as Record<string, unknown>;
  if (ref.collection === 'forwardingRules') return `${x.IPAddress ?? ''}:${x.portRange ?? x.ports ?? ''}`;
  if (ref.collection === 'backendServices') return String(x.protocol ?? '');
  if (ref.collection === 'networkEndpointGroups') return ref.zone ?? '';
  if (ref.collection.startsWith('target')) return ref.collection.replace(/^target|Proxies$/g, '');
  return '';
}

/** The resources reachable from the network's forwarding rules, and their references. */
export function buildGraph(inv: Inventory, network: string): Graph {
  const byKey = new Map<string, { r: Resource; ref: Ref }>();
  for (const list of Object.values(inv)) {
    for (const r of list) {
      const ref = parseRef(r.selfLink);
      if (ref) byKey.set(refKey(ref), { r, ref });
    }
  }
  const nodes = new Map<string, GraphNode>();
  const edges = new Map<string, GraphEdge>();
  const visit = (key: string) => {
    const found = byKey.get(key);
    if (!found || nodes.has(key)) return;
    const column = COLUMN_OF[found.ref.collection];
    if (column === undefined) return;
    nodes.set(key, {
      key,
      ref: found.ref,
      column,
      label: found.ref.name,
      detail: detail(found.r, found.ref),
    });
    for (const t of targets(found.r, found.ref.collection)) {
      const to = keyOf(t);
      if (!to || !byKey.has(to)) continue;
      edges.set(`${key}>${to}`, { from: key, to });
      visit(to);
    }
  };
  for (const fr of inv.forwardingRules) {
    const net = String((fr as { network?: string }).network ?? '');
    if (net.slice(net.lastIndexOf('/') + 1) !== network) continue;
    const key = keyOf(fr.selfLink);
    if (key) visit(key);
  }
  return { nodes: [...nodes.values()], edges: [...edges.values()] };
}

export interface Placed extends GraphNode {
  x: number;
  y: number;
}

export const NODE_W = 150;
export const NODE_H = 44;
export const COL_GAP = 56;
const ROW_GAP = 18;
const TOP = 36;

/**
 * Columns left to right; within a column, nodes ordered by the mean row of their parents
 * (one barycentric pass), which keeps most edges from crossing in a layered DAG.
 */
export function layout(graph: Graph): { nodes: Placed[]; width: number; height: number } {
  const parents = new Map<string, string[]>();
  for (const e of graph.edges) parents.set(e.to, [...(parents.get(e.to) ?? []), e.from]);
  const row = new Map<string, number>();
  const placed: Placed[] = [];
  let rows = 0;
  for (let col = 0; col < COLUMNS.length; col++) {
    const inCol = graph.nodes.filter((n) => n.column === col);
    const score = (n: GraphNode) => {
      const ps = (parents.get(n.key) ?? []).map((p) => row.get(p)).filter((r) => r !== undefined);
      return ps.length === 0 ? Number.POSITIVE_INFINITY : ps.reduce((a, b) => a + b, 0) / ps.length;
    };
    inCol.sort((a, b) => score(a) - score(b) || a.label.localeCompare(b.label) || a.key.localeCompare(b.key));
    inCol.forEach((n, i) => {
      row.set(n.key, i);
      placed.push({ ...n, x: col * (NODE_W + COL_GAP), y: TOP + i * (NODE_H + ROW_GAP) });
    });
    rows = Math.max(rows, inCol.length);
  }
  return {
    nodes: placed,
    width: COLUMNS.length * NODE_W + (COLUMNS.length - 1) * COL_GAP,
    height: TOP + Math.max(rows, 1) * (NODE_H + ROW_GAP),
  };
}
