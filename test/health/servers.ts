// Health-check target servers whose answer the test can flip.
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createSecureServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import {
  Server as GrpcServer,
  status as GrpcStatus,
  type handleUnaryCall,
  ServerCredentials,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import {
  decodeHealthCheckRequest,
  decodeHealthCheckResponse,
  encodeHealthCheckRequest,
  encodeHealthCheckResponse,
  HEALTH_CHECK_METHOD,
  type HealthCheckRequest,
  type HealthCheckResponse,
  type ServingStatus,
} from '../../src/health/index.js';
import { TLS_CERT, TLS_KEY, type Tracked, track } from './helpers.js';

export interface FlipState {
  healthy: boolean;
  /** HTTP body (default 'ok'). */
  body: string;
  requests: { host: string | undefined; url: string | undefined }[];
  /** HTTP requests being answered now, and at most. */
  active: number;
  maxActive: number;
  /** Delays each HTTP answer. */
  delayMs: number;
  /** Replaces the HTTP status of a healthy answer (200). */
  okStatus: number;
}

export interface FlipServer extends Tracked {
  state: FlipState;
  /** The server itself (to hand it connections). */
  server: { emit(event: 'connection', socket: Socket): boolean };
}

function newState(): FlipState {
  return { healthy: true, body: 'ok', requests: [], active: 0, maxActive: 0, delayMs: 0, okStatus: 200 };
}

function httpHandler(state: FlipState) {
  return (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse) => {
    const host = req.headers[':authority'] ?? req.headers.host;
    state.requests.push({ host: typeof host === 'string' ? host : undefined, url: req.url });
    state.active++;
    state.maxActive = Math.max(state.maxActive, state.active);
    const answer = () => {
      state.active--;
      res.writeHead(state.healthy ? state.okStatus : 503, { 'content-type': 'text/plain' });
      res.end(state.body);
    };
    if (state.delayMs > 0) setTimeout(answer, state.delayMs);
    else answer();
  };
}

export async function httpServer(): Promise<FlipServer> {
  const state = newState();
  const server = createHttpServer(httpHandler(state));
  return { ...(await track(server)), state, server };
}

export async function httpsServer(): Promise<FlipServer> {
  const state = newState();
  const server = createHttpsServer({ key: TLS_KEY, cert: TLS_CERT }, httpHandler(state));
  return { ...(await track(server)), state, server };
}

export async function http2Server(): Promise<FlipServer> {
  const state = newState();
  const server = createSecureServer({ key: TLS_KEY, cert: TLS_CERT }, httpHandler(state));
  return { ...(await track(server)), state, server };
}

/** Answers 'PONG' (healthy) or 'NOPE' to each 'PING'. */
function pingPong(state: FlipState) {
  return (sock: Socket) => {
    sock.on('error', () => {});
    sock.on('data', (d: Buffer) => {
      state.requests.push({ host: undefined, url: d.toString() });
      if (d.toString().includes('PING')) sock.write(state.healthy ? 'PONG\n' : 'NOPE\n');
    });
  };
}

export async function tcpServer(): Promise<FlipServer> {
  const state = newState();
  const server = createNetServer(pingPong(state));
  return { ...(await track(server)), state, server };
}

export async function sslServer(): Promise<FlipServer> {
  const state = newState();
  const server = createTlsServer({ key: TLS_KEY, cert: TLS_CERT }, pingPong(state));
  return { ...(await track(server)), state, server };
}

export const healthService: ServiceDefinition = {
  Check: {
    path: HEALTH_CHECK_METHOD,
    requestStream: false,
    responseStream: false,
    requestSerialize: encodeHealthCheckRequest,
    requestDeserialize: decodeHealthCheckRequest,
    responseSerialize: encodeHealthCheckResponse,
    responseDeserialize: decodeHealthCheckResponse,
    originalName: 'check',
  },
};

export interface GrpcFlipServer {
  port: number;
  /** Status by service name; a name not in the map answers NOT_FOUND (as the spec says). */
  statuses: Map<string, ServingStatus>;
  calls: string[];
  close(): Promise<void>;
}

export async function grpcServer(): Promise<GrpcFlipServer> {
  const statuses = new Map<string, ServingStatus>([['', 'SERVING']]);
  const calls: string[] = [];
  const server = new GrpcServer();
  const check: handleUnaryCall<HealthCheckRequest, HealthCheckResponse> = (call, callback) => {
    calls.push(call.request.service);
    const st = statuses.get(call.request.service);
    if (st === undefined) callback({ code: GrpcStatus.NOT_FOUND, details: 'unknown service' });
    else callback(null, { status: st });
  };
  server.addService(healthService, { Check: check });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return {
    port,
    statuses,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.forceShutdown();
        resolve();
      }),
  };
}
