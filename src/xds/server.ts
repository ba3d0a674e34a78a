// The xDS gRPC server: ADS (SotW and delta), LRS and CSDS over plaintext HTTP/2. Services are
// hand-made definitions: requests decode with protobuf-es, responses are pre-assembled bytes.
import { type DescMessage, fromBinary, type MessageShape, toBinary } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import {
  type DeltaDiscoveryRequest,
  DeltaDiscoveryRequestSchema,
  type DiscoveryRequest,
  DiscoveryRequestSchema,
} from '../gen/envoy/service/discovery/v3/discovery_pb.js';
import { type LoadStatsRequest, LoadStatsRequestSchema } from '../gen/envoy/service/load_stats/v3/lrs_pb.js';
import {
  type ClientStatusRequest,
  ClientStatusRequestSchema,
  ClientStatusResponseSchema,
} from '../gen/envoy/service/status/v3/csds_pb.js';
import { clientStatus } from './csds.js';
import { DeltaSession } from './delta-stream.js';
import { type LoadReportSink, serveLoadStats } from './lrs.js';
import { ConnectionRegistry, type StreamProtocol } from './registry.js';
import { SotwSession } from './sotw-stream.js';
import { resolveLimits, type SessionContext, statusError, type XdsLimits } from './stream-state.js';
import type { ConfigSource } from './types.js';

export type { XdsLimits } from './stream-state.js';

export interface XdsServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  source: ConfigSource;
  logger: Logger;
  lrs?: LoadReportSink;
  /** load_reporting_interval asked of LRS clients; default 10. */
  lrsIntervalSeconds?: number;
  limits?: XdsLimits;
  /** How long close() waits for streams to finish before forcing; default 2000 ms. */
  shutdownGraceMs?: number;
}

export interface XdsServer {
  port: number;
  registry: ConnectionRegistry;
  close(): Promise<void>;
}

export const ADS_SERVICE = 'envoy.service.discovery.v3.AggregatedDiscoveryService';
export const LRS_SERVICE = 'envoy.service.load_stats.v3.LoadReportingService';
export const CSDS_SERVICE = 'envoy.service.status.v3.ClientStatusDiscoveryService';

type Ender = (code: number, details: string) => void;

function toBuffer(bytes: Uint8Array): Buffer {
  if (Buffer.isBuffer(bytes)) return bytes;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function method<S extends DescMessage>(
  path: string,
  schema: S,
  requestStream: boolean,
  responseStream: boolean,
): grpc.MethodDefinition<MessageShape<S>, Uint8Array> {
  return {
    path,
    requestStream,
    responseStream,
    requestSerialize: (req: MessageShape<S>) => toBuffer(toBinary(schema, req)),
    requestDeserialize: (buf: Buffer) => fromBinary(schema, buf),
    responseSerialize: toBuffer,
    responseDeserialize: (buf: Buffer) => new Uint8Array(buf),
  };
}

function rawMethod(path: string): grpc.MethodDefinition<Uint8Array, Uint8Array> {
  return {
    path,
    requestStream: true,
    responseStream: true,
    requestSerialize: toBuffer,
    requestDeserialize: (buf: Buffer) => new Uint8Array(buf),
    responseSerialize: toBuffer,
    responseDeserialize: (buf: Buffer) => new Uint8Array(buf),
  };
}

export const adsServiceDefinition = {
  StreamAggregatedResources: method(
    `/${ADS_SERVICE}/StreamAggregatedResources`,
    DiscoveryRequestSchema,
    true,
    true,
  ),
  DeltaAggregatedResources: method(
    `/${ADS_SERVICE}/DeltaAggregatedResources`,
    DeltaDiscoveryRequestSchema,
    true,
    true,
  ),
};
export const lrsServiceDefinition = {
  StreamLoadStats: method(`/${LRS_SERVICE}/StreamLoadStats`, LoadStatsRequestSchema, true, true),
};
export const csdsServiceDefinition = {
  StreamClientStatus: method(`/${CSDS_SERVICE}/StreamClientStatus`, ClientStatusRequestSchema, true, true),
  FetchClientStatus: method(`/${CSDS_SERVICE}/FetchClientStatus`, ClientStatusRequestSchema, false, false),
};

function v2Unimplemented(v2: string, v3: string): grpc.handleBidiStreamingCall<Uint8Array, Uint8Array> {
  return (call) => {
    call.emit(
      'error',
      statusError(grpc.status.UNIMPLEMENTED, `xDS v2 (${v2}) is not supported: use ${v3} (xDS v3)`),
    );
  };
}

/** Starts the xDS server; resolves once it listens. */
export async function startXdsServer(opts: XdsServerOptions): Promise<XdsServer> {
  const limits = resolveLimits(opts.limits);
  const registry = new ConnectionRegistry();
  const logger = opts.logger;
  const live = new Set<Ender>();
  const serverOptions: grpc.ServerOptions = {
    'grpc.max_receive_message_length': limits.maxReceiveMessageBytes,
  };
  if (Number.isFinite(limits.maxConnectionAgeSeconds)) {
    serverOptions['grpc.max_connection_age_ms'] = limits.maxConnectionAgeSeconds * 1000;
    serverOptions['grpc.max_connection_age_grace_ms'] = limits.maxConnectionAgeGraceSeconds * 1000;
  }
  const server = new grpc.Server(serverOptions);
  const bucket = { tokens: limits.newStreamsPerSecond, at: Date.now() };
  let refusedSeq = 0;
  /** Admission: a bounded number of live streams and a rate limit on new ones. */
  const admit = (call: grpc.ServerDuplexStream<unknown, Uint8Array>, protocol: StreamProtocol): boolean => {
    let reason: string | undefined;
    if (registry.size >= limits.maxStreams) {
      reason = `the xDS server is at its limit of ${limits.maxStreams} streams; retry later`;
    } else if (Number.isFinite(limits.newStreamsPerSecond)) {
      const now = Date.now();
      bucket.tokens = Math.min(
        limits.newStreamsPerSecond,
        bucket.tokens + ((now - bucket.at) / 1000) * limits.newStreamsPerSecond,
      );
      bucket.at = now;
      if (bucket.tokens < 1)
        reason = `too many new streams (limit ${limits.newStreamsPerSecond}/s); retry later`;
      else bucket.tokens -= 1;
    }
    if (reason === undefined) return true;
    refusedSeq += 1;
    registry.refuse(
      { id: `refused-${refusedSeq}`, protocol, peer: call.getPeer() },
      '',
      grpc.status.RESOURCE_EXHAUSTED,
      reason,
    );
    call.emit('error', statusError(grpc.status.RESOURCE_EXHAUSTED, reason));
    return false;
  };
  const sessionContext: SessionContext = {
    source: opts.source,
    registry,
    logger,
    limits,
    onEnd: (session) => live.delete(enders.get(session)!),
  };
  const enders = new WeakMap<object, Ender>();
  const track = <T extends { end: Ender }>(session: T): T => {
    const ender: Ender = (code, details) => session.end(code, details);
    enders.set(session, ender);
    live.add(ender);
    return session;
  };

  server.addService(adsServiceDefinition, {
    StreamAggregatedResources: (call: grpc.ServerDuplexStream<DiscoveryRequest, Uint8Array>) => {
      if (admit(call, 'sotw')) track(new SotwSession(call, sessionContext));
    },
    DeltaAggregatedResources: (call: grpc.ServerDuplexStream<DeltaDiscoveryRequest, Uint8Array>) => {
      if (admit(call, 'delta')) track(new DeltaSession(call, sessionContext));
    },
  });
  server.addService(lrsServiceDefinition, {
    StreamLoadStats: (call: grpc.ServerDuplexStream<LoadStatsRequest, Uint8Array>) => {
      if (!admit(call, 'lrs')) return;
      serveLoadStats(call, {
        source: opts.source,
        registry,
        logger,
        sink: opts.lrs,
        intervalSeconds: opts.lrsIntervalSeconds ?? 10,
        track: (end) => {
          live.add(end);
          return () => live.delete(end);
        },
      });
    },
  });
  server.addService(csdsServiceDefinition, {
    FetchClientStatus: (
      call: grpc.ServerUnaryCall<ClientStatusRequest, Uint8Array>,
      callback: grpc.sendUnaryData<Uint8Array>,
    ) => {
      callback(null, toBinary(ClientStatusResponseSchema, clientStatus(registry, call.request)));
    },
    StreamClientStatus: (call: grpc.ServerDuplexStream<ClientStatusRequest, Uint8Array>) => {
      call.on('data', (req: ClientStatusRequest) => {
        call.write(toBinary(ClientStatusResponseSchema, clientStatus(registry, req)));
      });
      call.on('end', () => call.end());
    },
  });
  server.addService(
    {
      StreamAggregatedResources: rawMethod(
        '/envoy.service.discovery.v2.AggregatedDiscoveryService/StreamAggregatedResources',
      ),
    },
    {
      StreamAggregatedResources: v2Unimplemented(
        'envoy.service.discovery.v2.AggregatedDiscoveryService',
        ADS_SERVICE,
      ),
    },
  );
  server.addService(
    { StreamLoadStats: rawMethod('/envoy.service.load_stats.v2.LoadReportingService/StreamLoadStats') },
    { StreamLoadStats: v2Unimplemented('envoy.service.load_stats.v2.LoadReportingService', LRS_SERVICE) },
  );

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${opts.host}:${opts.port}`, grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    );
  });
  logger.info({ host: opts.host, port }, 'xds server listening');

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      for (const end of [...live]) end(grpc.status.UNAVAILABLE, 'the xDS server is shutting down');
      live.clear();
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, opts.shutdownGraceMs ?? 2000);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    }).then(() => logger.info({ port }, 'xds server closed'));
    return closing;
  };
  return { port, registry, close };
}
