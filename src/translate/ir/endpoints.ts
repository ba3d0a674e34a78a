// Backend service → ClusterLoadAssignment IR: one locality per NEG zone, weighted by
// capacity, ranked by distance from the node's zone.
import { isIP } from 'node:net';
import type { NodeView, TranslateInput, TranslateIssue } from '../types.js';
import { compare, type Loaded, type Resources } from './resources.js';
import type { IrClusterEndpoints, IrEndpoint, IrLocality } from './types.js';

/** Locality weight units per endpoint at capacityScaler 1. */
export const WEIGHT_PER_ENDPOINT = 100;
/** Traffic Director fails open when this share of a backend service's endpoints is unhealthy. */
export const FAIL_OPEN_UNHEALTHY_FRACTION = 0.99;

const ZONE_OF_NEG = /\/zones\/([^/]+)\/networkEndpointGroups\//;

/** `us-central1-a` → `us-central1` */
export function regionOf(zone: string): string {
  const i = zone.lastIndexOf('-');
  return i > 0 ? zone.slice(0, i) : zone;
}

/** One zone's backends: capacity, RATE capacity and endpoints (deduplicated by `ip|port`). */
interface ZoneEndpoints {
  /** Endpoints × capacityScaler: the locality weight before health. */
  capacity: number;
  /** Requests per second the zone's RATE backends take (Infinity when a backend sets no rate). */
  rate: number;
  endpoints: Map<string, IrEndpoint>;
}

export function buildClusterEndpoints(
  bs: Loaded<'backendServices'>,
  input: TranslateInput,
  res: Resources,
  view: NodeView,
  issues: TranslateIssue[],
): IrClusterEndpoints {
  const zones = new Map<string, ZoneEndpoints>();
  // Without health reports every endpoint is UNKNOWN: no key to build per endpoint.
  const health = input.health.size > 0 ? input.health : undefined;
  const backends = bs.body.backends ?? [];
  for (let i = 0; i < backends.length; i++) {
    const backend = backends[i]!;
    if (backend.capacityScaler <= 0) continue; // drained
    const group = backend.group;
    const zone = ZONE_OF_NEG.exec(group)?.[1];
    const neg = res.get('networkEndpointGroups', group);
    if (zone === undefined || neg === undefined) {
      issues.push({
        resource: bs.path,
        location: `backends[${i}].group`,
        message: `'${group}' was not found: the backend is skipped`,
      });
      continue;
    }
    let entry = zones.get(zone);
    if (entry === undefined) {
      entry = { capacity: 0, rate: 0, endpoints: new Map() };
      zones.set(zone, entry);
    }
    let count = 0;
    for (const e of input.endpoints.get(group) ?? []) {
      const port = e.port > 0 ? e.port : neg.body.defaultPort;
      if (port === undefined || isIP(e.ipAddress) === 0) {
        issues.push({
          resource: group,
          location: `networkEndpoints[${e.ipAddress}:${e.port}]`,
          message:
            port === undefined
              ? 'has no port and the group has no defaultPort: the endpoint is skipped'
              : 'is not an IP address: the endpoint is skipped',
        });
        continue;
      }
      const key = `${e.ipAddress}|${port}`;
      if (entry.endpoints.has(key)) continue;
      count++;
      entry.endpoints.set(key, {
        address: e.ipAddress,
        port,
        health: health?.get(`${group}|${e.ipAddress}|${port}`) ?? 'UNKNOWN',
        source: group,
      });
    }
    entry.capacity += count * backend.capacityScaler;
    entry.rate += rateCapacity(backend, count);
  }

  let total = 0;
  let unhealthy = 0;
  for (const z of zones.values()) {
    for (const e of z.endpoints.values()) {
      total++;
      if (e.health === 'UNHEALTHY') unhealthy++;
    }
  }
  const failOpen = total > 0 && unhealthy / total >= FAIL_OPEN_UNHEALTHY_FRACTION;
  if (failOpen) for (const z of zones.values()) for (const e of z.endpoints.values()) e.health = 'UNKNOWN';

  const localities: IrLocality[] = [];
  for (const [zone, entry] of zones) {
    if (entry.endpoints.size === 0) continue;
    localities.push({
      region: regionOf(zone),
      zone,
      priority: 0,
      // Capacity that can take traffic: unhealthy endpoints carry none.
      weight: Math.max(
        1,
        Math.round(entry.capacity * usableShare(entry.endpoints.values()) * WEIGHT_PER_ENDPOINT),
      ),
      endpoints: [...entry.endpoints.values()].sort(
        (a, b) => compare(a.address, b.address) || a.port - b.port || compare(a.source, b.source),
      ),
    });
  }
  assignPriorities(localities, view.zone);
  let spill: IrClusterEndpoints['spill'];
  if (!failOpen) {
    gracefulFailover(localities, failoverThreshold(bs.body, view));
    const demand = view.zone === undefined ? 0 : (input.demand?.get(`${bs.name}|${view.zone}`) ?? 0);
    if (demand > 0) {
      const rates = new Map(
        [...zones].map(([zone, e]) => [zone, e.rate * usableShare(e.endpoints.values())]),
      );
      spill = capacitySpill(localities, rates, demand);
    }
  }
  localities.sort((a, b) => a.priority - b.priority || compare(a.zone, b.zone));
  return {
    clusterName: bs.name,
    source: bs.path,
    localities,
    ...(failOpen ? { failOpen: true as const } : {}),
    ...(spill === undefined ? {} : { spill }),
  };
}

function usableShare(endpoints: Iterable<IrEndpoint>): number {
  let usable = 0;
  let total = 0;
  for (const e of endpoints) {
    total++;
    if (e.health !== 'UNHEALTHY') usable++;
  }
  return total === 0 ? 0 : usable / total;
}

/** Requests per second a RATE backend takes (maxRate, else maxRatePerEndpoint × endpoints), scaled; Infinity otherwise. */
function rateCapacity(
  backend: {
    balancingMode: string;
    maxRate?: number | undefined;
    maxRatePerEndpoint?: number | undefined;
    capacityScaler: number;
  },
  endpoints: number,
): number {
  if (backend.balancingMode !== 'RATE') return Number.POSITIVE_INFINITY;
  const rate =
    backend.maxRate ??
    (backend.maxRatePerEndpoint === undefined ? undefined : backend.maxRatePerEndpoint * endpoints);
  return rate === undefined || rate <= 0 ? Number.POSITIVE_INFINITY : rate * backend.capacityScaler;
}

/**
 * Capacity spillover: when the node's zone asks more requests per second of the service than
 * its priority-0 localities can take (their RATE capacity), the next priority joins priority 0
 * and locality weights split the demand: each primary locality its capacity, the joining
 * localities the excess. Returns the figures, or undefined when nothing spills.
 */
export function capacitySpill(
  localities: IrLocality[],
  rateOfZone: ReadonlyMap<string, number>,
  demand: number,
): { demand: number; capacity: number } | undefined {
  const primary = localities.filter((l) => l.priority === 0);
  const next = localities.filter((l) => l.priority === 1);
  const capacity = primary.reduce((n, l) => n + (rateOfZone.get(l.zone) ?? Number.POSITIVE_INFINITY), 0);
  if (demand <= 0 || next.length === 0 || !Number.isFinite(capacity) || demand <= capacity) return undefined;
  const excess = demand - capacity;
  const nextWeight = next.reduce((n, l) => n + l.weight, 0);
  for (const l of primary)
    l.weight = Math.max(1, Math.round((rateOfZone.get(l.zone) ?? 0) * SPILL_WEIGHT_PER_RPS));
  for (const l of next)
    l.weight = Math.max(1, Math.round((excess * SPILL_WEIGHT_PER_RPS * l.weight) / nextWeight));
  for (const l of localities) if (l.priority > 0) l.priority -= 1;
  return { demand: Math.round(demand * 100) / 100, capacity: Math.round(capacity * 100) / 100 };
}

/** Locality weight units per request per second when spilling. */
const SPILL_WEIGHT_PER_RPS = 10;

/**
 * The share of unhealthy endpoints (percent) above which a priority no longer keeps its
 * traffic to itself: the backend service's failoverPolicy.failoverRatio when set, else
 * Traffic Director's defaults (50 for proxyless gRPC, 70 for Envoy).
 */
export function failoverThreshold(
  bs: { failoverPolicy?: { failoverRatio?: number | undefined } | undefined },
  view: NodeView,
): number {
  const ratio = bs.failoverPolicy?.failoverRatio;
  if (ratio !== undefined) return ratio * 100;
  return view.kind === 'grpc' ? 50 : 70;
}

/**
 * Graceful failover, done by the control plane because gRPC clients (which announce
 * envoy.lb.does_not_support_overprovisioning) only fail over when a whole priority is
 * unusable: while more than `threshold` percent of priority 0's endpoints are unhealthy —
 * but not all of them — the next priority joins priority 0, so the remaining healthy
 * primaries and the next localities share the traffic. With every primary endpoint down the
 * client fails over by itself. Later priorities move up to stay contiguous.
 */
export function gracefulFailover(localities: IrLocality[], threshold: number): void {
  for (;;) {
    if (!localities.some((l) => l.priority === 1)) return;
    const endpoints = localities.filter((l) => l.priority === 0).flatMap((l) => l.endpoints);
    const unhealthy = endpoints.filter((e) => e.health === 'UNHEALTHY').length;
    if (endpoints.length === 0 || unhealthy === endpoints.length) return;
    if ((unhealthy / endpoints.length) * 100 <= threshold) return;
    for (const l of localities) if (l.priority > 0) l.priority -= 1;
  }
}

/**
 * Priorities by distance from the node's zone: same zone, same region, elsewhere; renumbered
 * to be contiguous from 0. Without a zone, everything is priority 0.
 *
 * Seam: graceful failover (spilling to the next priority when the primary is more than
 * failoverHealthThreshold unhealthy) and capacity spill-over belong here, as a step that
 * rewrites priorities and weights from health and reported load.
 */
export function assignPriorities(localities: IrLocality[], nodeZone: string | undefined): void {
  const tier = (l: IrLocality) =>
    nodeZone === undefined ? 0 : l.zone === nodeZone ? 0 : l.region === regionOf(nodeZone) ? 1 : 2;
  const used = [...new Set(localities.map(tier))].sort((a, b) => a - b);
  for (const l of localities) l.priority = used.indexOf(tier(l));
}
