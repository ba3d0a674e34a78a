// Test helpers for the health checker: real servers on 127.0.0.1 and target builders.
// fixtures/key.pem + cert.pem: a static self-signed P-256 certificate (CN=localhost,
// SAN IP:127.0.0.1), created once with
//   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
//     -keyout key.pem -out cert.pem -days 36500 -subj /CN=localhost \
//     -addext subjectAltName=IP:127.0.0.1,DNS:localhost
// (node:crypto cannot issue X.509 certificates).
import { readFileSync } from 'node:fs';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import { pino } from 'pino';
import { endpointHealthKey, HealthChecker, type HealthCheckerOptions } from '../../src/health/index.js';
import type { CheckTarget } from '../../src/health/types.js';
import type { HealthCheck, HealthCheckType } from '../../src/model/kinds/health-check.js';

const FIXTURES = new URL('../../../test/health/fixtures/', import.meta.url);
export const TLS_KEY = readFileSync(new URL('key.pem', FIXTURES));
export const TLS_CERT = readFileSync(new URL('cert.pem', FIXTURES));

export const logger = pino({ level: 'silent' });

export const FIELD: Record<HealthCheckType, keyof HealthCheck> = {
  TCP: 'tcpHealthCheck',
  SSL: 'sslHealthCheck',
  HTTP: 'httpHealthCheck',
  HTTPS: 'httpsHealthCheck',
  HTTP2: 'http2HealthCheck',
  GRPC: 'grpcHealthCheck',
};

export function makeCheck(
  type: HealthCheckType,
  details: Record<string, unknown> = {},
  over: Partial<HealthCheck> = {},
): HealthCheck {
  return {
    name: 'hc',
    type,
    checkIntervalSec: 1,
    timeoutSec: 1,
    healthyThreshold: 2,
    unhealthyThreshold: 2,
    [FIELD[type]]: { portSpecification: 'USE_SERVING_PORT', ...details },
    ...over,
  } as HealthCheck;
}

export const NEG = 'projects/p/zones/us-central1-a/networkEndpointGroups/neg';

export function makeTarget(port: number, check: HealthCheck, over: Partial<CheckTarget> = {}): CheckTarget {
  return {
    key: endpointHealthKey(NEG, '127.0.0.1', port),
    ip: '127.0.0.1',
    servingPort: port,
    check,
    checkPath: 'projects/p/global/healthChecks/hc',
    intervalMs: 40,
    timeoutMs: 250,
    ...over,
  };
}

export function newChecker(opts: Partial<HealthCheckerOptions> = {}): HealthChecker {
  return new HealthChecker({ logger, ...opts });
}

export async function waitFor(cond: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Tracks a server's connections: how many are open now, at most, and in total. */
export interface Tracked {
  port: number;
  open: Set<Socket>;
  stats: { total: number; maxOpen: number };
  close(): Promise<void>;
}

interface ListenableServer {
  listen(port: number, host: string, cb: () => void): unknown;
  address(): AddressInfo | string | null;
  on(event: 'connection' | 'secureConnection', cb: (s: Socket) => void): unknown;
  close(cb?: (err?: Error) => void): unknown;
}

/** Listens on 127.0.0.1:0 and tracks raw TCP connections. */
export async function track(server: ListenableServer): Promise<Tracked> {
  const open = new Set<Socket>();
  const stats = { total: 0, maxOpen: 0 };
  server.on('connection', (s: Socket) => {
    open.add(s);
    stats.total++;
    stats.maxOpen = Math.max(stats.maxOpen, open.size);
    s.on('close', () => open.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    open,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of open) s.destroy();
      }),
  };
}

/** A port nothing listens on. */
export async function refusedPort(): Promise<number> {
  const { createServer } = await import('node:net');
  const t = await track(createServer() as NetServer);
  await t.close();
  return t.port;
}
