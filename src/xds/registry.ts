// Every live xDS stream and what it was sent, acknowledged and rejected: the source for CSDS,
// the proxies API and metrics. Stream sessions own the records; the registry only indexes them.
import { status as grpcStatus } from '@grpc/grpc-js';
import type { Node } from '../gen/envoy/config/core/v3/base_pb.js';
import type { EncodedResource, NodeInfo, TypeUrl } from './types.js';

export type StreamProtocol = 'sotw' | 'delta' | 'lrs';
export type ResourceStatus = 'REQUESTED' | 'ACKED' | 'NACKED' | 'DOES_NOT_EXIST';
export type TypeSyncStatus = 'SYNCED' | 'STALE' | 'NACKED' | 'NOT_SENT';

export interface NackRecord {
  /** The version the client rejected (the one carried by the NACKed response). */
  version: string;
  nonce: string;
  message: string;
  time: number;
  /** Names carried by the rejected response. */
  resourceNames: string[];
}

/**
 * One resource's state on one stream. Records are never changed, only replaced, because the
 * common ones are shared (see `resourceRecord`).
 */
export interface ResourceRecord {
  readonly status: ResourceStatus;
  /** The version last sent ('' when never sent). */
  readonly version: string;
  readonly ackedVersion: string;
  /** The resource last sent (for CSDS `xds_config`). */
  readonly resource: EncodedResource | undefined;
  readonly nackMessage: string;
  readonly updatedAt: number;
}

/**
 * Per status, the last record made for each resource (and for none): the next stream that
 * reaches the same state within the same second shares it. A fan-out leaves thousands of
 * streams holding a resource ACKED at one version; a sidecar with every service holds
 * thousands of resources, so a record per stream and resource was most of the heap. The
 * price: `updatedAt` of shared records is to the second.
 */
type SharedStatus = Exclude<ResourceStatus, 'NACKED'>;
const SHARED: Record<SharedStatus, WeakMap<EncodedResource, ResourceRecord>> = {
  REQUESTED: new WeakMap(),
  ACKED: new WeakMap(),
  DOES_NOT_EXIST: new WeakMap(),
};
const SHARED_WITHOUT_RESOURCE = new Map<SharedStatus, ResourceRecord>();

/** A record in a state without a NACK message: shared with every equal one of this second. */
export function resourceRecord(
  status: SharedStatus,
  resource: EncodedResource | undefined,
  ackedVersion: string,
  now: number,
): ResourceRecord {
  const updatedAt = now - (now % 1000);
  const byResource = SHARED[status];
  const found = resource === undefined ? SHARED_WITHOUT_RESOURCE.get(status) : byResource.get(resource);
  if (found !== undefined && found.updatedAt === updatedAt && found.ackedVersion === ackedVersion)
    return found;
  const made: ResourceRecord = Object.freeze({
    status,
    version: resource?.version ?? '',
    ackedVersion,
    resource,
    nackMessage: '',
    updatedAt,
  });
  if (resource === undefined) SHARED_WITHOUT_RESOURCE.set(status, made);
  else byResource.set(resource, made);
  return made;
}

export interface SentRecord {
  version: string;
  nonce: string;
  time: number;
  resourceNames: string[];
  removedNames: string[];
  /** Snapshot.changedAt of the snapshot this response came from. */
  changedAt?: number;
}

/** Seconds from a configuration change to a proxy's ACK of the response it produced. */
export type ConvergenceObserver = (seconds: number, typeUrl: TypeUrl) => void;

export interface TypeRecord {
  typeUrl: TypeUrl;
  wildcard: boolean;
  names: Set<string>;
  lastSent: SentRecord | undefined;
  ackedVersion: string;
  ackedNonce: string;
  ackedAt: number;
  lastNack: NackRecord | undefined;
  resources: Map<string, ResourceRecord>;
}

export interface StreamRecord {
  id: string;
  protocol: StreamProtocol;
  peer: string;
  connectedAt: number;
  node: NodeInfo | undefined;
  nodeProto: Node | undefined;
  types: Map<TypeUrl, TypeRecord>;
  /** Bytes handed to the transport and not yet flushed. */
  pendingBytes: number;
  /** Types with a push waiting (back-pressure or not yet evaluated). */
  pending: ReadonlySet<TypeUrl>;
}

export interface Refusal {
  time: number;
  streamId: string;
  protocol: StreamProtocol;
  peer: string;
  nodeId: string;
  code: number;
  codeName: string;
  reason: string;
}

export interface TypeView {
  typeUrl: TypeUrl;
  status: TypeSyncStatus;
  wildcard: boolean;
  subscribed: string[];
  sentVersion: string;
  sentNonce: string;
  sentAt: string | undefined;
  ackedVersion: string;
  nack: { version: string; message: string; time: string } | undefined;
  resources: { name: string; status: ResourceStatus; version: string; ackedVersion: string }[];
}

export interface ProxyView {
  streamId: string;
  protocol: StreamProtocol;
  peer: string;
  connectedAt: string;
  node: NodeInfo | undefined;
  types: TypeView[];
}

export interface XdsCounters {
  streamsOpened: number;
  streamsClosed: number;
  refusals: number;
  pushes: Record<string, number>;
  nacks: number;
  acks: number;
  bytesSent: number;
  loadReports: number;
}

const MAX_REFUSALS = 100;
const CODE_NAMES = new Map<number, string>(
  Object.entries(grpcStatus)
    .filter((e): e is [string, number] => typeof e[1] === 'number')
    .map(([name, code]) => [code, name]),
);

export function newTypeRecord(typeUrl: TypeUrl): TypeRecord {
  return {
    typeUrl,
    wildcard: false,
    names: new Set(),
    lastSent: undefined,
    ackedVersion: '',
    ackedNonce: '',
    ackedAt: 0,
    lastNack: undefined,
    resources: new Map(),
  };
}

/** SYNCED: the last response was ACKed and nothing newer waits; NACKED: it was rejected. */
export function typeSyncStatus(t: TypeRecord, pending = false): TypeSyncStatus {
  if (t.lastSent === undefined) return 'NOT_SENT';
  if (t.lastNack !== undefined && t.lastNack.nonce === t.lastSent.nonce) return 'NACKED';
  if (t.ackedNonce === t.lastSent.nonce && !pending) return 'SYNCED';
  return 'STALE';
}

export class ConnectionRegistry {
  /** Called once per ACKed response that a configuration change produced. */
  readonly convergence = new Set<ConvergenceObserver>();

  readonly counters: XdsCounters = {
    streamsOpened: 0,
    streamsClosed: 0,
    refusals: 0,
    pushes: {},
    nacks: 0,
    acks: 0,
    bytesSent: 0,
    loadReports: 0,
  };
  private readonly live = new Map<string, StreamRecord>();
  private readonly refused: Refusal[] = [];
  private seq = 0;

  open(protocol: StreamProtocol, peer: string, now = Date.now()): StreamRecord {
    this.seq += 1;
    const record: StreamRecord = {
      id: `${protocol}-${this.seq}`,
      protocol,
      peer,
      connectedAt: now,
      node: undefined,
      nodeProto: undefined,
      types: new Map(),
      pendingBytes: 0,
      pending: new Set(),
    };
    this.live.set(record.id, record);
    this.counters.streamsOpened += 1;
    return record;
  }

  close(record: StreamRecord): void {
    if (this.live.delete(record.id)) this.counters.streamsClosed += 1;
  }

  refuse(
    record: Pick<StreamRecord, 'id' | 'protocol' | 'peer'>,
    nodeId: string,
    code: number,
    reason: string,
    now = Date.now(),
  ): void {
    this.refused.push({
      time: now,
      streamId: record.id,
      protocol: record.protocol,
      peer: record.peer,
      nodeId,
      code,
      codeName: CODE_NAMES.get(code) ?? String(code),
      reason,
    });
    if (this.refused.length > MAX_REFUSALS) this.refused.splice(0, this.refused.length - MAX_REFUSALS);
    this.counters.refusals += 1;
  }

  countPush(typeUrl: string, bytes: number): void {
    this.counters.pushes[typeUrl] = (this.counters.pushes[typeUrl] ?? 0) + 1;
    this.counters.bytesSent += bytes;
  }

  /** The last refused streams, oldest first (at most 100). */
  get refusals(): readonly Refusal[] {
    return this.refused;
  }

  /** Live streams (LRS streams included), in connection order. */
  streams(): StreamRecord[] {
    return [...this.live.values()];
  }

  get size(): number {
    return this.live.size;
  }

  /** Plain numbers for metrics. */
  metrics(): XdsCounters & { liveStreams: number; pendingBytes: number } {
    let pendingBytes = 0;
    for (const s of this.live.values()) pendingBytes += s.pendingBytes;
    return {
      ...this.counters,
      pushes: { ...this.counters.pushes },
      liveStreams: this.live.size,
      pendingBytes,
    };
  }

  /** A JSON-able view per proxy (ADS streams) and per type, optionally for one project. */
  view(filter: { projectNumber?: string; network?: string } = {}): ProxyView[] {
    const out: ProxyView[] = [];
    for (const s of this.live.values()) {
      if (s.protocol === 'lrs') continue;
      if (filter.projectNumber !== undefined && s.node?.projectNumber !== filter.projectNumber) continue;
      if (filter.network !== undefined && s.node?.network !== filter.network) continue;
      out.push({
        streamId: s.id,
        protocol: s.protocol,
        peer: s.peer,
        connectedAt: new Date(s.connectedAt).toISOString(),
        node: s.node,
        types: [...s.types.values()].map((t) => ({
          typeUrl: t.typeUrl,
          status: typeSyncStatus(t, s.pending.has(t.typeUrl)),
          wildcard: t.wildcard,
          subscribed: [...t.names].sort(),
          sentVersion: t.lastSent?.version ?? '',
          sentNonce: t.lastSent?.nonce ?? '',
          sentAt: t.lastSent ? new Date(t.lastSent.time).toISOString() : undefined,
          ackedVersion: t.ackedVersion,
          nack: t.lastNack
            ? {
                version: t.lastNack.version,
                message: t.lastNack.message,
                time: new Date(t.lastNack.time).toISOString(),
              }
            : undefined,
          resources: [...t.resources.entries()]
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
            .map(([name, r]) => ({
              name,
              status: r.status,
              version: r.version,
              ackedVersion: r.ackedVersion,
            })),
        })),
      });
    }
    return out;
  }
}
