// The store's vocabulary. Records hold API bodies already validated and
// normalised by api/; the store only persists, indexes and reports changes.

/** URL segment of a resource collection, as in the Compute API. */
export type Collection =
  | 'networks'
  | 'healthChecks'
  | 'backendServices'
  | 'urlMaps'
  | 'targetHttpProxies'
  | 'targetGrpcProxies'
  | 'targetTcpProxies'
  | 'forwardingRules'
  | 'networkEndpointGroups'
  | 'instances';

/** What a change event is about: a resource collection or one of the non-resource tables. */
export type ChangeKind = Collection | 'projects' | 'networkEndpoints' | 'guestAttributes';

export interface ProjectRecord {
  /** projectId: used in API paths. */
  id: string;
  /** projectNumber: used by proxies (node id, TRAFFICDIRECTOR_GCP_PROJECT_NUMBER). */
  number: string;
  createdAt: string;
}

/**
 * Scope of a resource: `global` or `zones/<zone>`.
 * A resource's path is `projects/<project>/<scope>/<collection>/<name>`.
 */
export type Scope = string;

export interface ResourceRecord {
  project: string;
  collection: Collection;
  scope: Scope;
  name: string;
  /** Numeric string, unique across the store. */
  id: string;
  /** The normalised API body without output-only fields (kind, id, selfLink, creationTimestamp, fingerprint). */
  body: Record<string, unknown>;
  fingerprint: string;
  creationTimestamp: string;
  /** Store revision of the transaction that last wrote this resource. */
  revision: number;
}

export interface NetworkEndpoint {
  ipAddress: string;
  port: number;
  /** Instance name in the NEG's zone, or '' when the endpoint names none. */
  instance: string;
}

export interface GuestAttribute {
  namespace: string;
  key: string;
  value: string;
  updatedAt: string;
}

export type Role = 'viewer' | 'editor' | 'admin' | 'proxy';

export interface RoleGrant {
  /** A project id, or '*' for every project (the admin token). */
  project: string;
  role: Role;
}

export interface TokenRecord {
  id: string;
  name: string;
  /** Hex SHA-256 of the secret; the secret itself is never stored. */
  hash: string;
  grants: RoleGrant[];
  createdAt: string;
  revokedAt: string | null;
}

export interface Change {
  revision: number;
  kind: ChangeKind;
  project: string;
  /** `global`, `zones/<zone>`, or '' for projects. */
  scope: Scope;
  /** Resource name; for networkEndpoints the NEG, for guestAttributes the instance, for projects the project id. */
  name: string;
  op: 'upsert' | 'delete';
}

export interface EndpointPage {
  items: NetworkEndpoint[];
  /** Present when more items follow: pass it back as `after`. */
  next?: NetworkEndpoint;
}

export function resourcePath(project: string, scope: Scope, collection: Collection, name: string): string {
  return `projects/${project}/${scope}/${collection}/${name}`;
}
