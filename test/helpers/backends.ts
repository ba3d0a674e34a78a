import { type Backend, startBackend as startWhoBackend, whoService } from '../../demo/backend.js';

export type { Backend };

/**
 * A tiny gRPC service for end-to-end tests: `/vane.test.Echo/Who` answers with the name of
 * the backend that served it (after `sleep-ms` milliseconds when the call carries that metadata).
 * Messages are JSON (gRPC does not care how a payload is encoded), so no .proto is needed.
 * The server is the demo's backend (demo/backend.ts), serving this service.
 */
export const ECHO_SERVICE = whoService('/vane.test.Echo/Who');

/** Starts a gRPC echo backend on 127.0.0.1 with a free port. */
export function startBackend(name: string): Promise<Backend> {
  return startWhoBackend(name, { service: ECHO_SERVICE });
}
