// Resources → IR for one node view: the whole of stage one, in reading order.
import type { NodeView, TranslateInput, TranslateIssue } from '../types.js';
import { buildCluster } from './clusters.js';
import { buildClusterEndpoints } from './endpoints.js';
import { grpcListeners, inbound, outboundListener } from './listeners.js';
import { compare, type Loaded, Resources } from './resources.js';
import { buildRouteConfig } from './routes.js';
import type { IrCluster, IrConfig, IrEndpoints, IrListener, IrRouteConfig } from './types.js';
import { reachableServices, type VisibleRule, visibleRules } from './visibility.js';

export function buildConfigIr(input: TranslateInput, view: NodeView): IrConfig {
  const res = Resources.of(input);
  const seen = visibility(res, view);
  const issues: TranslateIssue[] = [...seen.issues];
  const number = input.project.number;
  const rules = seen.rules;

  const listeners: IrListener[] = [];
  const routeConfigs: IrRouteConfig[] = [];
  const clusters: IrCluster[] = [];

  if (view.kind === 'grpc') {
    listeners.push(...grpcListeners(rules, number, issues));
  } else {
    const outbound = outboundListener(rules, view, number, issues);
    if (outbound !== undefined) listeners.push(outbound);
    const local = inbound(view);
    if (local !== undefined) {
      listeners.push(local.listener);
      routeConfigs.push(...local.routeConfigs);
      clusters.push(...local.clusters);
    }
  }

  for (const { urlMap, ports } of urlMapsInUse(rules)) {
    routeConfigs.push(buildRouteConfig({ res, view, issues }, urlMap, number, ports));
  }
  for (const bs of seen.services.values()) {
    clusters.push(buildCluster(bs, view, issues));
  }

  return {
    listeners: listeners.sort(byName),
    routeConfigs: routeConfigs.sort(byName),
    clusters: clusters.sort(byName),
    issues: sortIssues(issues),
  };
}

export function buildEndpointsIr(
  input: TranslateInput,
  view: NodeView,
  only?: ReadonlySet<string>,
): IrEndpoints {
  const res = Resources.of(input);
  // Issues about rules belong to the config translation; endpoints report their own.
  const issues: TranslateIssue[] = [];
  const endpoints = [];
  for (const bs of visibility(res, view).services.values()) {
    if (only !== undefined && !only.has(bs.name)) continue;
    endpoints.push(buildClusterEndpoints(bs, input, res, view, issues));
  }
  return {
    endpoints: endpoints.sort((a, b) => compare(a.clusterName, b.clusterName)),
    issues: sortIssues(issues),
  };
}

/** The rules a view is served, the issues found on the way, and the backend services they reach. */
interface Visibility {
  rules: readonly VisibleRule[];
  issues: readonly TranslateIssue[];
  services: ReadonlyMap<string, Loaded<'backendServices'>>;
}

/**
 * Per resource index and view: the configuration and the endpoints of a view need the same
 * visibility, and so does every input that shares the resources (an endpoint or health
 * change makes a new input with the same resources). Views and indexes are not changed once
 * built.
 */
const visibilityOf = new WeakMap<Resources, WeakMap<NodeView, Visibility>>();

function visibility(res: Resources, view: NodeView): Visibility {
  let byView = visibilityOf.get(res);
  if (byView === undefined) {
    byView = new WeakMap();
    visibilityOf.set(res, byView);
  }
  let found = byView.get(view);
  if (found === undefined) {
    const issues: TranslateIssue[] = [];
    const rules = servedRules(visibleRules(res, view, issues), view);
    found = { rules, issues, services: reachableServices(res, view, rules) };
    byView.set(view, found);
  }
  return found;
}

/** Proxyless clients have no TCP proxying: only HTTP/gRPC proxies reach them. */
function servedRules(rules: VisibleRule[], view: NodeView): VisibleRule[] {
  return view.kind === 'grpc' ? rules.filter((r) => r.target.kind === 'http') : rules;
}

/** The URL maps of the rules, each with the ports it is served on (in rule order). */
function urlMapsInUse(rules: readonly VisibleRule[]) {
  const byPath = new Map<
    string,
    { urlMap: Extract<VisibleRule['target'], { kind: 'http' }>['urlMap']; ports: number[] }
  >();
  for (const r of rules) {
    if (r.target.kind !== 'http') continue;
    const entry = byPath.get(r.target.urlMap.path) ?? { urlMap: r.target.urlMap, ports: [] };
    if (!entry.ports.includes(r.port)) entry.ports.push(r.port);
    byPath.set(r.target.urlMap.path, entry);
  }
  return [...byPath.values()];
}

function byName(a: { name: string }, b: { name: string }): number {
  return compare(a.name, b.name);
}

function sortIssues(issues: TranslateIssue[]): TranslateIssue[] {
  const key = (i: TranslateIssue) => `${i.resource}\u0000${i.location}\u0000${i.message}`;
  const seen = new Set<string>();
  return issues
    .filter((i) => {
      const k = key(i);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .sort((a, b) => compare(key(a), key(b)));
}
