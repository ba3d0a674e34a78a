// Shared reading of a project's mesh: which forwarding rules exist where, and which backend
// services something routes to. Built on translation's own resource access.
import { forwardingRulePort } from '../../model/kinds/forwarding-rule.js';
import { type Loaded, nameOf, Resources } from '../../translate/ir/resources.js';
import { urlMapServicePaths } from '../../translate/ir/visibility.js';
import type { NodeView, TranslateInput } from '../../translate/types.js';
import { nodeViewOf } from '../../xds/cache/node-view.js';
import type { NodeInfo } from '../../xds/types.js';

export interface Mesh {
  res: Resources;
  /** INTERNAL_SELF_MANAGED forwarding rules, sorted by path. */
  rules: readonly Loaded<'forwardingRules'>[];
  /** Network name → names of its mesh forwarding rules. */
  rulesByNetwork: ReadonlyMap<string, string[]>;
  /** Backend service path → the URL maps and TCP proxies that name it. */
  usedBy: ReadonlyMap<string, string[]>;
}

export function readMesh(input: TranslateInput): Mesh {
  const res = Resources.of(input);
  const rules = res
    .list('forwardingRules')
    .filter((r) => r.body.loadBalancingScheme === 'INTERNAL_SELF_MANAGED');
  const rulesByNetwork = new Map<string, string[]>();
  for (const r of rules) {
    const net = nameOf(r.body.network);
    rulesByNetwork.set(net, [...(rulesByNetwork.get(net) ?? []), r.name]);
  }
  const usedBy = new Map<string, string[]>();
  const use = (service: string, user: string) => usedBy.set(service, [...(usedBy.get(service) ?? []), user]);
  for (const m of res.list('urlMaps')) for (const s of urlMapServicePaths(m.body)) use(s, m.path);
  for (const p of res.list('targetTcpProxies')) use(p.body.service, p.path);
  return { res, rules, rulesByNetwork, usedBy };
}

/** The ports of the mesh forwarding rules that target `proxyPath`. */
export function rulePortsOf(mesh: Mesh, proxyPath: string): number[] {
  const ports = new Set<number>();
  for (const r of mesh.rules) {
    const port = forwardingRulePort(r.body);
    if (r.body.target === proxyPath && port !== undefined) ports.add(port);
  }
  return [...ports].sort((a, b) => a - b);
}

/** `projects/P/global/urlMaps/m` → `urlMaps/m`, for short evidence lines. */
export function short(path: string): string {
  const parts = path.split('/');
  return parts.slice(-2).join('/');
}

/** The node's view with every metadata key it sent, so metadataFilters match as they do for it. */
export function viewOfNode(node: NodeInfo): NodeView {
  return nodeViewOf(node, new Set(Object.keys(node.metadata)));
}
