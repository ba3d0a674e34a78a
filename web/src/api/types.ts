// The parts of API responses the console reads. Resources are otherwise kept as plain JSON.

export type Json = Record<string, unknown>;

/** Resource JSON read field by field (URL map rules, backend settings), where typing every field would not pay. */
// biome-ignore lint/suspicious/noExplicitAny: see above
export type Loose = Record<string, any>;

export interface Project {
  projectId: string;
  projectNumber: string;
  createTime: string;
}

export interface Grant {
  project: string;
  role: 'viewer' | 'editor' | 'admin' | 'proxy';
}

export interface Token {
  id: string;
  name: string;
  grants: Grant[];
  createTime: string;
  revokeTime?: string;
  /** Only in the answer to a create. */
  token?: string;
}

export interface Resource extends Json {
  name: string;
  selfLink?: string;
  zone?: string;
  description?: string;
}

export interface ListResponse<T = Resource> {
  items?: T[];
  nextPageToken?: string;
}

export type HealthState = 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN';

export interface EndpointHealth {
  group: string;
  zone: string;
  ipAddress: string;
  port: number;
  instance?: string;
  state: HealthState;
  lastProbeAt?: string;
  lastResult?: { ok: boolean; detail: string; latencyMs: number };
  lastTransitionAt?: string;
  transitions: number;
  effective: HealthState | 'DRAINED';
  why?: string;
}

export interface ServiceHealth {
  backendService: string;
  healthCheck: string | null;
  failOpen: boolean;
  endpoints: EndpointHealth[];
}

export interface LocalityLoad {
  cluster: string;
  locality: { region?: string; zone: string; subZone?: string };
  requestsPerSecond: number;
  errors: number;
  inProgress: number;
  totalRequests: number;
  reporters: number;
}

export type SyncStatus = 'SYNCED' | 'STALE' | 'NACKED' | 'NOT_SENT';

export interface ProxyType {
  typeUrl: string;
  status: SyncStatus;
  sentVersion: string;
  ackedVersion: string;
  sentAt?: string;
  subscribed: string[];
  nack?: { version: string; message: string; time: string };
}

export interface ProxyInfo {
  streamId: string;
  protocol: string;
  peer: string;
  connectedAt: string;
  node?: {
    id: string;
    kind: 'envoy' | 'grpc';
    network: string;
    locality: { zone: string };
    userAgentName: string;
    userAgentVersion: string;
  };
  types: ProxyType[];
}

export interface Refusal {
  time: string;
  nodeId: string;
  peer: string;
  codeName: string;
  reason: string;
}

export interface TranslationIssue {
  /** `projects/P/global/urlMaps/NAME` */
  resource: string;
  location: string;
  message: string;
}

/** A configuration Envoy's validation refused: it was not published. */
export interface RejectedView {
  view: Json;
  problems: string[];
  at: string;
}

export interface Finding {
  code: string;
  severity: 'error' | 'warning' | 'info' | string;
  summary: string;
  evidence?: unknown;
  fix?: string;
  subject?: string;
}
