// Proxies that asked for a network's configuration where no mesh forwarding rule exists (Vane
// refuses their streams), and connected proxies that see no forwarding rule at all because
// metadataFilters hide every rule from them.

import { SERVER_LISTENER_PREFIX } from '../../translate/ir/server.js';
import { visibleRules } from '../../translate/ir/visibility.js';
import { TYPE_URL } from '../../xds/types.js';
import { type Finding, finding } from '../finding.js';
import type { AnalysisInput } from './input.js';
import { type Mesh, short, viewOfNode } from './mesh.js';

const NOT_FOUND_FOR_NETWORK = /configuration was not found for network "([^"]*)"/;

export function networkFindings(input: AnalysisInput, mesh: Mesh): Finding[] {
  const affected = new Map<string, { nodes: Set<string>; evidence: string[] }>();
  const note = (network: string, node: string, line: string) => {
    const entry = affected.get(network) ?? { nodes: new Set<string>(), evidence: [] };
    if (!entry.nodes.has(node)) entry.evidence.push(line);
    entry.nodes.add(node);
    affected.set(network, entry);
  };
  for (const r of input.refusals) {
    const network = NOT_FOUND_FOR_NETWORK.exec(r.reason)?.[1];
    // Refusals are kept for a while: one whose network has rules by now is history.
    if (network === undefined || mesh.rulesByNetwork.has(network)) continue;
    note(
      network,
      r.nodeId,
      `refused ${new Date(r.time).toISOString()}: ${r.nodeId} (${r.codeName}: ${r.reason})`,
    );
  }
  for (const p of input.proxies) {
    if (p.node === undefined || mesh.rulesByNetwork.has(p.node.network)) continue;
    note(
      p.node.network,
      p.node.id,
      `connected: ${p.node.id} (stream ${p.streamId}), but the network has no rule any more`,
    );
  }

  const withRules = [...mesh.rulesByNetwork].map(([net, rules]) => `${net} (${rules.join(', ')})`);
  const networks = new Set((input.config.resources.networks ?? []).map((n) => n.name));
  const out: Finding[] = [];
  for (const [network, { nodes, evidence }] of [...affected].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const list = [...nodes].sort();
    out.push(
      finding(
        'CONFIG_NOT_FOUND_FOR_NETWORK',
        `${list.length} ${list.length === 1 ? 'proxy asks' : 'proxies ask'} for network "${network}", which has no INTERNAL_SELF_MANAGED forwarding rule`,
        [
          ...evidence,
          networks.has(network)
            ? `network "${network}" exists in the project but no mesh forwarding rule uses it`
            : `network "${network}" does not exist in the project`,
          withRules.length > 0
            ? `networks with mesh forwarding rules: ${withRules.join('; ')}`
            : 'no network of the project has a mesh forwarding rule',
        ],
        {
          subject: `networks/${network}`,
          fix:
            withRules.length > 0
              ? `set the bootstrap's network to one of: ${[...mesh.rulesByNetwork.keys()].join(', ')} (TRAFFICDIRECTOR_NETWORK_NAME / --vpc-network-name), or create an INTERNAL_SELF_MANAGED forwarding rule in "${network}"`
              : `create an INTERNAL_SELF_MANAGED forwarding rule in network "${network}"`,
        },
      ),
    );
  }
  return [...out, ...hiddenRules(input, mesh)];
}

/** Connected proxies to which metadataFilters leave no forwarding rule. */
function hiddenRules(input: AnalysisInput, mesh: Mesh): Finding[] {
  const out: Finding[] = [];
  for (const p of input.proxies) {
    const node = p.node;
    if (node === undefined || !mesh.rulesByNetwork.has(node.network)) continue;
    const view = viewOfNode(node);
    if (view.kind === 'grpc' && !asksForClientListener(p.types)) continue;
    const visible = visibleRules(mesh.res, view, []).filter(
      (r) => view.kind === 'envoy' || r.target.kind === 'http',
    );
    if (visible.length > 0) continue;
    const inNetwork = mesh.rules.filter((r) => r.body.network.endsWith(`/networks/${node.network}`));
    out.push(
      finding(
        'PROXY_NO_VISIBLE_RULES',
        `proxy ${node.id} is connected but sees none of the ${inNetwork.length} forwarding rules of network "${node.network}"`,
        [
          ...inNetwork.map(
            (r) =>
              `${short(r.path)}: ${r.body.metadataFilters?.length ? `metadataFilters ${JSON.stringify(r.body.metadataFilters)}` : `target ${short(r.body.target)}${view.kind === 'grpc' ? ' (proxyless clients are served only through HTTP/gRPC proxies)' : ''}`}`,
          ),
          `node metadata: ${JSON.stringify(view.metadata)}`,
        ],
        { subject: node.id },
      ),
    );
  }
  return out;
}

/** Whether a gRPC node dials through the mesh: a proxyless server asks only for server listeners. */
function asksForClientListener(types: readonly { typeUrl: string; subscribed: string[] }[]): boolean {
  const lds = types.find((t) => t.typeUrl === TYPE_URL.listener);
  return lds?.subscribed.some((n) => !n.startsWith(SERVER_LISTENER_PREFIX)) ?? false;
}
