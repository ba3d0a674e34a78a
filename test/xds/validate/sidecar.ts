// A realistic Traffic-Director-style sidecar configuration (interception listener with HCM and
// TcpProxy chains, RDS routes, EDS clusters with HTTP/2 protocol options, load assignments),
// built with `create(Schema, ...)` from the generated Envoy types. Shared by the tests here.
import { create } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import {
  type Cluster,
  Cluster_DiscoveryType,
  Cluster_LbPolicy,
  ClusterSchema,
} from '../../../src/gen/envoy/config/cluster/v3/cluster_pb.js';
import {
  type ClusterLoadAssignment,
  ClusterLoadAssignmentSchema,
} from '../../../src/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { type Listener, ListenerSchema } from '../../../src/gen/envoy/config/listener/v3/listener_pb.js';
import {
  type RouteConfiguration,
  RouteConfigurationSchema,
} from '../../../src/gen/envoy/config/route/v3/route_pb.js';
import { FileAccessLogSchema } from '../../../src/gen/envoy/extensions/access_loggers/file/v3/file_pb.js';
import { CorsSchema } from '../../../src/gen/envoy/extensions/filters/http/cors/v3/cors_pb.js';
import { HTTPFaultSchema } from '../../../src/gen/envoy/extensions/filters/http/fault/v3/fault_pb.js';
import { RouterSchema } from '../../../src/gen/envoy/extensions/filters/http/router/v3/router_pb.js';
import { OriginalDstSchema } from '../../../src/gen/envoy/extensions/filters/listener/original_dst/v3/original_dst_pb.js';
import {
  type HttpConnectionManager,
  HttpConnectionManager_CodecType,
  HttpConnectionManagerSchema,
} from '../../../src/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import {
  type TcpProxy,
  TcpProxySchema,
} from '../../../src/gen/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.js';
import { UuidRequestIdConfigSchema } from '../../../src/gen/envoy/extensions/request_id/uuid/v3/uuid_pb.js';
import { HttpProtocolOptionsSchema } from '../../../src/gen/envoy/extensions/upstreams/http/v3/http_protocol_options_pb.js';

export const LISTENER_NAME = 'TRAFFICDIRECTOR_INTERCEPTION_LISTENER';
export const ROUTE_NAME = 'URL_MAP/123456789_wallet-map';
export const CLUSTERS = [
  'cloud-internal-istio:cloud_mp_123456789_wallet-v1',
  'cloud-internal-istio:cloud_mp_123456789_wallet-v2',
];

const ads = () => ({ configSourceSpecifier: { case: 'ads' as const, value: {} }, resourceApiVersion: 2 });

export function hcm(routeConfigName = ROUTE_NAME): HttpConnectionManager {
  return create(HttpConnectionManagerSchema, {
    codecType: HttpConnectionManager_CodecType.AUTO,
    statPrefix: 'trafficdirector',
    routeSpecifier: { case: 'rds', value: { routeConfigName, configSource: ads() } },
    httpFilters: [
      {
        name: 'envoy.filters.http.fault',
        configType: { case: 'typedConfig', value: anyPack(HTTPFaultSchema, create(HTTPFaultSchema)) },
      },
      {
        name: 'envoy.filters.http.cors',
        configType: { case: 'typedConfig', value: anyPack(CorsSchema, create(CorsSchema)) },
      },
      {
        name: 'envoy.filters.http.router',
        configType: {
          case: 'typedConfig',
          value: anyPack(RouterSchema, create(RouterSchema, { suppressEnvoyHeaders: true })),
        },
      },
    ],
    accessLog: [
      {
        name: 'envoy.access_loggers.file',
        configType: {
          case: 'typedConfig',
          value: anyPack(FileAccessLogSchema, create(FileAccessLogSchema, { path: '/dev/stdout' })),
        },
      },
    ],
    requestIdExtension: {
      typedConfig: anyPack(
        UuidRequestIdConfigSchema,
        create(UuidRequestIdConfigSchema, { packTraceReason: true }),
      ),
    },
    useRemoteAddress: false,
    streamIdleTimeout: { seconds: 300n },
    maxRequestHeadersKb: 60,
  });
}

export function tcpProxy(cluster = CLUSTERS[0]): TcpProxy {
  return create(TcpProxySchema, {
    statPrefix: 'tcp_wallet',
    clusterSpecifier: { case: 'cluster', value: cluster },
    idleTimeout: { seconds: 3600n },
  });
}

export function listener(h: HttpConnectionManager = hcm(), t: TcpProxy = tcpProxy()): Listener {
  return create(ListenerSchema, {
    name: LISTENER_NAME,
    address: {
      address: {
        case: 'socketAddress',
        value: { address: '0.0.0.0', portSpecifier: { case: 'portValue', value: 15001 } },
      },
    },
    useOriginalDst: true,
    listenerFilters: [
      {
        name: 'envoy.filters.listener.original_dst',
        configType: { case: 'typedConfig', value: anyPack(OriginalDstSchema, create(OriginalDstSchema)) },
      },
    ],
    filterChains: [
      {
        name: 'http',
        filterChainMatch: {
          destinationPort: 80,
          prefixRanges: [{ addressPrefix: '10.0.0.0', prefixLen: 8 }],
        },
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            configType: { case: 'typedConfig', value: anyPack(HttpConnectionManagerSchema, h) },
          },
        ],
      },
      {
        name: 'tcp',
        filterChainMatch: { destinationPort: 5432 },
        filters: [
          {
            name: 'envoy.filters.network.tcp_proxy',
            configType: { case: 'typedConfig', value: anyPack(TcpProxySchema, t) },
          },
        ],
      },
    ],
    trafficDirection: 2,
  });
}

export function routeConfiguration(): RouteConfiguration {
  return create(RouteConfigurationSchema, {
    name: ROUTE_NAME,
    validateClusters: false,
    virtualHosts: [
      {
        name: 'wallet',
        domains: ['wallet', 'wallet.example.com', 'wallet:80'],
        routes: [
          {
            name: 'canary',
            match: {
              pathSpecifier: { case: 'prefix', value: '/' },
              headers: [{ name: 'x-canary', headerMatchSpecifier: { case: 'presentMatch', value: true } }],
            },
            action: {
              case: 'route',
              value: {
                clusterSpecifier: {
                  case: 'weightedClusters',
                  value: {
                    clusters: [
                      { name: CLUSTERS[0], weight: 80 },
                      { name: CLUSTERS[1], weight: 20 },
                    ],
                  },
                },
                timeout: { seconds: 30n },
                retryPolicy: { retryOn: '5xx,reset', numRetries: 2, perTryTimeout: { seconds: 5n } },
              },
            },
            requestHeadersToAdd: [{ header: { key: 'x-route', value: 'canary' } }],
          },
          {
            match: { pathSpecifier: { case: 'prefix', value: '/' } },
            action: {
              case: 'route',
              value: {
                clusterSpecifier: { case: 'cluster', value: CLUSTERS[0] },
                requestMirrorPolicies: [
                  { cluster: CLUSTERS[1], runtimeFraction: { defaultValue: { numerator: 10 } } },
                ],
              },
            },
          },
        ],
      },
    ],
  });
}

export function cluster(name: string, serviceName = ''): Cluster {
  return create(ClusterSchema, {
    name,
    clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.EDS },
    edsClusterConfig: { edsConfig: ads(), serviceName },
    connectTimeout: { seconds: 5n },
    lbPolicy: Cluster_LbPolicy.ROUND_ROBIN,
    circuitBreakers: { thresholds: [{ maxConnections: 1024, maxRequests: 1024 }] },
    outlierDetection: { consecutive5xx: 5, interval: { seconds: 10n }, baseEjectionTime: { seconds: 30n } },
    typedExtensionProtocolOptions: {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': anyPack(
        HttpProtocolOptionsSchema,
        create(HttpProtocolOptionsSchema, {
          upstreamProtocolOptions: {
            case: 'explicitHttpConfig',
            value: { protocolConfig: { case: 'http2ProtocolOptions', value: { maxConcurrentStreams: 100 } } },
          },
        }),
      ),
    },
    metadata: { filterMetadata: { 'com.google.trafficdirector': { backend_service_name: 'wallet-v1' } } },
  });
}

export function loadAssignment(clusterName: string): ClusterLoadAssignment {
  return create(ClusterLoadAssignmentSchema, {
    clusterName,
    endpoints: [
      {
        locality: { region: 'us-central1', zone: 'us-central1-a' },
        loadBalancingWeight: 100,
        lbEndpoints: [
          {
            hostIdentifier: {
              case: 'endpoint',
              value: {
                address: {
                  address: {
                    case: 'socketAddress',
                    value: { address: '10.0.0.12', portSpecifier: { case: 'portValue', value: 8080 } },
                  },
                },
              },
            },
            healthStatus: 1,
            loadBalancingWeight: 1,
          },
        ],
      },
    ],
    policy: { overprovisioningFactor: 140 },
  });
}

export function snapshot(): {
  listeners: Listener[];
  routes: RouteConfiguration[];
  clusters: Cluster[];
  endpoints: ClusterLoadAssignment[];
} {
  return {
    listeners: [listener()],
    routes: [routeConfiguration()],
    clusters: CLUSTERS.map((c) => cluster(c)),
    endpoints: CLUSTERS.map((c) => loadAssignment(c)),
  };
}
