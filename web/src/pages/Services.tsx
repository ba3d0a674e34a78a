import { enc } from '../api/client';
import type { EndpointHealth } from '../api/types';
import { Badge, Empty, ErrorBox, Loading } from '../components/States';
import { Topology } from '../components/Topology';
import {
  HEALTH_TOPICS,
  type HealthSummary,
  latestRates,
  loadHealth,
  SUMMARY_TONE,
  summarize,
} from '../lib/health';
import { useInventory } from '../lib/inventory';
import { pageOf, refKey } from '../lib/refs';
import { buildGraph } from '../lib/topology';
import { useAsync } from '../lib/use-api';
import { useLive } from '../live';
import { Link, navigate, setQuery } from '../router';

export function Services({ project, network }: { project: string; network: string }) {
  const inventory = useInventory(project);
  const { samples } = useLive();
  const graph = inventory.data ? buildGraph(inventory.data, network) : undefined;
  const services = (graph?.nodes ?? [])
    .filter((n) => n.ref.collection === 'backendServices')
    .map((n) => n.label);
  const health = useAsync(
    services.length ? `health:${project}:${services.join(',')}` : null,
    () => loadHealth(project, services),
    HEALTH_TOPICS,
  );

  if (inventory.error) return <ErrorBox error={inventory.error} />;
  if (!inventory.data || !graph) return <Loading what="services" />;

  // Colours: a service by all its endpoints, a NEG by its endpoints across the services using it.
  const colours = new Map<string, HealthSummary>();
  const byNeg = new Map<string, { eps: EndpointHealth[]; checked: boolean }>();
  for (const [name, h] of health.data ?? []) {
    const checked = h.healthCheck !== null;
    colours.set(refKey({ collection: 'backendServices', name }), summarize(h.endpoints, checked, h.failOpen));
    for (const e of h.endpoints) {
      const key = `zones/${e.zone}/networkEndpointGroups/${e.group.slice(e.group.lastIndexOf('/') + 1)}`;
      const entry = byNeg.get(key) ?? { eps: [], checked: false };
      entry.eps.push(e);
      entry.checked ||= checked;
      byNeg.set(key, entry);
    }
  }
  for (const [key, { eps, checked }] of byNeg) colours.set(key, summarize(eps, checked, false));

  // Requests/s on the edges into a service (its total) and out of it (its zone's share).
  const rps = latestRates(samples);
  const nodeOf = new Map(graph.nodes.map((n) => [n.key, n]));
  const rates = new Map<string, number>();
  for (const e of graph.edges) {
    const from = nodeOf.get(e.from)!;
    const to = nodeOf.get(e.to)!;
    if (to.ref.collection === 'backendServices') rates.set(`${e.from}>${e.to}`, rps.get(to.label) ?? 0);
    if (from.ref.collection === 'backendServices')
      rates.set(`${e.from}>${e.to}`, rps.get(`${from.label}|${to.ref.zone}`) ?? 0);
  }

  const networks = inventory.data.networks.map((n) => n.name);
  return (
    <>
      <h1>Services</h1>
      <div className="toolbar">
        <label>
          Network{' '}
          <select value={network} onChange={(e) => setQuery('network', e.target.value)}>
            {(networks.includes(network) ? networks : [network, ...networks]).map((n) => (
              <option key={n}>{n}</option>
            ))}
          </select>
        </label>
        <span className="legend">
          {(['healthy', 'degraded', 'unhealthy', 'fail-open', 'unknown', 'no check'] as HealthSummary[]).map(
            (h) => (
              <Badge key={h} tone={SUMMARY_TONE[h]}>
                {h}
              </Badge>
            ),
          )}
        </span>
      </div>
      {health.error && <ErrorBox error={health.error} title="Health could not be loaded" />}
      {graph.nodes.length === 0 ? (
        <Empty title={`No forwarding rule on network '${network}' routes anywhere yet.`}>
          <p>
            Traffic enters through an <code>INTERNAL_SELF_MANAGED</code> forwarding rule. Create one with its
            chain (target proxy, URL map, backend service, NEG) and apply it:
          </p>
          <pre className="code">vane apply -f mesh.yaml --project {project}</pre>
          <p>
            Or see what exists: <Link to={`/p/${enc(project)}/forwardingRules`}>forwarding rules</Link>.
          </p>
        </Empty>
      ) : (
        <div className="scroll-x">
          <Topology
            graph={graph}
            health={colours}
            rates={rates}
            onOpen={(n) => navigate(pageOf(project, n.ref))}
          />
        </div>
      )}
    </>
  );
}
