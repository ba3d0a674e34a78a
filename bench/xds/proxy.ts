// One simulated proxyless gRPC client: a SotW ADS stream that asks for LDS for the authorities it
// dials, then RDS for the route configs its listeners name, CDS for the clusters the routes name
// and EDS for the clusters, ACKs every response and records when each one arrived.
import * as grpc from '@grpc/grpc-js';
import {
  CDS,
  EDS,
  encodeRequest,
  LDS,
  matchVirtualHost,
  RDS,
  type ScannedResponse,
  scanResponse,
  type TypeUrl,
  type VirtualHost,
} from './wire.js';

const ADS_SOTW = '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources';
const identity = (b: Buffer) => b;

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
  /** performance.now() when every subscribed resource of all four types was ACKed. */
  configuredAt: number | undefined;
  startedAt = 0;
  /** Responses received since the last `mark()`. */
  log: Received[] = [];
  private recording = false;
  bytesReceived = 0;
  readonly errors: string[] = [];

  constructor(
    readonly index: number,
    private readonly client: grpc.Client,
    private readonly node: Uint8Array,
    /** Authorities dialed (LDS names); undefined = LDS and CDS wildcard. */
    private readonly authorities: string[] | undefined,
    private readonly onConfigured: (p: SimProxy) => void,
  ) {}

  start(): void {
    this.startedAt = performance.now();
    const call = this.client.makeBidiStreamRequest(ADS_SOTW, identity, identity);
    this.call = call;
    call.on('data', (buf: Buffer) => this.onResponse(buf));
    call.on('error', () => {
      /* reported by 'status' */
    });
    call.on('status', (s: grpc.StatusObject) => {
      if (!this.closing) this.errors.push(`stream ended: ${grpc.status[s.code]} ${s.details}`);
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
      if (names !== undefined && typeUrl !== LDS && typeUrl !== CDS) {
        for (const n of [...st.have.keys()]) if (!names.has(n)) st.have.delete(n);
      }
    } else {
      st = { names, version: '', nonce: '', have: new Map(), responses: 0 };
      this.state.set(typeUrl, st);
    }
    this.write(typeUrl, st);
  }

  private write(typeUrl: TypeUrl, st: TypeState): void {
    const node = this.nodeSent ? undefined : this.node;
    this.nodeSent = true;
    this.call!.write(encodeRequest(typeUrl, st.names ?? [], st.version, st.nonce, node));
  }

  private onResponse(buf: Buffer): void {
    this.bytesReceived += buf.byteLength;
    let res: ScannedResponse;
    try {
      res = scanResponse(buf);
    } catch (err) {
      this.errors.push(`undecodable response: ${String(err)}`);
      return;
    }
    const typeUrl = res.typeUrl as TypeUrl;
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
    if (typeUrl === LDS || typeUrl === CDS) st.have = new Map();
    for (const n of res.names) st.have.set(n, res.refs.get(n) ?? []);
    for (const [n, vhosts] of res.vhosts) this.routes.set(n, vhosts);
    st.version = res.versionInfo;
    st.nonce = res.nonce;
    this.write(typeUrl, st);
    const now = performance.now();
    if (this.recording) {
      this.log.push({
        typeUrl,
        versionInfo: res.versionInfo,
        ackedAt: now,
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
      this.configuredAt = now;
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
