// The contract between the configuration side (store → translation → encoded snapshots)
// and the transport side (ADS streams, CSDS): transports never translate, translation
// never sees a stream.

export const TYPE_URL = {
  listener: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  route: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
  cluster: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  endpoint: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
} as const;
export type TypeUrl = (typeof TYPE_URL)[keyof typeof TYPE_URL];

/** Push order that keeps make-before-break: clusters, then endpoints, listeners, routes. */
export const PUSH_ORDER: readonly TypeUrl[] = [
  TYPE_URL.cluster,
  TYPE_URL.endpoint,
  TYPE_URL.listener,
  TYPE_URL.route,
];

/** One resource, encoded once and shared by every stream that is sent it. */
export interface EncodedResource {
  name: string;
  typeUrl: TypeUrl;
  /** Content hash of `bytes` (stable across restarts and replicas). */
  version: string;
  /** The serialized resource message (the `value` of its google.protobuf.Any). */
  bytes: Uint8Array;
}

/** What one view of the configuration holds, per type. Immutable once published. */
export interface Snapshot {
  resources: ReadonlyMap<TypeUrl, ReadonlyMap<string, EncodedResource>>;
  /** Per type: a hash of all (name, version) pairs, the SotW `version_info`. */
  versions: ReadonlyMap<TypeUrl, string>;
  /**
   * When the first configuration change this snapshot reflects was seen (epoch ms);
   * absent for snapshots no change produced. Change-to-ACK time is measured from it.
   */
  changedAt?: number;
}

/** The node as a stream first presented it, resolved the way Traffic Director does. */
export interface NodeInfo {
  id: string;
  cluster: string;
  userAgentName: string;
  userAgentVersion: string;
  locality: { region: string; zone: string; subZone: string };
  /** node.metadata as plain JSON. */
  metadata: Record<string, unknown>;
  clientFeatures: string[];
  projectNumber: string;
  network: string;
  kind: 'envoy' | 'grpc';
}

/** A refusal that ends a stream with a gRPC status (e.g. NOT_FOUND "Requested entity was not found."). */
export class XdsRefusal extends Error {
  override readonly name = 'XdsRefusal';
  constructor(
    /** A grpc.status code. */
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * What differs between two snapshots of one view: per type, the names added, changed or
 * removed (types whose version did not change are absent). Streams that hold `from` use it
 * to evaluate only the types they subscribe names of; any other stream evaluates everything.
 */
export interface SnapshotChange {
  from: Snapshot;
  names: ReadonlyMap<TypeUrl, ReadonlySet<string>>;
}

export interface Subscription {
  /** The snapshot to serve now. */
  current(): Snapshot;
  close(): void;
}

/** Where streams get their configuration. */
export interface ConfigSource {
  /**
   * Resolves the node's view and subscribes to it; `onChange` is called (never re-entrantly)
   * whenever the view's snapshot changes, with what changed when the source knows it.
   * Throws XdsRefusal when the node cannot be served.
   */
  subscribe(
    node: NodeInfo,
    onChange: (snapshot: Snapshot, change?: SnapshotChange) => void,
  ): Promise<Subscription>;
  /** The same admission checks as `subscribe` without subscribing (LRS streams). Throws XdsRefusal. */
  check(node: NodeInfo): Promise<void>;
}
