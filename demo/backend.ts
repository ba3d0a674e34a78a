// A real gRPC backend: `Who` answers with the backend's name (and whatever else it was told
// to add: the demo adds zone and version), and grpc.health.v1 answers SERVING so that
// Vane's gRPC health checks pass. Messages are JSON (gRPC does not care how a payload is
// encoded), so no .proto is needed. The end-to-end tests use the same server.
import * as grpc from '@grpc/grpc-js';
import {
  HEALTH_SERVICE_DEFINITION,
  type HealthCheckRequest,
  type HealthCheckResponse,
} from '../src/health/index.js';

/** A unary `Who` method at `path` with JSON messages. */
export function whoService(path: string) {
  return {
    who: {
      path,
      requestStream: false,
      responseStream: false,
      requestSerialize: (v: object) => Buffer.from(JSON.stringify(v)),
      requestDeserialize: (b: Buffer) => JSON.parse(b.toString()) as Record<string, unknown>,
      responseSerialize: (v: object) => Buffer.from(JSON.stringify(v)),
      responseDeserialize: (b: Buffer) => JSON.parse(b.toString()) as { backend: string },
    },
  } satisfies grpc.ServiceDefinition;
}

/** The demo's wallet service. */
export const WALLET_SERVICE = whoService('/vane.demo.Wallet/Who');

export interface Backend {
  name: string;
  port: number;
  served: number;
  /** What its grpc.health.v1 service answers (SERVING by default). */
  setServing(serving: boolean): void;
  stop(): Promise<void>;
}

export interface BackendOptions {
  /** The service to serve (default WALLET_SERVICE). */
  service?: ReturnType<typeof whoService>;
  /** Extra fields of every answer, next to `backend: NAME`. */
  reply?: Record<string, unknown>;
  /** Port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
}

/** Starts a gRPC backend on 127.0.0.1. */
export async function startBackend(name: string, opts: BackendOptions = {}): Promise<Backend> {
  const server = new grpc.Server();
  let serving = true;
  const backend: Backend = {
    name,
    port: 0,
    served: 0,
    setServing: (value) => {
      serving = value;
    },
    stop: async () => {},
  };
  server.addService(HEALTH_SERVICE_DEFINITION, {
    check: (
      _call: grpc.ServerUnaryCall<HealthCheckRequest, HealthCheckResponse>,
      callback: grpc.sendUnaryData<HealthCheckResponse>,
    ) => callback(null, { status: serving ? 'SERVING' : 'NOT_SERVING' }),
  });
  const reply = { ...opts.reply, backend: name };
  server.addService(opts.service ?? WALLET_SERVICE, {
    who: (
      call: grpc.ServerUnaryCall<Record<string, unknown>, object>,
      callback: grpc.sendUnaryData<object>,
    ) => {
      backend.served += 1;
      // `sleep-ms` metadata makes the backend slow (timeout tests); `fail-on: NAME` makes
      // backend NAME answer UNAVAILABLE (outlier detection tests).
      if (call.metadata.get('fail-on').includes(name)) {
        callback({ code: grpc.status.UNAVAILABLE, details: `${name} fails on request` });
        return;
      }
      const sleep = Number(call.metadata.get('sleep-ms')[0] ?? 0);
      setTimeout(() => callback(null, reply), sleep);
    },
  });
  backend.port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${opts.port ?? 0}`, grpc.ServerCredentials.createInsecure(), (err, port) =>
      err ? reject(err) : resolve(port),
    ),
  );
  backend.stop = () => new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  return backend;
}
