import type { HealthCheck, HealthCheckType } from '../model/kinds/health-check.js';

/** Where one probe goes. */
export interface ProbeTarget {
  ip: string;
  /** The port chosen by the check's portSpecification. */
  port: number;
  /** Probe timeout; the AbortSignal is authoritative, this only feeds protocol deadlines (gRPC). */
  timeoutMs: number;
  /**
   * Identifies the pooled connection/channel the probe may reuse (the checker passes the
   * endpoint key plus port). Absent: the probe uses a fresh connection and closes it.
   */
  poolKey?: string;
}

/** Outcome of one probe. */
export interface ProbeResult {
  ok: boolean;
  /** Short: why it failed, or what it saw. */
  detail: string;
  latencyMs: number;
  /** True when the probe was ended by its timeout. */
  timedOut?: boolean;
}

export type ProxyHeader = 'NONE' | 'PROXY_V1';

/** tcpHealthCheck / sslHealthCheck. */
export interface TcpProbeSpec {
  request?: string;
  response?: string;
  proxyHeader?: ProxyHeader;
}

/** httpHealthCheck / httpsHealthCheck / http2HealthCheck. */
export interface HttpProbeSpec {
  host?: string;
  requestPath?: string;
  response?: string;
  proxyHeader?: ProxyHeader;
}

/** grpcHealthCheck. */
export interface GrpcProbeSpec {
  grpcServiceName?: string;
}

/**
 * One protocol's prober. Probers own pooled connections (keep-alive agents, HTTP/2 sessions,
 * gRPC channels) keyed by `ProbeTarget.poolKey`; `release` drops one, `close` drops all.
 */
export interface Prober<Spec> {
  probe(target: ProbeTarget, spec: Spec, signal: AbortSignal): Promise<ProbeResult>;
  release(poolKey: string): void;
  close(): Promise<void>;
}

export type HealthState = 'UNKNOWN' | 'HEALTHY' | 'UNHEALTHY';

export interface EndpointHealth {
  state: HealthState;
  consecutiveSuccesses: number;
  consecutiveFailures: number;
  /** Epoch ms (the checker's `now`) when the last probe finished. */
  lastProbeAt?: number;
  lastResult?: ProbeResult;
  lastTransitionAt?: number;
  transitions: number;
}

/** One endpoint to check with one HealthCheck. */
export interface CheckTarget {
  /** `<negPath>|<ip>|<port>`, the key of `TranslateInput.health`. */
  key: string;
  ip: string;
  /** The endpoint's own port (USE_SERVING_PORT). */
  servingPort: number;
  /** Port names to numbers, for USE_NAMED_PORT. */
  namedPorts?: Record<string, number>;
  /** The HealthCheck resource body. */
  check: HealthCheck;
  /** The HealthCheck's resource path. */
  checkPath: string;
  /** Overrides checkIntervalSec (tests, sub-second intervals). */
  intervalMs?: number;
  /** Overrides timeoutSec. */
  timeoutMs?: number;
}

export type TransitionListener = (
  key: string,
  from: HealthState,
  to: HealthState,
  health: EndpointHealth,
) => void;

export interface ProtocolCounters {
  started: number;
  succeeded: number;
  failed: number;
  timedOut: number;
}

/** Cumulative counters (except the gauges inFlight, queued, targets). */
export interface HealthCheckerCounters {
  probes: Record<HealthCheckType, ProtocolCounters>;
  transitions: number;
  /** Probes holding a concurrency slot now. */
  inFlight: number;
  /** Highest inFlight seen. */
  maxInFlight: number;
  /** Probes waiting for a concurrency slot now. */
  queued: number;
  /** Ticks skipped because the endpoint's previous probe was still running (or queued). */
  skipped: number;
  /** Time probes waited for a concurrency slot. */
  queueWait: { count: number; totalMs: number; maxMs: number };
  /** Endpoints being checked. */
  targets: number;
}
