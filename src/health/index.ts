// Active health checking of NEG endpoints (HealthCheck resources): see checker.ts.
export {
  checkSettingsHash,
  endpointHealthKey,
  HealthChecker,
  type HealthCheckerOptions,
  resolvePort,
} from './checker.js';
export {
  decodeHealthCheckRequest,
  decodeHealthCheckResponse,
  encodeHealthCheckRequest,
  encodeHealthCheckResponse,
  HEALTH_CHECK_METHOD,
  HEALTH_SERVICE_DEFINITION,
  type HealthCheckRequest,
  type HealthCheckResponse,
  type ServingStatus,
} from './probes/grpc.js';
export {
  type AnyProbeSpec,
  createProbers,
  GrpcProber,
  Http2Prober,
  HttpProber,
  probeSsl,
  probeTcp,
  tcpProber,
} from './probes/index.js';
export type {
  CheckTarget,
  EndpointHealth,
  GrpcProbeSpec,
  HealthCheckerCounters,
  HealthState,
  HttpProbeSpec,
  ProbeResult,
  Prober,
  ProbeTarget,
  ProtocolCounters,
  ProxyHeader,
  TcpProbeSpec,
  TransitionListener,
} from './types.js';
