// Which forwarding rules a node sees, and what each one leads to. A rule is visible when it
// is INTERNAL_SELF_MANAGED, in the node's network, and its metadataFilters match the node's
// metadata; references that do not resolve become issues and the rule is skipped.
import { forwardingRulePort } from '../../model/kinds/forwarding-rule.js';
import type { UrlMap } from '../../model/kinds/url-map.js';
import type { NodeView, TranslateIssue } from '../types.js';
import { collectionOf, type Loaded, nameOf, type Resources } from './resources.js';

export interface MetadataFilter {
  filterMatchCriteria: 'MATCH_ANY' | 'MATCH_ALL';
  filterLabels: { name: string; value: string }[];
}

/** Whether every filter matches the metadata (MATCH_ANY: one label equal; MATCH_ALL: all equal). */
export function metadataFiltersMatch(
  filters: readonly MetadataFilter[] | undefined,
  metadata: Readonly<Record<string, string>>,
): boolean {
  return (filters ?? []).every((f) => {
    const equal = (l: { name: string; value: string }) =>
      Object.hasOwn(metadata, l.name) && metadata[l.name] === l.value;
    return f.filterMatchCriteria === 'MATCH_ALL' ? f.filterLabels.every(equal) : f.filterLabels.some(equal);
  });
}

export type RuleTarget =
  | { kind: 'http'; proxy: string; grpcProxy: boolean; urlMap: Loaded<'urlMaps'> }
  | { kind: 'tcp'; proxy: string; service: Loaded<'backendServices'> };

export interface VisibleRule {
  path: string;
  name: string;
  port: number;
  /** The VIP, absent for 0.0.0.0. */
  vip?: string;
  target: RuleTarget;
}

export function visibleRules(res: Resources, view: NodeView, issues: TranslateIssue[]): VisibleRule[] {
  const out: VisibleRule[] = [];
  for (const fr of res.list('forwardingRules')) {
    const body = fr.body;
    if (body.loadBalancingScheme !== 'INTERNAL_SELF_MANAGED') continue;
    if (collectionOf(body.network) !== 'networks' || nameOf(body.network) !== view.network) continue;
    if (!metadataFiltersMatch(body.metadataFilters, view.metadata)) continue;
    const port = forwardingRulePort(body);
    if (port === undefined) {
      issues.push({
        resource: fr.path,
        location: 'portRange',
        message: `'${body.portRange ?? ''}' is not a single port: the rule is skipped`,
      });
      continue;
    }
    const target = resolveTarget(res, fr.path, body.target, issues);
    if (target === undefined) continue;
    out.push({
      path: fr.path,
      name: fr.name,
      port,
      ...(body.IPAddress === '0.0.0.0' ? {} : { vip: body.IPAddress }),
      target,
    });
  }
  return out;
}

function resolveTarget(
  res: Resources,
  rulePath: string,
  target: string,
  issues: TranslateIssue[],
): RuleTarget | undefined {
  const missing = (resource: string, location: string, ref: string) => {
    issues.push({ resource, location, message: `'${ref}' was not found: the forwarding rule is skipped` });
    return undefined;
  };
  const collection = collectionOf(target);
  if (collection === 'targetGrpcProxies' || collection === 'targetHttpProxies') {
    const proxy = res.get(collection, target);
    if (proxy === undefined) return missing(rulePath, 'target', target);
    const urlMap = res.get('urlMaps', proxy.body.urlMap);
    if (urlMap === undefined) return missing(proxy.path, 'urlMap', proxy.body.urlMap);
    return { kind: 'http', proxy: proxy.path, grpcProxy: collection === 'targetGrpcProxies', urlMap };
  }
  if (collection === 'targetTcpProxies') {
    const proxy = res.get('targetTcpProxies', target);
    if (proxy === undefined) return missing(rulePath, 'target', target);
    const service = res.get('backendServices', proxy.body.service);
    if (service === undefined) return missing(proxy.path, 'service', proxy.body.service);
    return { kind: 'tcp', proxy: proxy.path, service };
  }
  issues.push({
    resource: rulePath,
    location: 'target',
    message: `'${target}' is not a target proxy the mesh serves: the forwarding rule is skipped`,
  });
  return undefined;
}

/** Every backend service path a URL map names (defaults, rules, weighted splits, mirrors), sorted. */
export function urlMapServicePaths(m: UrlMap): string[] {
  const out = new Set<string>();
  const action = (service: string | undefined, ra: UrlMap['defaultRouteAction']) => {
    if (service !== undefined) out.add(service);
    for (const w of ra?.weightedBackendServices ?? []) out.add(w.backendService);
    if (ra?.requestMirrorPolicy !== undefined) out.add(ra.requestMirrorPolicy.backendService);
  };
  action(m.defaultService, m.defaultRouteAction);
  for (const pm of m.pathMatchers ?? []) {
    action(pm.defaultService, pm.defaultRouteAction);
    for (const r of pm.pathRules ?? []) action(r.service, r.routeAction);
    for (const r of pm.routeRules ?? []) action(r.service, r.routeAction);
  }
  return [...out].sort();
}

/**
 * The backend services reachable from the visible rules, by path (sorted). `grpc` views only
 * reach services through HTTP/gRPC proxies: proxyless clients have no TCP proxying.
 */
export function reachableServices(
  res: Resources,
  view: NodeView,
  rules: readonly VisibleRule[],
): Map<string, Loaded<'backendServices'>> {
  const paths = new Set<string>();
  for (const r of rules) {
    if (r.target.kind === 'http') for (const p of urlMapServicePaths(r.target.urlMap.body)) paths.add(p);
    else if (view.kind === 'envoy') paths.add(r.target.service.path);
  }
  const out = new Map<string, Loaded<'backendServices'>>();
  for (const p of [...paths].sort()) {
    const bs = res.get('backendServices', p);
    if (bs !== undefined) out.set(p, bs);
  }
  return out;
}
