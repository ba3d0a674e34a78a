// What SotW and delta ADS streams share: node identification on the first request, the
// subscription to the ConfigSource, a serialized request queue, per-type push scheduling in
// PUSH_ORDER, nonces and back-pressure (one merged pending push per stream).
import { randomBytes } from 'node:crypto';
import { type ServerDuplexStream, status } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { Node } from '../gen/envoy/config/core/v3/base_pb.js';
import { identifyNode } from './node.js';
import {
  type ConnectionRegistry,
  newTypeRecord,
  resourceRecord,
  type StreamProtocol,
  type StreamRecord,
  type TypeRecord,
} from './registry.js';
import {
  type ConfigSource,
  type EncodedResource,
  PUSH_ORDER,
  type Snapshot,
  type SnapshotChange,
  type Subscription,
  TYPE_URL,
  type TypeUrl,
  XdsRefusal,
} from './types.js';

/** Limits that protect the server from slow or hostile clients. */
export interface XdsLimits {
  /** Largest request accepted (grpc.max_receive_message_length); default 4 MiB. */
  maxReceiveMessageBytes?: number;
  /** A stream that has not drained its writes for this long ends with RESOURCE_EXHAUSTED; default 60. */
  drainTimeoutSeconds?: number;
  /**
   * A stream still holding more unflushed bytes than this when a newer push is waiting ends with
   * RESOURCE_EXHAUSTED; keep it well above the largest response. Default 64 MiB.
   */
  maxBufferedBytes?: number;
  /** Pushes wait (and merge) while more than this many bytes are unflushed; default 1 MiB. */
  softBufferedBytes?: number;
  /** Live ADS/LRS streams accepted at once; more are refused with RESOURCE_EXHAUSTED. Default unlimited. */
  maxStreams?: number;
  /** New streams accepted per second (token bucket, burst = one second's worth); default unlimited. */
  newStreamsPerSecond?: number;
  /** Connections are sent GOAWAY after this age (grpc-js adds ±10 % jitter); default unlimited. */
  maxConnectionAgeSeconds?: number;
  /** Grace after GOAWAY before the connection is closed; default 30. */
  maxConnectionAgeGraceSeconds?: number;
}

export type ResolvedLimits = Required<XdsLimits>;

export function resolveLimits(limits: XdsLimits | undefined): ResolvedLimits {
  return {
    maxReceiveMessageBytes: limits?.maxReceiveMessageBytes ?? 4 * 1024 * 1024,
    drainTimeoutSeconds: limits?.drainTimeoutSeconds ?? 60,
    maxBufferedBytes: limits?.maxBufferedBytes ?? 64 * 1024 * 1024,
    softBufferedBytes: limits?.softBufferedBytes ?? 1024 * 1024,
    maxStreams: limits?.maxStreams ?? Number.POSITIVE_INFINITY,
    newStreamsPerSecond: limits?.newStreamsPerSecond ?? Number.POSITIVE_INFINITY,
    maxConnectionAgeSeconds: limits?.maxConnectionAgeSeconds ?? Number.POSITIVE_INFINITY,
    maxConnectionAgeGraceSeconds: limits?.maxConnectionAgeGraceSeconds ?? 30,
  };
}

export interface SessionContext {
  source: ConfigSource;
  registry: ConnectionRegistry;
  logger: Logger;
  limits: ResolvedLimits;
  /** Called once when the session ends, whatever the reason. */
  onEnd: (session: AdsSession<unknown>) => void;
}

const SUPPORTED = new Set<string>(Object.values(TYPE_URL));
const V2_TO_V3: Record<string, TypeUrl> = {
  'type.googleapis.com/envoy.api.v2.Listener': TYPE_URL.listener,
  'type.googleapis.com/envoy.api.v2.RouteConfiguration': TYPE_URL.route,
  'type.googleapis.com/envoy.api.v2.Cluster': TYPE_URL.cluster,
  'type.googleapis.com/envoy.api.v2.ClusterLoadAssignment': TYPE_URL.endpoint,
};

/** Accepts the four v3 types; a v2 or unknown type URL is refused with INVALID_ARGUMENT. */
export function checkTypeUrl(typeUrl: string): TypeUrl {
  if (SUPPORTED.has(typeUrl)) return typeUrl as TypeUrl;
  if (typeUrl.startsWith('type.googleapis.com/envoy.api.v2.')) {
    const v3 = V2_TO_V3[typeUrl];
    throw new XdsRefusal(
      status.INVALID_ARGUMENT,
      `xDS v2 type URL ${typeUrl} is not supported${v3 ? `: use ${v3}` : ': use the v3 type URLs'} (xDS v3 only)`,
    );
  }
  throw new XdsRefusal(
    status.INVALID_ARGUMENT,
    `unsupported type URL "${typeUrl}"; supported: ${[...SUPPORTED].join(', ')}`,
  );
}

/** LDS and CDS: full state in SotW, legacy wildcard when the first request names nothing. */
export function isFullStateType(typeUrl: TypeUrl): boolean {
  return typeUrl === TYPE_URL.listener || typeUrl === TYPE_URL.cluster;
}

/** An error a grpc-js server stream turns into a status. */
export function statusError(code: number, details: string): Error & { code: number; details: string } {
  return Object.assign(new Error(details), { code, details });
}

/**
 * Writes with back-pressure: while writes are unflushed (the transport said wait, or more than
 * the soft limit is buffered) the stream is `blocked` and pushes wait, merged, for `onDrained`.
 */
class BackPressureWriter {
  private outstandingBytes = 0;
  private outstandingWrites = 0;
  private mustWait = false;
  private stallTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly call: ServerDuplexStream<unknown, Uint8Array>,
    private readonly record: StreamRecord,
    private readonly limits: ResolvedLimits,
    private readonly onDrained: () => void,
    private readonly onExhausted: (reason: string) => void,
  ) {}

  get blocked(): boolean {
    return (
      this.outstandingWrites > 0 && (this.mustWait || this.outstandingBytes >= this.limits.softBufferedBytes)
    );
  }

  write(bytes: Uint8Array): void {
    const n = bytes.byteLength;
    this.outstandingBytes += n;
    this.outstandingWrites += 1;
    this.record.pendingBytes = this.outstandingBytes;
    const ok = this.call.write(bytes, () => {
      this.outstandingBytes -= n;
      this.outstandingWrites -= 1;
      this.record.pendingBytes = this.outstandingBytes;
      if (this.outstandingWrites === 0) {
        this.mustWait = false;
        this.clearStall();
        this.onDrained();
      }
    });
    if (!ok) this.mustWait = true;
    if (this.blocked && this.stallTimer === undefined) {
      this.stallTimer = setTimeout(() => {
        this.stallTimer = undefined;
        this.onExhausted(
          `the client did not read its responses for ${this.limits.drainTimeoutSeconds} s (${this.outstandingBytes} bytes pending)`,
        );
      }, this.limits.drainTimeoutSeconds * 1000);
      this.stallTimer.unref();
    }
  }

  /** Called when a push waits: a client that is behind by more than the hard limit is ended. */
  checkBacklog(): void {
    if (this.outstandingBytes > this.limits.maxBufferedBytes) {
      this.onExhausted(
        `the client did not read ${this.outstandingBytes} bytes of responses (limit ${this.limits.maxBufferedBytes}) while newer configuration waited`,
      );
    }
  }

  clearStall(): void {
    if (this.stallTimer !== undefined) clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
  }
}

/** One ADS stream. Subclasses implement the protocol (SotW or delta) per type. */
export abstract class AdsSession<Req> {
  readonly record: StreamRecord;
  protected snapshot: Snapshot | undefined;
  protected ended = false;
  private subscription: Subscription | undefined;
  /** Steps waiting behind an asynchronous one (the first request's subscription), in order. */
  private queue: Promise<void> | undefined;
  private readonly dirty = new Set<TypeUrl>();
  /**
   * Per dirty type, when known: the only names that changed since the type was last
   * evaluated (the changes it concerned, merged). Absent: evaluate everything.
   */
  private readonly changedNames = new Map<TypeUrl, ReadonlySet<string>>();
  private readonly writer: BackPressureWriter;
  private readonly noncePrefix = randomBytes(6).toString('base64url');
  private nonceSeq = 0;
  /** node.id as presented, kept for refusals before the node is identified. */
  private presentedNodeId = '';
  protected readonly log: Logger;

  constructor(
    protected readonly call: ServerDuplexStream<Req, Uint8Array>,
    protected readonly ctx: SessionContext,
    protocol: StreamProtocol,
  ) {
    this.record = ctx.registry.open(protocol, call.getPeer());
    this.record.pending = this.dirty;
    this.log = ctx.logger.child({ stream: this.record.id });
    this.writer = new BackPressureWriter(
      call as ServerDuplexStream<unknown, Uint8Array>,
      this.record,
      ctx.limits,
      () => this.flush(),
      (reason) => this.end(status.RESOURCE_EXHAUSTED, reason),
    );
    call.on('data', (req: Req) => this.serially(() => this.process(req)));
    call.on('end', () => this.serially(() => this.end(status.OK, 'client closed the stream')));
    call.on('cancelled', () => this.cleanup('cancelled by the client'));
    call.on('close', () => this.cleanup('closed'));
  }

  /** Node, type URL and resource names of a request (for identification and refusals). */
  protected abstract head(req: Req): { node: Node | undefined; typeUrl: string; names: readonly string[] };
  /** Applies one request (the node is known and the snapshot loaded). */
  protected abstract handle(req: Req, typeUrl: TypeUrl): void;
  /**
   * Builds the response for a type if this stream needs one now, else undefined. `changed`,
   * when given, holds every name that changed since the type was last evaluated.
   */
  protected abstract buildResponse(
    typeUrl: TypeUrl,
    snapshot: Snapshot,
    changed: ReadonlySet<string> | undefined,
  ): Uint8Array | undefined;
  /** Types this stream has asked for (pushed when a snapshot changes). */
  protected abstract requestedTypes(): Iterable<TypeUrl>;

  protected typeRecord(typeUrl: TypeUrl): TypeRecord {
    let rec = this.record.types.get(typeUrl);
    if (rec === undefined) {
      rec = newTypeRecord(typeUrl);
      this.record.types.set(typeUrl, rec);
    }
    return rec;
  }

  protected nextNonce(): string {
    this.nonceSeq += 1;
    return `${this.noncePrefix}.${this.nonceSeq}`;
  }

  /**
   * Runs a step after those before it. Steps run synchronously while nothing asynchronous is
   * pending (every request but a stream's first): no promise per ACK.
   */
  private serially(step: () => void | Promise<void>): void {
    let tail: Promise<void>;
    if (this.queue === undefined) {
      let result: void | Promise<void>;
      try {
        result = step();
      } catch (err) {
        this.fail(err);
        return;
      }
      if (result === undefined) return;
      tail = result.catch((err: unknown) => this.fail(err));
    } else {
      tail = this.queue.then(step).catch((err: unknown) => this.fail(err));
    }
    this.queue = tail;
    void tail.then(() => {
      if (this.queue === tail) this.queue = undefined;
    });
  }

  private process(req: Req): void | Promise<void> {
    if (this.ended) return;
    const head = this.head(req);
    if (this.record.node === undefined) this.presentedNodeId = head.node?.id ?? this.presentedNodeId;
    const typeUrl = checkTypeUrl(head.typeUrl);
    if (this.record.node === undefined) return this.identify(req, head, typeUrl);
    this.handle(req, typeUrl);
  }

  /** The first request: identifies the node, subscribes to its view, then handles the request. */
  private async identify(
    req: Req,
    head: { node: Node | undefined; typeUrl: string; names: readonly string[] },
    typeUrl: TypeUrl,
  ): Promise<void> {
    const node = identifyNode(head.node, head.typeUrl, head.names);
    this.record.node = node;
    this.record.nodeProto = head.node;
    const subscription = await this.ctx.source.subscribe(node, (snapshot, change) =>
      this.onSnapshot(snapshot, change),
    );
    if (this.ended) {
      subscription.close();
      return;
    }
    this.subscription = subscription;
    this.snapshot = subscription.current();
    this.log.info({ node: node.id, kind: node.kind, peer: this.record.peer }, 'xds stream identified');
    this.handle(req, typeUrl);
  }

  private onSnapshot(snapshot: Snapshot, change: SnapshotChange | undefined): void {
    if (this.ended) return;
    // A change relative to what this stream holds narrows the work to the types whose changed
    // names it subscribes to: with thousands of streams per view, most changes concern few.
    const narrow = change !== undefined && change.from === this.snapshot;
    this.snapshot = snapshot;
    let any = false;
    for (const t of this.requestedTypes()) {
      const names = narrow ? change.names.get(t) : undefined;
      if (narrow && !this.concerns(t, names)) continue;
      if (names === undefined) {
        this.changedNames.delete(t);
      } else if (!this.dirty.has(t)) {
        // The change's own set, shared by every stream of the view (none changes it).
        this.changedNames.set(t, names);
      } else {
        // Still waiting since an earlier change: what changed since is known only if it was then.
        const known = this.changedNames.get(t);
        if (known !== undefined) this.changedNames.set(t, new Set([...known, ...names]));
      }
      this.dirty.add(t);
      any = true;
    }
    if (any) this.flush();
  }

  /** Whether a type's changed names touch this stream's subscription. */
  private concerns(typeUrl: TypeUrl, changed: ReadonlySet<string> | undefined): boolean {
    if (changed === undefined || changed.size === 0) return false;
    const rec = this.record.types.get(typeUrl);
    if (rec === undefined || rec.wildcard) return true;
    const [small, large] = changed.size <= rec.names.size ? [changed, rec.names] : [rec.names, changed];
    for (const name of small) if (large.has(name)) return true;
    return false;
  }

  /** Marks a type for (re)evaluation; `flush` writes what changed, in PUSH_ORDER. */
  protected markDirty(typeUrl: TypeUrl): void {
    this.dirty.add(typeUrl);
    this.changedNames.delete(typeUrl);
  }

  protected flush(): void {
    if (this.ended || this.snapshot === undefined) return;
    for (const t of PUSH_ORDER) {
      if (!this.dirty.has(t)) continue;
      if (this.writer.blocked) {
        // The pending push stays merged in `dirty` (and the latest snapshot) until 'drain'.
        this.writer.checkBacklog();
        return;
      }
      this.dirty.delete(t);
      const changed = this.changedNames.get(t);
      this.changedNames.delete(t);
      const bytes = this.buildResponse(t, this.snapshot, changed);
      if (bytes === undefined) continue;
      this.ctx.registry.countPush(t, bytes.byteLength);
      this.writer.write(bytes);
      if (this.ended) return;
    }
  }

  private fail(err: unknown): void {
    if (err instanceof XdsRefusal) {
      const nodeId = this.record.node?.id ?? this.presentedNodeId;
      this.ctx.registry.refuse(this.record, nodeId, err.code, err.message);
      this.log.warn(
        { node: nodeId, peer: this.record.peer, code: err.code, reason: err.message },
        'xds stream refused',
      );
      this.end(err.code, err.message);
      return;
    }
    this.log.error({ err }, 'xds stream failed');
    this.end(status.INTERNAL, 'internal error');
  }

  /** Ends the stream with a status (OK ends it normally). */
  end(code: number, details: string): void {
    if (this.ended) return;
    this.cleanup(details);
    if (code === status.OK) this.call.end();
    else this.call.emit('error', statusError(code, details));
  }

  private cleanup(reason: string): void {
    if (this.ended) return;
    this.log.debug({ reason }, 'xds stream ended');
    this.ended = true;
    this.writer.clearStall();
    this.subscription?.close();
    this.subscription = undefined;
    this.dirty.clear();
    this.changedNames.clear();
    this.ctx.registry.close(this.record);
    this.ctx.onEnd(this as AdsSession<unknown>);
  }
}

/** Marks per-resource state after a response was ACKed or NACKed. */
export function recordAck(
  registry: ConnectionRegistry,
  rec: TypeRecord,
  nonce: string,
  versionInfo: string,
  now: number,
): void {
  const sent = rec.lastSent;
  if (sent?.changedAt !== undefined && sent.nonce === nonce && rec.ackedNonce !== nonce) {
    const seconds = Math.max(0, now - sent.changedAt) / 1000;
    for (const observe of registry.convergence) observe(seconds, rec.typeUrl);
  }
  rec.ackedVersion = versionInfo || (rec.lastSent?.version ?? '');
  rec.ackedNonce = nonce;
  rec.ackedAt = now;
  registry.counters.acks += 1;
  for (const name of rec.lastSent?.resourceNames ?? []) {
    const r = rec.resources.get(name);
    if (r !== undefined && r.status !== 'DOES_NOT_EXIST') {
      rec.resources.set(
        name,
        r.resource === undefined
          ? Object.freeze({ ...r, status: 'ACKED', ackedVersion: r.version, nackMessage: '', updatedAt: now })
          : resourceRecord('ACKED', r.resource, r.version, now),
      );
    }
  }
}

export function recordNack(
  registry: ConnectionRegistry,
  rec: TypeRecord,
  nonce: string,
  message: string,
  now: number,
): boolean {
  const sent = rec.lastSent;
  const repeated = rec.lastNack?.nonce === nonce;
  rec.lastNack = {
    version: sent?.version ?? '',
    nonce,
    message,
    time: now,
    resourceNames: sent?.resourceNames ?? [],
  };
  registry.counters.nacks += 1;
  for (const name of sent?.resourceNames ?? []) {
    const r = rec.resources.get(name);
    if (r !== undefined && r.status !== 'DOES_NOT_EXIST')
      rec.resources.set(
        name,
        Object.freeze({ ...r, status: 'NACKED', nackMessage: message, updatedAt: now }),
      );
  }
  return !repeated;
}

/** Records that a resource was sent at a version (REQUESTED until ACKed). */
export function recordSent(rec: TypeRecord, resource: EncodedResource, now: number): void {
  const r = rec.resources.get(resource.name);
  if (r !== undefined && r.version === resource.version && r.status === 'ACKED') {
    // The same content again (an equal resource of a newer snapshot): still ACKED.
    if (r.resource !== resource)
      rec.resources.set(resource.name, resourceRecord('ACKED', resource, r.ackedVersion, r.updatedAt));
    return;
  }
  rec.resources.set(resource.name, resourceRecord('REQUESTED', resource, r?.ackedVersion ?? '', now));
}

/** Records a newly subscribed name: REQUESTED if it exists (to be sent), else DOES_NOT_EXIST. */
export function recordSubscribed(rec: TypeRecord, name: string, exists: boolean, now: number): void {
  if (rec.resources.has(name)) return;
  if (!exists) {
    recordAbsent(rec, name, now);
    return;
  }
  rec.resources.set(name, resourceRecord('REQUESTED', undefined, '', now));
}

export function recordAbsent(rec: TypeRecord, name: string, now: number): void {
  if (rec.resources.get(name)?.status === 'DOES_NOT_EXIST') return;
  rec.resources.set(name, resourceRecord('DOES_NOT_EXIST', undefined, '', now));
}
