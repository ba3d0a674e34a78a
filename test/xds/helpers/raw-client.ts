// A raw xDS client over @grpc/grpc-js: drives ADS (SotW, delta), LRS and CSDS step by step with
// protobuf-es encoding, so tests can assert exactly what the server sends and when.

import http2 from 'node:http2';
import {
  create,
  type DescMessage,
  fromBinary,
  type MessageInitShape,
  type MessageShape,
  toBinary,
} from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import {
  DeltaDiscoveryRequestSchema,
  DeltaDiscoveryResponseSchema,
  DiscoveryRequestSchema,
  DiscoveryResponseSchema,
} from '../../../src/gen/envoy/service/discovery/v3/discovery_pb.js';
import {
  LoadStatsRequestSchema,
  LoadStatsResponseSchema,
} from '../../../src/gen/envoy/service/load_stats/v3/lrs_pb.js';
import {
  ClientStatusRequestSchema,
  type ClientStatusResponse,
  ClientStatusResponseSchema,
} from '../../../src/gen/envoy/service/status/v3/csds_pb.js';

export interface EndStatus {
  code: number;
  details: string;
}

const ADS = '/envoy.service.discovery.v3.AggregatedDiscoveryService';

/** One bidi stream: send requests, await responses one at a time, await the final status. */
export class RawStream<Req extends DescMessage, Res extends DescMessage> {
  private readonly received: MessageShape<Res>[] = [];
  private waiters: (() => void)[] = [];
  private readonly call: grpc.ClientDuplexStream<MessageShape<Req>, MessageShape<Res>>;
  private endStatus: EndStatus | undefined;
  private reading = false;
  /** Every response received so far, in order. */
  readonly history: MessageShape<Res>[] = [];

  constructor(
    client: grpc.Client,
    path: string,
    private readonly reqSchema: Req,
    resSchema: Res,
    opts: { read?: boolean } = {},
  ) {
    this.call = client.makeBidiStreamRequest(
      path,
      (m: MessageShape<Req>) => Buffer.from(toBinary(reqSchema, m)),
      (b: Buffer) => fromBinary(resSchema, b),
    );
    this.call.on('error', () => {
      /* the status event carries it */
    });
    this.call.on('status', (s: grpc.StatusObject) => {
      this.endStatus = { code: s.code, details: s.details };
      this.wake();
    });
    if (opts.read !== false) this.startReading();
  }

  /** Starts consuming responses (streams opened with `read: false` leave them unread). */
  startReading(): void {
    if (this.reading) return;
    this.reading = true;
    this.call.on('data', (m: MessageShape<Res>) => {
      this.received.push(m);
      this.history.push(m);
      this.wake();
    });
  }

  send(init: MessageInitShape<Req>): void {
    this.call.write(create(this.reqSchema, init));
  }

  /** The next response; rejects after `timeoutMs` or if the stream ended first. */
  async next(timeoutMs = 2000): Promise<MessageShape<Res>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.received.shift();
      if (m !== undefined) return m;
      if (this.endStatus) {
        throw new Error(`stream ended (${this.endStatus.code} ${this.endStatus.details}) before a response`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no response within ${timeoutMs} ms`);
      await this.wait(left);
    }
  }

  /** Asserts nothing arrives within `ms`. */
  async expectNone(ms = 150): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
    const m = this.received.shift();
    if (m !== undefined) throw new Error(`unexpected response: ${JSON.stringify(m, bigintSafe)}`);
  }

  /** The final status; rejects after `timeoutMs`. Unread responses are discarded. */
  async status(timeoutMs = 3000): Promise<EndStatus> {
    const deadline = Date.now() + timeoutMs;
    while (!this.endStatus) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`stream still open after ${timeoutMs} ms`);
      await this.wait(left);
    }
    return this.endStatus;
  }

  get ended(): EndStatus | undefined {
    return this.endStatus;
  }

  /** Half-closes the stream. */
  end(): void {
    this.call.end();
  }

  cancel(): void {
    this.call.cancel();
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve();
      }, ms);
      const done = () => {
        clearTimeout(t);
        resolve();
      };
      this.waiters.push(done);
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

function bigintSafe(_k: string, v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return `<${v.byteLength} bytes>`;
  return v;
}

export type SotwStream = RawStream<typeof DiscoveryRequestSchema, typeof DiscoveryResponseSchema>;
export type DeltaStream = RawStream<typeof DeltaDiscoveryRequestSchema, typeof DeltaDiscoveryResponseSchema>;
export type LrsStream = RawStream<typeof LoadStatsRequestSchema, typeof LoadStatsResponseSchema>;

export class RawXdsClient {
  readonly client: grpc.Client;

  constructor(port: number) {
    this.client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  }

  sotw(opts: { read?: boolean } = {}): SotwStream {
    return new RawStream(
      this.client,
      `${ADS}/StreamAggregatedResources`,
      DiscoveryRequestSchema,
      DiscoveryResponseSchema,
      opts,
    );
  }

  delta(): DeltaStream {
    return new RawStream(
      this.client,
      `${ADS}/DeltaAggregatedResources`,
      DeltaDiscoveryRequestSchema,
      DeltaDiscoveryResponseSchema,
    );
  }

  lrs(): LrsStream {
    return new RawStream(
      this.client,
      '/envoy.service.load_stats.v3.LoadReportingService/StreamLoadStats',
      LoadStatsRequestSchema,
      LoadStatsResponseSchema,
    );
  }

  /** A stream on any path (e.g. the v2 services), requests sent as SotW DiscoveryRequests. */
  sotwAt(path: string): SotwStream {
    return new RawStream(this.client, path, DiscoveryRequestSchema, DiscoveryResponseSchema);
  }

  fetchClientStatus(
    init: MessageInitShape<typeof ClientStatusRequestSchema> = {},
  ): Promise<ClientStatusResponse> {
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        '/envoy.service.status.v3.ClientStatusDiscoveryService/FetchClientStatus',
        (m: MessageShape<typeof ClientStatusRequestSchema>) =>
          Buffer.from(toBinary(ClientStatusRequestSchema, m)),
        (b: Buffer) => fromBinary(ClientStatusResponseSchema, b),
        create(ClientStatusRequestSchema, init),
        (err, res) => (err || res === undefined ? reject(err ?? new Error('no response')) : resolve(res)),
      );
    });
  }

  streamClientStatus(): RawStream<typeof ClientStatusRequestSchema, typeof ClientStatusResponseSchema> {
    return new RawStream(
      this.client,
      '/envoy.service.status.v3.ClientStatusDiscoveryService/StreamClientStatus',
      ClientStatusRequestSchema,
      ClientStatusResponseSchema,
    );
  }

  close(): void {
    this.client.close();
  }
}

/**
 * A client that sends one SotW request over bare HTTP/2 and then does not read: the server's
 * writes stop draining once the flow-control windows are full.
 */
export class StalledClient {
  private readonly session: http2.ClientHttp2Session;
  private readonly stream: http2.ClientHttp2Stream;
  private trailers: http2.IncomingHttpHeaders | undefined;
  private bytes = 0;

  constructor(port: number, request: MessageInitShape<typeof DiscoveryRequestSchema>) {
    this.session = http2.connect(`http://127.0.0.1:${port}`, { settings: { initialWindowSize: 65535 } });
    this.session.on('error', () => {});
    this.stream = this.session.request(
      {
        ':method': 'POST',
        ':path': `${ADS}/StreamAggregatedResources`,
        'content-type': 'application/grpc',
        te: 'trailers',
      },
      { endStream: false },
    );
    this.stream.on('error', () => {});
    this.stream.on('trailers', (t) => {
      this.trailers = t;
    });
    const body = toBinary(DiscoveryRequestSchema, create(DiscoveryRequestSchema, request));
    const frame = Buffer.alloc(5 + body.byteLength);
    frame.writeUInt32BE(body.byteLength, 1);
    frame.set(body, 5);
    this.stream.write(frame);
    this.stream.pause();
  }

  /** Reads everything that is left; resolves with grpc-status and grpc-message from the trailers. */
  async drain(timeoutMs = 5000): Promise<EndStatus & { bytes: number }> {
    this.stream.on('data', (d: Buffer) => {
      this.bytes += d.byteLength;
    });
    this.stream.resume();
    const deadline = Date.now() + timeoutMs;
    while (this.trailers === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (this.trailers === undefined) throw new Error(`no trailers within ${timeoutMs} ms`);
    return {
      code: Number(this.trailers['grpc-status']),
      details: decodeURIComponent(String(this.trailers['grpc-message'] ?? '')),
      bytes: this.bytes,
    };
  }

  close(): void {
    this.stream.close();
    this.session.close();
  }
}
