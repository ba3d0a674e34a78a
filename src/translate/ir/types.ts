// The intermediate representation: what a node is sent, as plain serialisable objects.
// Every piece carries `source`, the path of the user object it came from, so that a proxy's
// rejection (or a surprising route) can be traced back to a field of a resource.
import type { HealthStatus, TranslateIssue } from '../types.js';

/** google.protobuf.Duration as plain numbers. */
export interface IrDuration {
  seconds: number;
  nanos: number;
}

export interface IrConfig {
  listeners: IrListener[];
  routeConfigs: IrRouteConfig[];
  clusters: IrCluster[];
  issues: TranslateIssue[];
}

export type IrListener = IrApiListener | IrOutboundListener | IrInboundListener | IrServerListener;

/** A proxyless gRPC client listener: named by the authority the client dials. */
export interface IrApiListener {
  kind: 'api';
  name: string;
  source: string;
  routeConfigName: string;
}

/**
 * A proxyless gRPC server listener (gRFC A36), named by the server's resource name template
 * (`grpc/server?xds.resource.listening_address=IP:PORT`): accepts every RPC, plaintext.
 */
export interface IrServerListener {
  kind: 'server';
  name: string;
  address: string;
  port: number;
}

/** HCM or TCP proxy settings shared by sidecar filter chains. */
export interface IrSidecarOptions {
  accessLogPath?: string;
  tracing: boolean;
}

export interface IrOutboundListener extends IrSidecarOptions {
  kind: 'outbound';
  name: string;
  port: number;
  chains: IrFilterChain[];
}

export interface IrFilterChain {
  name: string;
  source: string;
  /** Absent for 0.0.0.0 rules: match by port only. */
  vip?: string;
  port: number;
  destination: { kind: 'http'; routeConfigName: string } | { kind: 'tcp'; cluster: string };
}

export interface IrInboundListener extends IrSidecarOptions {
  kind: 'inbound';
  name: string;
  port: number;
  chains: { name: string; port: number; routeConfigName: string }[];
}

export interface IrRouteConfig {
  name: string;
  source: string;
  virtualHosts: IrVirtualHost[];
  headers?: IrHeaderAction;
}

export interface IrVirtualHost {
  name: string;
  source: string;
  domains: string[];
  routes: IrRoute[];
  headers?: IrHeaderAction;
}

export interface IrHeaderToAdd {
  name: string;
  value: string;
  replace: boolean;
}

export interface IrHeaderAction {
  requestAdd: IrHeaderToAdd[];
  requestRemove: string[];
  responseAdd: IrHeaderToAdd[];
  responseRemove: string[];
}

export type IrPathMatch =
  | { kind: 'prefix'; value: string }
  | { kind: 'path'; value: string }
  | {
      kind: 'regex';
      value: string;
      /** Set when the regex was compiled from a pathTemplateMatch: the template and its variables. */
      template?: string;
      variables?: string[];
    };

export type IrHeaderMatch = { name: string; invert: boolean } & (
  | { kind: 'exact' | 'prefix' | 'suffix' | 'regex'; value: string }
  | { kind: 'present'; present: boolean }
  | { kind: 'range'; start: number; end: number }
);

export type IrQueryMatch = { name: string } & (
  | { kind: 'exact' | 'regex'; value: string }
  | { kind: 'present'; present: boolean }
);

export interface IrMatch {
  path: IrPathMatch;
  caseSensitive: boolean;
  headers: IrHeaderMatch[];
  queryParameters: IrQueryMatch[];
}

export interface IrWeightedCluster {
  cluster: string;
  weight: number;
  headers?: IrHeaderAction;
}

export type IrRouteAction =
  | { kind: 'cluster'; cluster: string }
  | { kind: 'weighted'; clusters: IrWeightedCluster[] }
  | { kind: 'redirect'; redirect: IrRedirect };

export interface IrRedirect {
  host?: string;
  path?: string;
  prefix?: string;
  https: boolean;
  stripQuery: boolean;
  responseCode: 'MOVED_PERMANENTLY' | 'FOUND' | 'SEE_OTHER' | 'TEMPORARY_REDIRECT' | 'PERMANENT_REDIRECT';
}

export interface IrRetry {
  retryOn: string;
  numRetries: number;
  perTryTimeout?: IrDuration;
}

/** A fault percentage is parts per million (Envoy's MILLION denominator). */
export interface IrFault {
  delay?: { fixedDelay: IrDuration; perMillion: number };
  abort?: { httpStatus: number; perMillion: number };
}

export interface IrCors {
  allowOrigins: string[];
  allowOriginRegexes: string[];
  allowMethods: string[];
  allowHeaders: string[];
  exposeHeaders: string[];
  maxAge?: number;
  allowCredentials: boolean;
  disabled: boolean;
}

export type IrHashPolicy =
  | { kind: 'header'; header: string }
  | { kind: 'cookie'; name: string; ttl?: IrDuration; path?: string }
  | { kind: 'sourceIp' };

export interface IrRoute {
  /** `projects/P/global/urlMaps/m/pathMatchers[0]/routeRules[2]/matchRules[0]` */
  source: string;
  match: IrMatch;
  action: IrRouteAction;
  timeout?: IrDuration;
  maxStreamDuration?: IrDuration;
  retry?: IrRetry;
  fault?: IrFault;
  prefixRewrite?: string;
  /** From pathTemplateRewrite: RE2 pattern (the match's) and substitution (`\\1`-style groups). */
  regexRewrite?: { pattern: string; substitution: string };
  hostRewrite?: string;
  mirrorClusters?: string[];
  cors?: IrCors;
  hashPolicies?: IrHashPolicy[];
  headers?: IrHeaderAction;
}

export type IrLbPolicy = 'ROUND_ROBIN' | 'LEAST_REQUEST' | 'RING_HASH' | 'RANDOM' | 'MAGLEV';

export interface IrCircuitBreakers {
  maxConnections?: number;
  maxPendingRequests?: number;
  maxRequests?: number;
  maxRetries?: number;
}

export interface IrOutlierDetection {
  interval?: IrDuration;
  baseEjectionTime?: IrDuration;
  maxEjectionPercent?: number;
  consecutive5xx?: number;
  enforcingConsecutive5xx?: number;
  consecutiveGatewayFailure?: number;
  enforcingConsecutiveGatewayFailure?: number;
  successRateMinimumHosts?: number;
  successRateRequestVolume?: number;
  successRateStdevFactor?: number;
  enforcingSuccessRate?: number;
}

export interface IrCluster {
  name: string;
  source: string;
  /** EDS clusters get endpoints from translateEndpoints; STATIC ones carry `staticEndpoint`. */
  discovery: 'EDS' | 'STATIC';
  staticEndpoint?: { address: string; port: number };
  lbPolicy: IrLbPolicy;
  minimumRingSize?: number;
  connectTimeout: IrDuration;
  /** Whether to report load to the control plane (`lrs_server {self {}}`). */
  lrs: boolean;
  /** healthy_panic_threshold in percent (Traffic Director: 1, fail open at 99 % unhealthy). */
  panicThreshold?: number;
  upstreamProtocol?: 'HTTP1' | 'HTTP2';
  maxRequestsPerConnection?: number;
  circuitBreakers?: IrCircuitBreakers;
  outlierDetection?: IrOutlierDetection;
}

export interface IrEndpoint {
  address: string;
  port: number;
  health: HealthStatus;
  /** The NEG the endpoint is attached to. */
  source: string;
}

export interface IrLocality {
  region: string;
  zone: string;
  priority: number;
  weight: number;
  endpoints: IrEndpoint[];
}

export interface IrClusterEndpoints {
  clusterName: string;
  source: string;
  localities: IrLocality[];
  /**
   * At least 99 % of the service's endpoints are unhealthy, so health is ignored and every
   * endpoint is offered (as UNKNOWN, which proxies use): the service port may still work.
   */
  failOpen?: true;
  /** The node's zone asks more than its priority-0 localities' RATE capacity: the excess spills. */
  spill?: { demand: number; capacity: number };
}

export interface IrEndpoints {
  endpoints: IrClusterEndpoints[];
  issues: TranslateIssue[];
}
