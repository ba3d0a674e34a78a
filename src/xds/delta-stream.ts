// Incremental ADS (DeltaAggregatedResources): one session per stream.
import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { DeltaDiscoveryRequest } from '../gen/envoy/service/discovery/v3/discovery_pb.js';
import { resourceRecord, type TypeRecord } from './registry.js';
import {
  AdsSession,
  isFullStateType,
  recordAbsent,
  recordAck,
  recordNack,
  recordSent,
  recordSubscribed,
  type SessionContext,
} from './stream-state.js';
import type { EncodedResource, Snapshot, TypeUrl } from './types.js';
import { deltaResponseBytes } from './wire.js';

/** `null`: the client was told the resource does not exist. */
type Known = Map<string, string | null>;

interface DeltaTypeState {
  rec: TypeRecord;
  /** Name → version the client holds (from initial_resource_versions, then from what was sent). */
  known: Known;
  /** The next evaluation must respond even if nothing differs (first request of the type). */
  force: boolean;
  /** The snapshot type version last evaluated with the current subscription ('' = re-evaluate). */
  evaluated: string;
}

export class DeltaSession extends AdsSession<DeltaDiscoveryRequest> {
  private readonly types = new Map<TypeUrl, DeltaTypeState>();

  constructor(call: ServerDuplexStream<DeltaDiscoveryRequest, Uint8Array>, ctx: SessionContext) {
    super(call, ctx, 'delta');
  }

  protected head(req: DeltaDiscoveryRequest) {
    return { node: req.node, typeUrl: req.typeUrl, names: req.resourceNamesSubscribe };
  }

  protected requestedTypes(): Iterable<TypeUrl> {
    return this.types.keys();
  }

  protected handle(req: DeltaDiscoveryRequest, typeUrl: TypeUrl): void {
    const now = Date.now();
    let st = this.types.get(typeUrl);
    const first = st === undefined;
    if (st === undefined) {
      st = { rec: this.typeRecord(typeUrl), known: new Map(), force: true, evaluated: '' };
      this.types.set(typeUrl, st);
      for (const [name, version] of Object.entries(req.initialResourceVersions)) st.known.set(name, version);
      // Legacy wildcard: the first LDS/CDS request subscribing to nothing.
      if (isFullStateType(typeUrl) && req.resourceNamesSubscribe.length === 0) st.rec.wildcard = true;
    }
    const rec = st.rec;
    const nonce = req.responseNonce;
    if (nonce !== '' && nonce === rec.lastSent?.nonce) {
      if (req.errorDetail !== undefined) {
        if (recordNack(this.ctx.registry, rec, nonce, req.errorDetail.message, now)) {
          this.log.warn(
            {
              node: this.record.node?.id,
              typeUrl,
              version: rec.lastSent.version,
              error: req.errorDetail.message,
            },
            'xds NACK',
          );
        }
      } else {
        recordAck(this.ctx.registry, rec, nonce, '', now);
      }
    }
    // Subscription changes are honoured whatever the nonce. Names are kept as the snapshot's
    // own strings where it has them, so that streams naming the same resources share them.
    const all = this.snapshot?.resources.get(typeUrl);
    for (const requested of req.resourceNamesSubscribe) {
      const name = all?.get(requested)?.name ?? requested;
      if (name === '*') {
        rec.wildcard = true;
        continue;
      }
      rec.names.add(name);
      // Subscribing to a resource the client already has: send it anyway (unless it just told
      // us its version on (re)connect).
      if (!(first && Object.hasOwn(req.initialResourceVersions, name))) st.known.delete(name);
      recordSubscribed(rec, name, all?.has(name) ?? false, now);
    }
    for (const name of req.resourceNamesUnsubscribe) {
      if (name === '*') rec.wildcard = false;
      else rec.names.delete(name);
    }
    if ((first || req.resourceNamesUnsubscribe.length > 0) && !rec.wildcard) {
      // What the client holds outside its subscription is none of this stream's business.
      for (const name of [...st.known.keys()]) {
        if (!rec.names.has(name)) {
          st.known.delete(name);
          rec.resources.delete(name);
        }
      }
    }
    if (first) {
      // Resources the client already holds at the current version count as ACKed.
      for (const [name, version] of st.known) {
        const r = all?.get(name);
        if (r !== undefined && r.version === version) {
          rec.resources.set(name, resourceRecord('ACKED', r, version, now));
        }
      }
    }
    if (req.resourceNamesSubscribe.length > 0 || req.resourceNamesUnsubscribe.length > 0) st.evaluated = '';
    if (first || req.resourceNamesSubscribe.length > 0) {
      this.markDirty(typeUrl);
      this.flush();
    }
  }

  protected buildResponse(typeUrl: TypeUrl, snapshot: Snapshot): Uint8Array | undefined {
    const st = this.types.get(typeUrl);
    if (st === undefined) return undefined;
    const { rec, known } = st;
    const typeVersion = snapshot.versions.get(typeUrl) ?? '';
    if (!st.force && typeVersion !== '' && st.evaluated === typeVersion) return undefined;
    st.evaluated = typeVersion;
    const now = Date.now();
    const all = snapshot.resources.get(typeUrl) ?? new Map<string, EncodedResource>();
    const resources: EncodedResource[] = [];
    const removed: string[] = [];
    const seen = new Set<string>();
    const consider = (name: string) => {
      if (seen.has(name)) return;
      seen.add(name);
      const r = all.get(name);
      const k = known.get(name);
      if (r !== undefined) {
        if (k !== r.version) {
          resources.push(r);
          known.set(name, r.version);
        }
        return;
      }
      const explicit = rec.names.has(name);
      if (k === null) return;
      if (k !== undefined || explicit) removed.push(name);
      // Keep a marker only for explicit subscriptions; a wildcard-only removal is forgotten.
      if (explicit) {
        known.set(name, null);
        recordAbsent(rec, name, now);
      } else {
        known.delete(name);
        rec.resources.delete(name);
      }
    };
    if (rec.wildcard) for (const name of all.keys()) consider(name);
    for (const name of rec.names) consider(name);
    for (const name of [...known.keys()]) consider(name);
    if (resources.length === 0 && removed.length === 0 && !st.force) return undefined;
    st.force = false;
    const version = typeVersion;
    const nonce = this.nextNonce();
    for (const r of resources) recordSent(rec, r, now);
    rec.lastSent = {
      version,
      nonce,
      time: now,
      resourceNames: resources.map((r) => r.name),
      removedNames: removed,
      ...(snapshot.changedAt === undefined ? {} : { changedAt: snapshot.changedAt }),
    };
    return deltaResponseBytes(version, typeUrl, nonce, resources, removed);
  }
}
