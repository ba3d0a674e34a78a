// One simulated proxy: an ADS stream (SotW or delta) that asks for LDS for the authorities it dials
// (proxyless) or every listener (Envoy sidecar: LDS and CDS wildcard), then RDS for the route
// configs its listeners name, CDS for the clusters the routes name and EDS for the clusters, ACKs
// every response and records when each one arrived (epoch ms, comparable across processes).
// With `reconnect`, a stream the server ends (admission refusal, connection age) starts over.
import * as grpc from '@grpc/grpc-js';
import {
  CDS,
  EDS,
  encodeDeltaRequest,
  encodeRequest,
  LDS,
  matchVirtualHost,
  RDS,
  type ScannedResponse,
  scanDeltaResponse,
  scanResponse,
  type TypeUrl,
  type VirtualHost,
} from './wire.js';

const ADS_SOTW = '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources';
const ADS_DELTA = '/envoy.service.discovery.v3.AggregatedDiscoveryService/DeltaAggregatedResources';
const identity = (b: Buffer) => b;
export type Protocol = 'sotw' | 'delta';
/** Epoch milliseconds with sub-millisecond resolution: comparable between processes. */
export const now = () => performance.timeOrigin + performance.now();

export interface ProxyOptions {
  protocol: Protocol;
  /** Start the stream over when the server ends it (refused by admission control, connection age). */
  reconnect: boolean;
  /** Keep every response's bytes (for the floor server's replay). */
  record: boolean;
}

/** A response's bytes, kept for the floor server (`phase`: storm or a change). */
export interface Recorded {
  phase: string;
  typeUrl: string;
  bytes: Buffer;
}

/** One response as the proxy saw it (kept only after `mark()`). */
export interface Received {
  typeUrl: string;
  versionInfo: string;
  /** performance.now() when the ACK was written. */
  ackedAt: number;
  names: string[];
  endpointCounts: Map<string, number>;
  /** RDS: virtual hosts per route configuration. */
  vhosts: Map<string, VirtualHost[]>;
  bytes: number;
}

interface TypeState {
  /** Subscribed names; undefined = wildcard (LDS/CDS only). */
  names: Set<string> | undefined;
  /** Delta: the names the server was told about (subscribe/unsubscribe are the difference). */
  told: Set<string>;
  version: string;
  nonce: string;
  /** Names held → what they point to (SotW LDS/CDS: replaced by each response; RDS/EDS: merged). */
  have: Map<string, string[]>;
  responses: number;
}

export class SimProxy {
  private call: grpc.ClientDuplexStream<Buffer, Buffer> | undefined;
  private readonly state = new Map<TypeUrl, TypeState>();
  private nodeSent = false;
  /** Held route configurations' virtual hosts. */
  private readonly routes = new Map<string, VirtualHost[]>();
  private closing = false;
  /** When every subscribed resource of all four types was ACKed (epoch ms). */
  configuredAt: number | undefined;
  startedAt = 0;
  /** Responses received since the last `mark()`. */
  log: Received[] = [];
  private recording = false;
  bytesReceived = 0;
  /** Streams started over after the server ended one (and why). */
  restarts = 0;
  readonly restartReasons = new Map<string, number>();
  /** What `record` keeps; `phase` names what comes next. */
  readonly recorded: Recorded[] = [];
  phase = 'storm';
  readonly errors: string[] = [];
  private attempt = 0;

  constructor(
    readonly index: number,
    private readonly client: grpc.Client,
    private readonly node: Uint8Array,
    /** Authorities dialed (LDS names); undefined = LDS and CDS wildcard. */
    private readonly authorities: string[] | undefined,
    private readonly onConfigured: (p: SimProxy) => void,
    private readonly opts: ProxyOptions = { protocol: 'sotw', reconnect: false, record: false },
  ) {}

  start(): void {
    if (this.startedAt === 0) this.startedAt = now();
    const call = this.client.makeBidiStreamRequest(
      this.opts.protocol === 'sotw' ? ADS_SOTW : ADS_DELTA,
      identity,
      identity,
    );
    this.call = call;
    call.on('data', (buf: Buffer) => {
      if (this.call === call) this.onResponse(buf);
    });
    call.on('error', () => {
      /* reported by 'status' */
    });
    call.on('status', (s: grpc.StatusObject) => {
      if (this.closing || this.call !== call) return;
      const reason = `${grpc.status[s.code]}`;
      const retriable = s.code === grpc.status.RESOURCE_EXHAUSTED || s.code === grpc.status.UNAVAILABLE;
      if (!this.opts.reconnect || !retriable) {
        this.errors.push(`stream ended: ${reason} ${s.details}`);
        return;
      }
      // A real client backs off (exponentially, with jitter) and starts over with a new stream.
      this.restarts += 1;
      this.restartReasons.set(reason, (this.restartReasons.get(reason) ?? 0) + 1);
      this.attempt += 1;
      const backoff = Math.min(5000, 100 * 2 ** Math.min(this.attempt, 6)) * (0.5 + Math.random());
      this.state.clear();
      this.routes.clear();
      this.nodeSent = false;
      setTimeout(() => {
        if (!this.closing) this.start();
      }, backoff);
    });
    this.subscribe(LDS, this.authorities === undefined ? undefined : new Set(this.authorities));
    if (this.authorities === undefined) this.subscribe(CDS, undefined);
  }

  /** Starts keeping a log of what arrives (for one change scenario). */
  mark(): void {
    this.log = [];
    this.recording = true;
  }

  subscribedTo(typeUrl: TypeUrl, name: string): boolean {
    return this.state.get(typeUrl)?.have.has(name) === true;
  }

  stop(): void {
    this.closing = true;
    this.call?.cancel();
  }

  private subscribe(typeUrl: TypeUrl, names: Set<string> | undefined): void {
    let st = this.state.get(typeUrl);
    if (st !== undefined) {
      if (names !== undefined && st.names !== undefined && sameSet(names, st.names)) return;
      st.names = names;
      if (names !== undefined && (this.opts.protocol === 'delta' || (typeUrl !== LDS && typeUrl !== CDS))) {
        for (const n of [...st.have.keys()]) if (!names.has(n)) st.have.delete(n);
      }
    } else {
      st = { names, told: new Set(), version: '', nonce: '', have: new Map(), responses: 0 };
      this.state.set(typeUrl, st);
    }
    this.write(typeUrl, st, true);
  }

  /** A request: SotW repeats the whole subscription; delta sends the difference (an ACK: none). */
  private write(typeUrl: TypeUrl, st: TypeState, subscription: boolean): void {
    const node = this.nodeSent ? undefined : this.node;
    this.nodeSent = true;
    if (this.opts.protocol === 'sotw') {
      this.call!.write(encodeRequest(typeUrl, st.names ?? [], st.version, st.nonce, node));
      return;
    }
    const add: string[] = [];
    const remove: string[] = [];
    if (subscription && st.names !== undefined) {
      for (const n of st.names) if (!st.told.has(n)) add.push(n);
      for (const n of st.told) if (!st.names.has(n)) remove.push(n);
      st.told = new Set(st.names);
    }
    // A subscription change carries no nonce: it is not an ACK.
    this.call!.write(encodeDeltaRequest(typeUrl, add, remove, subscription ? '' : st.nonce, node));
  }

  private onResponse(buf: Buffer): void {
    this.bytesReceived += buf.byteLength;
    if (this.opts.record) this.recorded.push({ phase: this.phase, typeUrl: '', bytes: buf });
    let res: ScannedResponse & { removed?: string[] };
    try {
      res = this.opts.protocol === 'sotw' ? scanResponse(buf) : scanDeltaResponse(buf);
    } catch (err) {
      this.errors.push(`undecodable response: ${String(err)}`);
      return;
    }
    const typeUrl = res.typeUrl as TypeUrl;
    if (this.opts.record) this.recorded.at(-1)!.typeUrl = typeUrl;
    const st = this.state.get(typeUrl);
    if (st === undefined) {
      this.errors.push(`response for unrequested type ${res.typeUrl}`);
      return;
    }
    st.responses += 1;
    const unrequested = st.names === undefined ? [] : res.names.filter((n) => !st.names!.has(n));
    if (unrequested.length > 0) {
      // Clients ignore names they did not ask for, but the server must not send them.
      this.errors.push(`${typeUrl} carried unrequested ${unrequested.slice(0, 3).join(', ')}`);
    }
    if (this.opts.protocol === 'sotw' && (typeUrl === LDS || typeUrl === CDS)) st.have = new Map();
    for (const n of res.removed ?? []) st.have.delete(n);
    for (const n of res.names) st.have.set(n, res.refs.get(n) ?? []);
    for (const [n, vhosts] of res.vhosts) this.routes.set(n, vhosts);
    st.version = res.versionInfo;
    st.nonce = res.nonce;
    this.write(typeUrl, st, false);
    const at = now();
    if (this.recording) {
      this.log.push({
        typeUrl,
        versionInfo: res.versionInfo,
        ackedAt: at,
        names: res.names,
        endpointCounts: res.endpointCounts,
        vhosts: res.vhosts,
        bytes: buf.byteLength,
      });
    }
    // Follow the references, as a grpc xDS client does: listeners → routes → clusters → endpoints.
    if (typeUrl === LDS) this.subscribe(RDS, refsOf(st));
    else if (typeUrl === RDS) {
      if (this.authorities !== undefined) this.subscribe(CDS, this.clustersInUse());
    } else if (typeUrl === CDS) this.subscribe(EDS, refsOf(st));
    if (this.configuredAt === undefined && this.complete()) {
      this.configuredAt = at;
      this.onConfigured(this);
    }
  }

  /** The clusters of the virtual host each dialed authority selects in its listener's route config. */
  private clustersInUse(): Set<string> {
    const out = new Set<string>();
    const listeners = this.state.get(LDS)?.have ?? new Map<string, string[]>();
    const held = this.state.get(RDS)?.have;
    for (const name of [...this.routes.keys()]) if (held?.has(name) !== true) this.routes.delete(name);
    for (const [authority, routeConfigs] of listeners) {
      for (const rc of routeConfigs) {
        const vhosts = this.routes.get(rc);
        if (vhosts === undefined) continue;
        for (const c of matchVirtualHost(vhosts, authority)?.clusters ?? []) out.add(c);
      }
    }
    return out;
  }

  private complete(): boolean {
    for (const t of [LDS, RDS, CDS, EDS] as const) {
      const st = this.state.get(t);
      if (st === undefined || st.responses === 0) return false;
      if (st.names !== undefined) for (const n of st.names) if (!st.have.has(n)) return false;
    }
    return true;
  }

  /** Held names of a type (for finding what a change's resource is called in this view). */
  held(typeUrl: TypeUrl): string[] {
    return [...(this.state.get(typeUrl)?.have.keys() ?? [])];
  }

  /** The held route configuration with a virtual host for `host` (a domain listed exactly, with or without a port). */
  routeConfigServing(host: string): string | undefined {
    for (const [name, vhosts] of this.routes)
      if (vhosts.some((vh) => vh.domains.some((d) => d === host || d.startsWith(`${host}:`)))) return name;
    return undefined;
  }

  /** How many names of each type the proxy holds (for checks). */
  holdings(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [t, st] of this.state) out[t.slice(t.lastIndexOf('.') + 1)] = st.have.size;
    return out;
  }
}

/** What the held resources of a type point to: the names to ask for of the next type. */
function refsOf(st: TypeState): Set<string> {
  const out = new Set<string>();
  for (const refs of st.have.values()) for (const r of refs) out.add(r);
  return out;
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}
