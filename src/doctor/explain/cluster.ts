// A cluster and its ClusterLoadAssignment as sent to this node, each locality and endpoint
// with the reason for its priority, weight and health: the decisions endpoint translation
// makes (distance ranking, graceful failover, capacity spillover, fail-open, drained).
import type { ClusterLoadAssignment } from '../../gen/envoy/config/endpoint/v3/endpoint_pb.js';
import {
  FAIL_OPEN_UNHEALTHY_FRACTION,
  failoverThreshold,
  regionOf,
  WEIGHT_PER_ENDPOINT,
} from '../../translate/ir/endpoints.js';
import type { Resources } from '../../translate/ir/resources.js';
import type { IrCluster, IrClusterEndpoints } from '../../translate/ir/types.js';
import type { NodeView, TranslateInput } from '../../translate/types.js';
import type { ClusterStep, LocalityStep, Rejected } from './types.js';

const HEALTH = ['UNKNOWN', 'HEALTHY', 'UNHEALTHY', 'DRAINING', 'TIMEOUT', 'DEGRADED'];

export interface ClusterContext {
  input: TranslateInput;
  res: Resources;
  view: NodeView;
  /** Last probe result of an endpoint (`<neg>|<ip>|<port>`), when the health checker knows it. */
  healthDetail?: ((key: string) => string | undefined) | undefined;
}

export function explainCluster(
  name: string,
  cla: ClusterLoadAssignment | undefined,
  ir: { cluster?: IrCluster | undefined; endpoints?: IrClusterEndpoints | undefined },
  ctx: ClusterContext,
): ClusterStep {
  const source = ir.cluster?.source;
  const bs = source === undefined ? undefined : ctx.res.get('backendServices', source);
  const notes: string[] = [];
  if (ir.cluster !== undefined) {
    notes.push(`load balancing ${ir.cluster.lbPolicy}`);
    if (ir.cluster.panicThreshold !== undefined)
      notes.push(
        `healthy_panic_threshold ${ir.cluster.panicThreshold} %: below that share of healthy endpoints the proxy ignores health`,
      );
  }
  const checked = bs?.body.healthChecks?.[0];
  if (bs !== undefined && checked === undefined) notes.push('no health check of its own');
  const failOpen = ir.endpoints?.failOpen === true;
  if (failOpen)
    notes.push(
      `fail-open: at least ${FAIL_OPEN_UNHEALTHY_FRACTION * 100} % of the endpoints are unhealthy, so health is ignored and all are sent as UNKNOWN`,
    );
  const spill = ir.endpoints?.spill;
  if (spill !== undefined)
    notes.push(
      `capacity spillover: the node's zone asks ${spill.demand} rps, its closest localities take ${spill.capacity} rps`,
    );
  if (cla === undefined && ir.cluster?.discovery === 'EDS')
    notes.push('no ClusterLoadAssignment is sent for it');

  const ranks = rankOf(
    (cla?.endpoints ?? []).map((l) => l.locality?.zone ?? ''),
    ctx.view.zone,
  );
  const threshold = bs === undefined ? undefined : failoverThreshold(bs.body, ctx.view);
  const localities: LocalityStep[] = (cla?.endpoints ?? []).map((l) => {
    const zone = l.locality?.zone ?? '';
    const distance = ranks.get(zone) ?? 0;
    let why = distanceWhy(zone, ctx.view.zone);
    if (l.priority < distance) {
      why +=
        spill !== undefined
          ? `; moved up to priority ${l.priority} by capacity spillover`
          : `; moved up to priority ${l.priority} by graceful failover (more than ${threshold ?? '?'} % of the closer endpoints are unhealthy)`;
    }
    why +=
      spill === undefined
        ? `; weight: ${WEIGHT_PER_ENDPOINT} per usable endpoint × capacityScaler`
        : '; weight: its share of the spilled demand';
    return {
      region: l.locality?.region ?? '',
      zone,
      subZone: l.locality?.subZone ?? '',
      priority: l.priority,
      weight: l.loadBalancingWeight ?? 0,
      why,
      endpoints: l.lbEndpoints.map((e) => {
        const sa = e.hostIdentifier.case === 'endpoint' ? e.hostIdentifier.value : undefined;
        const socket = sa?.address?.address.case === 'socketAddress' ? sa.address.address.value : undefined;
        const address = socket?.address ?? '';
        const port = socket?.portSpecifier.case === 'portValue' ? socket.portSpecifier.value : 0;
        const irEp = ir.endpoints?.localities
          .find((x) => x.zone === zone)
          ?.endpoints.find((x) => x.address === address && x.port === port);
        const health = HEALTH[e.healthStatus] ?? String(e.healthStatus);
        return {
          address,
          port,
          health,
          ...(irEp === undefined ? {} : { source: irEp.source }),
          why: endpointWhy(health, irEp?.source, address, port, {
            checked: checked !== undefined,
            failOpen,
            ctx,
          }),
        };
      }),
    };
  });
  return {
    name,
    ...(source === undefined ? {} : { source }),
    ...(ir.cluster === undefined ? {} : { lbPolicy: ir.cluster.lbPolicy }),
    notes,
    localities,
    excluded: bs === undefined ? [] : excludedBackends(bs.body.backends ?? [], ctx),
  };
}

function endpointWhy(
  health: string,
  neg: string | undefined,
  address: string,
  port: number,
  o: { checked: boolean; failOpen: boolean; ctx: ClusterContext },
): string {
  // Health is per endpoint: another backend service's check of the same NEG counts too.
  const key = `${neg ?? ''}|${address}|${port}`;
  const state = o.ctx.input.health.get(key);
  if (state === undefined)
    return o.checked
      ? 'the health check has not decided yet: UNKNOWN, used'
      : 'no health check: UNKNOWN, used';
  const detail = o.ctx.healthDetail?.(key);
  const probe = detail === undefined ? '' : ` (last probe: ${detail})`;
  const whose = o.checked ? '' : " (another backend service's check of this NEG)";
  if (o.failOpen) return `health check says ${state}${probe}${whose}; sent as ${health} because of fail-open`;
  return `health check says ${state}${probe}${whose}${health === 'UNHEALTHY' ? ': not used' : ''}`;
}

/** Distance tiers like translation's assignPriorities: same zone, same region, elsewhere. */
function rankOf(zones: string[], nodeZone: string | undefined): Map<string, number> {
  const tier = (z: string) =>
    nodeZone === undefined ? 0 : z === nodeZone ? 0 : regionOf(z) === regionOf(nodeZone) ? 1 : 2;
  const used = [...new Set(zones.map(tier))].sort((a, b) => a - b);
  return new Map(zones.map((z) => [z, used.indexOf(tier(z))]));
}

function distanceWhy(zone: string, nodeZone: string | undefined): string {
  if (nodeZone === undefined || nodeZone === '') return 'the node sets no zone: every locality is priority 0';
  if (zone === nodeZone) return "the node's own zone";
  if (regionOf(zone) === regionOf(nodeZone)) return `same region (${regionOf(zone)}) as the node`;
  return `another region than the node's (${regionOf(nodeZone)})`;
}

/** Backends that contribute nothing: drained (capacityScaler 0), unknown group, no endpoints. */
function excludedBackends(
  backends: readonly { group: string; capacityScaler: number }[],
  ctx: ClusterContext,
): Rejected[] {
  const out: Rejected[] = [];
  for (const b of backends) {
    if (b.capacityScaler <= 0)
      out.push({ name: b.group, source: b.group, why: 'capacityScaler is 0: drained' });
    else if (ctx.res.get('networkEndpointGroups', b.group) === undefined)
      out.push({ name: b.group, source: b.group, why: 'the group was not found' });
    else if ((ctx.input.endpoints.get(b.group) ?? []).length === 0)
      out.push({ name: b.group, source: b.group, why: 'no endpoints are attached' });
  }
  return out;
}
