import type { HealthCheckType } from '../../model/kinds/health-check.js';
import type { GrpcProbeSpec, HttpProbeSpec, Prober, TcpProbeSpec } from '../types.js';
import { GrpcProber } from './grpc.js';
import { HttpProber } from './http.js';
import { Http2Prober } from './http2.js';
import { tcpProber } from './tcp.js';

export type AnyProbeSpec = TcpProbeSpec & HttpProbeSpec & GrpcProbeSpec;

/** One prober per protocol. */
export function createProbers(): Record<HealthCheckType, Prober<AnyProbeSpec>> {
  return {
    TCP: tcpProber(false),
    SSL: tcpProber(true),
    HTTP: new HttpProber(false),
    HTTPS: new HttpProber(true),
    HTTP2: new Http2Prober(),
    GRPC: new GrpcProber(),
  };
}

export { GrpcProber } from './grpc.js';
export { HttpProber } from './http.js';
export { Http2Prober } from './http2.js';
export { probeSsl, probeTcp, tcpProber } from './tcp.js';
