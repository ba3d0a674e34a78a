import type {
  Change,
  Collection,
  EndpointPage,
  GuestAttribute,
  NetworkEndpoint,
  ProjectRecord,
  ResourceRecord,
  Scope,
  TokenRecord,
} from './types.js';

/** Reads: the same on the store (last committed state) and inside a write transaction (its own writes included). */
export interface StoreReader {
  /** Store-wide revision of the last committed change (0 for an empty store). */
  revision(): Promise<number>;

  getProject(id: string): Promise<ProjectRecord | undefined>;
  getProjectByNumber(projectNumber: string): Promise<ProjectRecord | undefined>;
  listProjects(): Promise<ProjectRecord[]>;

  /** `path` is `projects/P/<scope>/<collection>/<name>`. */
  getResource(path: string): Promise<ResourceRecord | undefined>;
  /** Sorted by scope then name. `scope` undefined lists every scope (aggregated list). */
  listResources(project: string, collection: Collection, scope?: Scope): Promise<ResourceRecord[]>;
  /** Paths of the resources whose stored references include `path`, sorted. */
  referrers(path: string): Promise<string[]>;

  countEndpoints(negPath: string): Promise<number>;
  /** Sorted by (ipAddress, port, instance); `after` is exclusive. */
  listEndpoints(negPath: string, opts: { after?: NetworkEndpoint; limit: number }): Promise<EndpointPage>;

  /** Sorted by (namespace, key). `namespace` filters to one namespace. */
  getGuestAttributes(instancePath: string, namespace?: string): Promise<GuestAttribute[]>;

  findTokenByHash(hash: string): Promise<TokenRecord | undefined>;
  listTokens(): Promise<TokenRecord[]>;

  /** Changes with revision > `revision`, oldest first. */
  changesSince(revision: number, limit?: number): Promise<Change[]>;
}

/** Writes inside one transaction. Every write records change events under the transaction's revision. */
export interface StoreTx extends StoreReader {
  /** Throws StoreConflictError when the id or number is taken. */
  createProject(project: ProjectRecord): Promise<void>;
  /** Removes the project and everything in it (resources, endpoints, guest attributes, references). */
  deleteProject(id: string): Promise<boolean>;

  /**
   * Inserts or replaces a resource and replaces its outgoing references with `refs`
   * (paths of the resources it uses). `revision` is assigned by the store.
   */
  putResource(record: Omit<ResourceRecord, 'revision'>, refs: string[]): Promise<void>;
  /** Removes a resource, its references, its endpoints (NEG) or guest attributes (instance). */
  deleteResource(path: string): Promise<boolean>;

  /** Adds endpoints not already attached; returns how many were added. */
  attachEndpoints(negPath: string, endpoints: NetworkEndpoint[]): Promise<number>;
  /** Removes attached endpoints; returns how many were removed. */
  detachEndpoints(negPath: string, endpoints: NetworkEndpoint[]): Promise<number>;

  /** Upserts each (namespace, key). */
  setGuestAttributes(instancePath: string, attributes: Omit<GuestAttribute, 'updatedAt'>[]): Promise<void>;
  /** Deletes one key, one namespace, or (both undefined) all of an instance's attributes. */
  deleteGuestAttributes(instancePath: string, namespace?: string, key?: string): Promise<number>;

  putToken(token: TokenRecord): Promise<void>;
  revokeToken(id: string, at: string): Promise<boolean>;
}

export interface Store extends StoreReader {
  readonly driver: 'sqlite' | 'postgres';
  /**
   * Runs `fn` in a transaction that is serialised against every other writer (across
   * processes too). It commits when `fn` resolves and rolls back when it throws.
   * A transaction that wrote anything takes the next store revision; subscribers
   * receive its changes after the commit.
   */
  write<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;
  /** Called with each committed transaction's changes, in revision order, from any process sharing the store. */
  subscribe(listener: (changes: Change[]) => void): () => void;
  close(): Promise<void>;
}

export class StoreConflictError extends Error {
  override readonly name = 'StoreConflictError';
}

export function isStoreConflictError(err: unknown): err is StoreConflictError {
  return err instanceof Error && err.name === 'StoreConflictError';
}
