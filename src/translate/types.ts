// The contract of translation: what goes in (a project's resources, endpoints and health,
// plus one proxy's view) and what comes out (Envoy v3 messages). Translation is pure and
// synchronous: no I/O, no clock, no randomness; inputs are never mutated; outputs sorted.
import type { Cluster } from '../gen/envoy/config/cluster/v3/cluster_pb.js';
import type { ClusterLoadAssignment } from '../gen/envoy/config/endpoint/v3/endpoint_pb.js';
import type { Listener } from '../gen/envoy/config/listener/v3/listener_pb.js';
import type { RouteConfiguration } from '../gen/envoy/config/route/v3/route_pb.js';
import type { Collection, NetworkEndpoint, ResourceRecord } from '../store/types.js';

export type HealthStatus = 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN';

export interface TranslateInput {
  project: { id: string; number: string };
  /** Every resource of the project, by collection. */
  resources: Partial<Record<Collection, readonly ResourceRecord[]>>;
  /** Endpoints by NEG path (`projects/P/zones/Z/networkEndpointGroups/N`). */
  endpoints: ReadonlyMap<string, readonly NetworkEndpoint[]>;
  /**
   * Health by endpoint key `<negPath>|<ip>|<port>`; absent means UNKNOWN (used as healthy).
   * Filled by the health checker; translation only reads it.
   */
  health: ReadonlyMap<string, HealthStatus>;
  /**
   * Requests per second that clients in a zone send to a backend service, keyed
   * `<backendServiceName>|<zone>` (from load reports). Drives capacity spillover; absent
   * means no load is known.
   */
  demand?: ReadonlyMap<string, number>;
}

/** Everything about one proxy that changes what it is sent. Proxies with equal views share one translation. */
export interface NodeView {
  projectNumber: string;
  /** Network name (the `NET` of `projects/N/networks/NET/nodes/UUID`). */
  network: string;
  kind: 'envoy' | 'grpc';
  /** node.locality.zone, e.g. `us-central1-a`; ranks localities for failover. */
  zone?: string;
  /** String-valued node metadata: what metadataFilters match against. */
  metadata: Readonly<Record<string, string>>;
  /** TRAFFICDIRECTOR_INTERCEPTION_PORT: absent means no outbound interception listener. */
  interceptionPort?: number;
  /** TRAFFICDIRECTOR_INBOUND_INTERCEPTION_PORT */
  inboundInterceptionPort?: number;
  /** TRAFFICDIRECTOR_INBOUND_BACKEND_PORTS */
  inboundBackendPorts: readonly number[];
  /** TRAFFICDIRECTOR_ACCESS_LOG_PATH */
  accessLogPath?: string;
  /** TRAFFICDIRECTOR_ENABLE_TRACING === "true" */
  enableTracing: boolean;
}

/** A user error found while translating, with the resource and field that caused it. */
export interface TranslateIssue {
  /** `projects/P/global/urlMaps/NAME` */
  resource: string;
  location: string;
  message: string;
}

/** Listeners, routes and clusters: recomputed when configuration changes. */
export interface ConfigOutput {
  listeners: Listener[];
  routes: RouteConfiguration[];
  clusters: Cluster[];
  issues: TranslateIssue[];
}

/** ClusterLoadAssignments: recomputed alone when endpoints or health change. */
export interface EndpointsOutput {
  endpoints: ClusterLoadAssignment[];
  issues: TranslateIssue[];
}
