// State-of-the-world ADS (StreamAggregatedResources): one session per stream.
import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { DiscoveryRequest } from '../gen/envoy/service/discovery/v3/discovery_pb.js';
import type { TypeRecord } from './registry.js';
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
import { discoveryResponseBytes } from './wire.js';

interface SotwTypeState {
  rec: TypeRecord;
  /** The stream has named resources of this type at least once (ends the legacy wildcard). */
  namedOnce: boolean;
  /** The next evaluation must respond even if nothing differs (first LDS/CDS request). */
  force: boolean;
  /** The snapshot type version last evaluated with the current subscription ('' = re-evaluate). */
  evaluated: string;
  /** resource_names of the last request: the same list again (an ACK) cannot change anything. */
  lastRequested: readonly string[] | undefined;
}

export class SotwSession extends AdsSession<DiscoveryRequest> {
  private readonly types = new Map<TypeUrl, SotwTypeState>();

  constructor(call: ServerDuplexStream<DiscoveryRequest, Uint8Array>, ctx: SessionContext) {
    super(call, ctx, 'sotw');
  }

  protected head(req: DiscoveryRequest) {
    return { node: req.node, typeUrl: req.typeUrl, names: req.resourceNames };
  }

  protected requestedTypes(): Iterable<TypeUrl> {
    return this.types.keys();
  }

  protected handle(req: DiscoveryRequest, typeUrl: TypeUrl): void {
    const now = Date.now();
    let st = this.types.get(typeUrl);
    const first = st === undefined;
    if (st === undefined) {
      st = {
        rec: this.typeRecord(typeUrl),
        namedOnce: false,
        force: isFullStateType(typeUrl),
        evaluated: '',
        lastRequested: undefined,
      };
      this.types.set(typeUrl, st);
    }
    const nonce = req.responseNonce;
    // A nonce is fresh only if it is the one of the last response of this type on this stream.
    const stale = nonce !== '' && nonce !== st.rec.lastSent?.nonce;
    if (nonce !== '' && !stale) {
      if (req.errorDetail !== undefined) {
        const message = req.errorDetail.message;
        if (recordNack(this.ctx.registry, st.rec, nonce, message, now)) {
          this.log.warn(
            { node: this.record.node?.id, typeUrl, version: st.rec.lastSent?.version, error: message },
            'xds NACK',
          );
        }
      } else {
        recordAck(this.ctx.registry, st.rec, nonce, req.versionInfo, now);
      }
    }
    // The subscription change is applied even on a stale nonce (envoy#10363), not the ACK/NACK.
    const changed = this.applySubscription(st, typeUrl, req.resourceNames, now);
    if (first || changed) {
      this.markDirty(typeUrl);
      this.flush();
    }
  }

  private applySubscription(
    st: SotwTypeState,
    typeUrl: TypeUrl,
    requested: readonly string[],
    now: number,
  ): boolean {
    // Applying a list twice in a row changes nothing the second time (the subscription is
    // only ever set here): most requests are ACKs repeating the names, so skip the work.
    const last = st.lastRequested;
    if (last !== undefined && last.length === requested.length && last.every((n, i) => n === requested[i]))
      return false;
    const all = this.snapshot?.resources.get(typeUrl);
    // The snapshot's own strings for the names it has, not the ones decoded from the request:
    // thousands of streams naming the same resources then hold one copy of each name.
    const named = requested.map((n) => all?.get(n)?.name ?? n);
    st.lastRequested = named;
    const names = new Set(named);
    let wildcard = names.delete('*');
    if (names.size > 0) st.namedOnce = true;
    // Legacy wildcard: LDS/CDS naming nothing, as long as the stream never named anything.
    if (!wildcard && names.size === 0 && isFullStateType(typeUrl) && !st.namedOnce) wildcard = true;
    const rec = st.rec;
    const changed =
      wildcard !== rec.wildcard || names.size !== rec.names.size || [...names].some((n) => !rec.names.has(n));
    if (!changed) return false;
    rec.wildcard = wildcard;
    rec.names = names;
    st.evaluated = '';
    if (!wildcard) {
      // Forget what was sent for names no longer subscribed: subscribing again resends them.
      for (const name of [...rec.resources.keys()]) if (!names.has(name)) rec.resources.delete(name);
    }
    for (const name of names) recordSubscribed(rec, name, all?.has(name) ?? false, now);
    return true;
  }

  protected buildResponse(
    typeUrl: TypeUrl,
    snapshot: Snapshot,
    changed: ReadonlySet<string> | undefined,
  ): Uint8Array | undefined {
    const st = this.types.get(typeUrl);
    if (st === undefined) return undefined;
    const rec = st.rec;
    const typeVersion = snapshot.versions.get(typeUrl) ?? '';
    // Same content for this type and same subscription: nothing can differ (cheap at scale).
    if (!st.force && typeVersion !== '' && st.evaluated === typeVersion) return undefined;
    const subscriptionChanged = st.evaluated === '';
    st.evaluated = typeVersion;
    const now = Date.now();
    const all = snapshot.resources.get(typeUrl) ?? new Map<string, EncodedResource>();
    const fullState = isFullStateType(typeUrl);
    if (!fullState && !st.force && !subscriptionChanged && changed !== undefined) {
      const toSend = changedToSend(rec, all, changed, now);
      return toSend.length === 0 ? undefined : this.respond(st, typeUrl, snapshot, typeVersion, toSend, now);
    }
    let toSend: EncodedResource[] = [];
    // Marked DOES_NOT_EXIST once the comparison below has seen what the client held.
    const absent: string[] = [];
    if (rec.wildcard) {
      for (const r of all.values()) toSend.push(r);
    } else {
      for (const name of rec.names) {
        const r = all.get(name);
        if (r !== undefined) toSend.push(r);
        else absent.push(name);
      }
    }
    if (!fullState) {
      // RDS/EDS cannot signal removal; forget removed ones so a comeback is sent again.
      for (const [name, r] of rec.resources)
        if (r.version !== '' && !all.has(name)) recordAbsent(rec, name, now);
    }
    let differs = st.force;
    for (let i = 0; !differs && i < toSend.length; i++)
      differs = sentVersion(rec, toSend[i]!.name) !== toSend[i]!.version;
    // LDS/CDS: the client also holds what it was sent and is not in toSend any more.
    if (!differs && fullState) differs = toSend.length !== sentCount(rec);
    for (const name of absent) recordAbsent(rec, name, now);
    if (!differs) return undefined;
    // When only the configuration changed, RDS and EDS responses need not repeat what the
    // client already has: a resource left out is kept, not removed (only LDS and CDS carry
    // the full state). A changed subscription gets everything it names.
    if (!fullState && !st.force && !subscriptionChanged)
      toSend = toSend.filter((r) => sentVersion(rec, r.name) !== r.version);
    return this.respond(st, typeUrl, snapshot, typeVersion, toSend, now);
  }

  /** Records what a response sends, and encodes it. */
  private respond(
    st: SotwTypeState,
    typeUrl: TypeUrl,
    snapshot: Snapshot,
    version: string,
    toSend: readonly EncodedResource[],
    now: number,
  ): Uint8Array {
    const rec = st.rec;
    st.force = false;
    const nonce = this.nextNonce();
    const sentNames = toSend.map((r) => r.name);
    if (isFullStateType(typeUrl)) {
      // LDS/CDS responses are the whole state: what was sent before and is not now is gone.
      const sentNow = new Set(sentNames);
      for (const [name, r] of [...rec.resources]) {
        if (r.version !== '' && !sentNow.has(name)) {
          if (rec.names.has(name)) recordAbsent(rec, name, now);
          else rec.resources.delete(name);
        }
      }
    }
    for (const r of toSend) recordSent(rec, r, now);
    rec.lastSent = {
      version,
      nonce,
      time: now,
      resourceNames: sentNames,
      removedNames: [],
      ...(snapshot.changedAt === undefined ? {} : { changedAt: snapshot.changedAt }),
    };
    return discoveryResponseBytes(version, typeUrl, nonce, toSend);
  }
}

/**
 * The version of a resource the client was last sent and should hold; the per-resource CSDS
 * records say it (a record of a resource not sent, or no longer held, has none).
 */
function sentVersion(rec: TypeRecord, name: string): string | undefined {
  const version = rec.resources.get(name)?.version;
  return version === '' ? undefined : version;
}

/** How many resources the client was sent and should hold. */
function sentCount(rec: TypeRecord): number {
  let n = 0;
  for (const r of rec.resources.values()) if (r.version !== '') n++;
  return n;
}

/**
 * RDS/EDS after a configuration change, when every name that changed since the last
 * evaluation is known: only those names can need sending (or be gone), so a stream naming
 * thousands of resources does not look at each of them for a change to one.
 */
function changedToSend(
  rec: TypeRecord,
  all: ReadonlyMap<string, EncodedResource>,
  changed: ReadonlySet<string>,
  now: number,
): EncodedResource[] {
  const toSend: EncodedResource[] = [];
  for (const name of changed) {
    const subscribed = rec.wildcard || rec.names.has(name);
    const r = all.get(name);
    if (r !== undefined) {
      if (subscribed && sentVersion(rec, name) !== r.version) toSend.push(r);
    } else if (rec.names.has(name) || sentVersion(rec, name) !== undefined) {
      // Gone: forgotten, so that a comeback is sent again.
      recordAbsent(rec, name, now);
    }
  }
  return toSend;
}
