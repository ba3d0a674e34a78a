// The answer of `vane explain`: each step of one request's routing decision, with the user
// object it came from and, for the alternatives that did not match, why.
import type { ExplainRequest } from './request.js';

/** Something that was considered and not taken. */
export interface Rejected {
  name: string;
  /** The user object it came from (`projects/P/global/forwardingRules/r`), when known. */
  source?: string;
  why: string;
}

export interface ListenerStep {
  /** Envoy listener name: `host:port` (proxyless) or TRAFFICDIRECTOR_INTERCEPTION_LISTENER. */
  name: string;
  /** Sidecar: the filter chain (named after its forwarding rule) and what it matches. */
  filterChain?: { name: string; match: string };
  forwardingRule?: string;
  targetProxy?: string;
  urlMap?: string;
  /** RDS name, or the cluster of a TCP proxy chain. */
  routeConfig?: string;
  tcpCluster?: string;
  rejected: Rejected[];
}

export interface VirtualHostStep {
  name: string;
  source?: string;
  /** The authority matched against domains. */
  authority: string;
  matchedDomain: string;
  domains: string[];
  rejected: Rejected[];
}

export interface RouteStep {
  /** Position in the virtual host (first match wins). */
  index: number;
  /** The route name: its source, `projects/P/global/urlMaps/m/pathMatchers[0]/routeRules[2]/matchRules[0]`. */
  source: string;
  priority?: number;
  match: string;
  why: string;
  /** Earlier routes, in order, with why each did not match; also rules not sent to this node. */
  skipped: Rejected[];
}

export interface WeightedTarget {
  cluster: string;
  source?: string;
  weight: number;
  /** Share of requests, percent (weights need not add up to 100). */
  percent: number;
}

export type ActionStep =
  | { kind: 'cluster'; cluster: string; source?: string; notes: string[] }
  | { kind: 'weighted'; clusters: WeightedTarget[]; notes: string[] }
  | { kind: 'redirect'; redirect: string; notes: string[] };

export interface EndpointStep {
  address: string;
  port: number;
  /** As sent: HEALTHY, UNHEALTHY, UNKNOWN (gRPC and Envoy use HEALTHY and UNKNOWN). */
  health: string;
  /** The NEG it is attached to. */
  source?: string;
  why: string;
}

export interface LocalityStep {
  region: string;
  zone: string;
  subZone: string;
  priority: number;
  weight: number;
  why: string;
  endpoints: EndpointStep[];
}

export interface ClusterStep {
  name: string;
  source?: string;
  lbPolicy?: string;
  notes: string[];
  localities: LocalityStep[];
  /** Backends that send nothing (drained, no endpoints) and why. */
  excluded: Rejected[];
}

export type Outcome = 'ROUTED' | 'REDIRECTED' | 'NO_LISTENER' | 'NO_VIRTUAL_HOST' | 'NO_ROUTE' | 'NO_CLUSTER';

export interface Explanation {
  kind: 'vane#explanation';
  request: ExplainRequest & { authority: string };
  node: {
    id?: string;
    kind: 'envoy' | 'grpc';
    network: string;
    zone?: string;
    labels: Record<string, string>;
  };
  outcome: Outcome;
  /** When not routed: why, in one sentence. */
  reason?: string;
  listener?: ListenerStep;
  virtualHost?: VirtualHostStep;
  route?: RouteStep;
  action?: ActionStep;
  clusters: ClusterStep[];
  /** Caveats: RE2 evaluated as JS, translation issues on the objects involved. */
  notes: string[];
}
