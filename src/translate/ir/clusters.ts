// Backend service → cluster. One EDS cluster per reachable backend service, named after it;
// proxyless clients only get what grpc-js-xds accepts (ROUND_ROBIN or RING_HASH).
import type { BackendService } from '../../model/kinds/backend-service.js';
import type { NodeView, TranslateIssue } from '../types.js';
import { duration } from './duration.js';
import type { Loaded } from './resources.js';
import type { IrCircuitBreakers, IrCluster, IrLbPolicy, IrOutlierDetection } from './types.js';

const SIDECAR_LB: ReadonlySet<string> = new Set([
  'ROUND_ROBIN',
  'LEAST_REQUEST',
  'RING_HASH',
  'RANDOM',
  'MAGLEV',
]);
const PROXYLESS_LB: ReadonlySet<string> = new Set(['ROUND_ROBIN', 'RING_HASH']);

/** connect_timeout for every cluster. */
export const CONNECT_TIMEOUT = { seconds: 10, nanos: 0 };

export function buildCluster(
  bs: Loaded<'backendServices'>,
  view: NodeView,
  issues: TranslateIssue[],
): IrCluster {
  const b = bs.body;
  const cluster: IrCluster = {
    name: bs.name,
    source: bs.path,
    discovery: 'EDS',
    lbPolicy: lbPolicy(bs, view, issues),
    connectTimeout: { ...CONNECT_TIMEOUT },
    lrs: true,
    panicThreshold: 1,
  };
  if (cluster.lbPolicy === 'RING_HASH' && b.consistentHash?.minimumRingSize !== undefined) {
    cluster.minimumRingSize = b.consistentHash.minimumRingSize;
  }
  if (view.kind === 'envoy') {
    if (b.protocol === 'GRPC' || b.protocol === 'HTTP2') cluster.upstreamProtocol = 'HTTP2';
    const perConnection = b.circuitBreakers?.maxRequestsPerConnection;
    if (perConnection !== undefined) {
      cluster.maxRequestsPerConnection = perConnection;
      cluster.upstreamProtocol ??= 'HTTP1';
    }
  }
  const cb = circuitBreakers(b, view);
  if (cb !== undefined) cluster.circuitBreakers = cb;
  const od = outlierDetection(b);
  if (od !== undefined) cluster.outlierDetection = od;
  return cluster;
}

function lbPolicy(bs: Loaded<'backendServices'>, view: NodeView, issues: TranslateIssue[]): IrLbPolicy {
  const { policy, unsupported } = effectiveLbPolicy(bs.body, view);
  if (unsupported !== undefined) {
    const who = view.kind === 'grpc' ? 'proxyless gRPC clients' : 'Envoy sidecars';
    issues.push({
      resource: bs.path,
      location: unsupported.location,
      message: `${unsupported.policy} is not supported for ${who}: ROUND_ROBIN is used`,
    });
  }
  return policy;
}

/**
 * The policy a node uses for a backend service: the first one it supports in
 * localityLbPolicies, else localityLbPolicy, else ROUND_ROBIN (with what was not supported).
 */
export function effectiveLbPolicy(
  b: BackendService,
  view: NodeView,
): { policy: IrLbPolicy; unsupported?: { location: string; policy: string } } {
  const supported = view.kind === 'grpc' ? PROXYLESS_LB : SIDECAR_LB;
  const listed = b.localityLbPolicies ?? [];
  for (const p of listed) {
    if (p.policy !== undefined && supported.has(p.policy.name))
      return { policy: p.policy.name as IrLbPolicy };
  }
  const wanted = b.localityLbPolicy ?? (listed.length > 0 ? undefined : 'ROUND_ROBIN');
  if (wanted !== undefined && supported.has(wanted)) return { policy: wanted as IrLbPolicy };
  return {
    policy: 'ROUND_ROBIN',
    unsupported:
      wanted === undefined
        ? { location: 'localityLbPolicies', policy: 'none of the listed policies' }
        : { location: 'localityLbPolicy', policy: wanted },
  };
}

function circuitBreakers(b: BackendService, view: NodeView): IrCircuitBreakers | undefined {
  const c = b.circuitBreakers;
  if (c === undefined) return undefined;
  // gRPC enforces only max_requests (gRFC A32).
  const out: IrCircuitBreakers =
    view.kind === 'grpc'
      ? { ...(c.maxRequests === undefined ? {} : { maxRequests: c.maxRequests }) }
      : {
          ...(c.maxConnections === undefined ? {} : { maxConnections: c.maxConnections }),
          ...(c.maxPendingRequests === undefined ? {} : { maxPendingRequests: c.maxPendingRequests }),
          ...(c.maxRequests === undefined ? {} : { maxRequests: c.maxRequests }),
          ...(c.maxRetries === undefined ? {} : { maxRetries: c.maxRetries }),
        };
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * The Compute API's outlier detection defaults, written out: every field is sent explicitly,
 * so proxies apply GCP's documented values rather than their own (and grpc-js 1.14, which
 * crashes on success-rate ejection without a minimum host count, gets one).
 */
const OUTLIER_DEFAULTS = {
  interval: { seconds: 1 },
  baseEjectionTime: { seconds: 30 },
  maxEjectionPercent: 50,
  consecutiveErrors: 5,
  enforcingConsecutiveErrors: 0,
  consecutiveGatewayFailure: 3,
  enforcingConsecutiveGatewayFailure: 100,
  successRateMinimumHosts: 5,
  successRateRequestVolume: 100,
  successRateStdevFactor: 1900,
  enforcingSuccessRate: 100,
};

function outlierDetection(b: BackendService): IrOutlierDetection | undefined {
  if (b.outlierDetection === undefined) return undefined;
  const o = { ...OUTLIER_DEFAULTS, ...b.outlierDetection };
  return {
    interval: duration(o.interval),
    baseEjectionTime: duration(o.baseEjectionTime),
    maxEjectionPercent: o.maxEjectionPercent,
    consecutive5xx: o.consecutiveErrors,
    enforcingConsecutive5xx: o.enforcingConsecutiveErrors,
    consecutiveGatewayFailure: o.consecutiveGatewayFailure,
    enforcingConsecutiveGatewayFailure: o.enforcingConsecutiveGatewayFailure,
    successRateMinimumHosts: o.successRateMinimumHosts,
    successRateRequestVolume: o.successRateRequestVolume,
    successRateStdevFactor: o.successRateStdevFactor,
    enforcingSuccessRate: o.enforcingSuccessRate,
  };
}

/** `inbound|<port>`: the sidecar's local serving port, as a STATIC cluster to 127.0.0.1. */
export function inboundCluster(port: number): IrCluster {
  return {
    name: `inbound|${port}`,
    source: `node:TRAFFICDIRECTOR_INBOUND_BACKEND_PORTS/${port}`,
    discovery: 'STATIC',
    staticEndpoint: { address: '127.0.0.1', port },
    lbPolicy: 'ROUND_ROBIN',
    connectTimeout: { ...CONNECT_TIMEOUT },
    lrs: false,
  };
}
