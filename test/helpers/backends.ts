import * as grpc from '@grpc/grpc-js';
import {
  decodeHealthCheckRequest,
  decodeHealthCheckResponse,
  encodeHealthCheckRequest,
  encodeHealthCheckResponse,
  HEALTH_CHECK_METHOD,
  type HealthCheckRequest,
  type HealthCheckResponse,
} from '../../src/health/index.js';

/**
 * A tiny gRPC service for end-to-end tests: `/vane.test.Echo/Who` answers with the name of
 * the backend that served it (after `sleep-ms` milliseconds when the call carries that metadata).
 * Messages are JSON (gRPC does not care how a payload is encoded), so no .proto is needed.
 */
export const ECHO_SERVICE = {
  who: {
    path: '/vane.test.Echo/Who',
    requestStream: false,
    responseStream: false,
    requestSerialize: (v: object) => Buffer.from(JSON.stringify(v)),
    requestDeserialize: (b: Buffer) => JSON.parse(b.toString()) as Record<string, unknown>,
    responseSerialize: (v: object) => Buffer.from(JSON.stringify(v)),
    responseDeserialize: (b: Buffer) => JSON.parse(b.toString()) as { backend: string },
  },
} satisfies grpc.ServiceDefinition;

export interface Backend {
  name: string;
  port: number;
  served: number;
  /** What its grpc.health.v1 service answers (SERVING by default). */
  setServing(serving: boolean): void;
  stop(): Promise<void>;
}

const HEALTH_SERVICE = {
  check: {
    path: HEALTH_CHECK_METHOD,
    requestStream: false,
    responseStream: false,
    requestSerialize: (v: HealthCheckRequest) => Buffer.from(encodeHealthCheckRequest(v)),
    requestDeserialize: (b: Buffer) => decodeHealthCheckRequest(b),
    responseSerialize: (v: HealthCheckResponse) => encodeHealthCheckResponse(v),
    responseDeserialize: (b: Buffer) => decodeHealthCheckResponse(b),
  },
} satisfies grpc.ServiceDefinition;

/** Starts a gRPC echo backend on 127.0.0.1 with a free port. */
export async function startBackend(name: string): Promise<Backend> {
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
  server.addService(HEALTH_SERVICE, {
    check: (
      _call: grpc.ServerUnaryCall<HealthCheckRequest, HealthCheckResponse>,
      callback: grpc.sendUnaryData<HealthCheckResponse>,
    ) => callback(null, { status: serving ? 'SERVING' : 'NOT_SERVING' }),
  });
  server.addService(ECHO_SERVICE, {
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
      setTimeout(() => callback(null, { backend: name }), sleep);
    },
  });
  backend.port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) =>
      err ? reject(err) : resolve(port),
    ),
  );
  backend.stop = () => new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  return backend;
}
