// Why a forwarding rule does not give this node a listener for the request: the visibility
// rules of translation (scheme, network, metadataFilters, port) and the URL map's hosts,
// checked one by one so the answer names the rule and the condition that failed.
import { forwardingRulePort } from '../../model/kinds/forwarding-rule.js';
import { authorities } from '../../translate/ir/listeners.js';
import { collectionOf, nameOf, type Resources } from '../../translate/ir/resources.js';
import { type MetadataFilter, metadataFiltersMatch } from '../../translate/ir/visibility.js';
import type { NodeView, TranslateIssue } from '../../translate/types.js';
import type { Rejected } from './types.js';

export interface RuleReason {
  rule: string;
  port: number | undefined;
  why: string | undefined;
}

export interface Wanted {
  /** Proxyless: the authority's host; sidecar: the destination IP. */
  host: string;
  port: number;
}

/** For every forwarding rule of the project, why it does not serve `want` to the node (undefined: it would). */
export function ruleReasons(
  res: Resources,
  view: NodeView,
  want: Wanted,
  issues: readonly TranslateIssue[],
): RuleReason[] {
  return res.list('forwardingRules').map((fr) => ({
    rule: fr.path,
    port: forwardingRulePort(fr.body),
    why: reason(fr.path),
  }));

  function reason(path: string): string | undefined {
    const body = res.get('forwardingRules', path)!.body;
    if (body.loadBalancingScheme !== 'INTERNAL_SELF_MANAGED')
      return `loadBalancingScheme is ${body.loadBalancingScheme}, not INTERNAL_SELF_MANAGED`;
    if (collectionOf(body.network) !== 'networks' || nameOf(body.network) !== view.network)
      return `is in network '${nameOf(body.network)}', the node in '${view.network}'`;
    if (!metadataFiltersMatch(body.metadataFilters, view.metadata))
      return `metadataFilters ${describeFilters(body.metadataFilters ?? [])} do not match the node's labels ${describeLabels(body.metadataFilters ?? [], view.metadata)}`;
    const port = forwardingRulePort(body);
    if (port === undefined) return `portRange '${body.portRange ?? ''}' is not a single port`;
    if (port !== want.port) return `listens on port ${port}, not ${want.port}`;
    const kind = collectionOf(body.target);
    if (view.kind === 'grpc') {
      if (kind === 'targetTcpProxies') return 'targets a TCP proxy: proxyless clients get no listener for it';
      const proxy =
        kind === 'targetGrpcProxies' || kind === 'targetHttpProxies' ? res.get(kind, body.target) : undefined;
      const urlMap = proxy === undefined ? undefined : res.get('urlMaps', proxy.body.urlMap);
      if (urlMap === undefined) return `its target ${body.target} or that proxy's URL map was not found`;
      const hosts = (urlMap.body.hostRules ?? []).flatMap((hr) => hr.hosts);
      const served = hosts.some((h) => authorities(h.toLowerCase(), port).includes(authority(want)));
      if (!served)
        return `URL map ${urlMap.name} has no host rule for '${authority(want)}' (hosts: ${hosts.join(', ') || 'none'})`;
    } else if (body.IPAddress !== '0.0.0.0' && body.IPAddress !== want.host) {
      return `VIP is ${body.IPAddress}, not ${want.host}`;
    }
    const issue = issues.find((i) => i.resource === path || i.resource === body.target);
    if (issue !== undefined) return `${issue.location}: ${issue.message}`;
    return undefined;
  }
}

function authority(w: Wanted): string {
  return `${w.host}:${w.port}`;
}

function describeFilters(filters: readonly MetadataFilter[]): string {
  return filters
    .map((f) => `${f.filterMatchCriteria}(${f.filterLabels.map((l) => `${l.name}=${l.value}`).join(', ')})`)
    .join(' and ');
}

function describeLabels(
  filters: readonly MetadataFilter[],
  metadata: Readonly<Record<string, string>>,
): string {
  const names = [...new Set(filters.flatMap((f) => f.filterLabels.map((l) => l.name)))];
  return `(${names.map((n) => `${n}=${Object.hasOwn(metadata, n) ? metadata[n] : '<unset>'}`).join(', ')})`;
}

/** One sentence for the whole: the most telling reason first. */
export function noListenerReason(view: NodeView, want: Wanted, reasons: readonly RuleReason[]): string {
  const target = `${want.host}:${want.port}`;
  if (view.kind === 'envoy' && view.interceptionPort === undefined)
    return 'the node sets no TRAFFICDIRECTOR_INTERCEPTION_PORT, so it gets no outbound interception listener';
  const inNetwork = reasons.filter(
    (r) => !r.why?.startsWith('is in network') && !r.why?.startsWith('loadBalancingScheme'),
  );
  if (inNetwork.length === 0)
    return `no INTERNAL_SELF_MANAGED forwarding rule exists in network '${view.network}'`;
  const visible = inNetwork.filter((r) => !r.why?.startsWith('metadataFilters'));
  const onPort = visible.filter(
    (r) => !r.why?.startsWith('listens on port') && !r.why?.startsWith('portRange'),
  );
  if (onPort.length === 0) {
    // Rules on the port that metadataFilters hide are the likely surprise: name them.
    const hidden = inNetwork.filter((r) => r.why?.startsWith('metadataFilters') && r.port === want.port);
    return hidden.length > 0
      ? `no forwarding rule on port ${want.port} in network '${view.network}' is visible to this node: ${hidden.map((r) => `${nameOf(r.rule)} ${r.why}`).join('; ')}`
      : `no forwarding rule on port ${want.port} in network '${view.network}'`;
  }
  const first = onPort[0]!;
  return first.why === undefined
    ? `forwarding rule ${nameOf(first.rule)} should serve ${target}, yet the node has no listener for it`
    : `no forwarding rule serves ${target} to this node: ${nameOf(first.rule)} ${first.why}`;
}

/** The rejected rules, for the trace. */
export function rejectedRules(reasons: readonly RuleReason[]): Rejected[] {
  return reasons
    .filter((r) => r.why !== undefined)
    .map((r) => ({ name: nameOf(r.rule), source: r.rule, why: r.why! }));
}
