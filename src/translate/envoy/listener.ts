// IR listeners → Envoy Listener messages: API listeners for proxyless gRPC clients, and the
// sidecar's outbound interception and inbound listeners.
import type { Any } from '@bufbuild/protobuf/wkt';
import { AccessLogSchema } from '../../gen/envoy/config/accesslog/v3/accesslog_pb.js';
import { CidrRangeSchema } from '../../gen/envoy/config/core/v3/address_pb.js';
import { ApiListenerSchema } from '../../gen/envoy/config/listener/v3/api_listener_pb.js';
import {
  type Filter,
  type FilterChain,
  FilterChainMatchSchema,
  FilterChainSchema,
  FilterSchema,
  ListenerFilterSchema,
} from '../../gen/envoy/config/listener/v3/listener_components_pb.js';
import { type Listener, ListenerSchema } from '../../gen/envoy/config/listener/v3/listener_pb.js';
import { FileAccessLogSchema } from '../../gen/envoy/extensions/access_loggers/file/v3/file_pb.js';
import { CorsSchema } from '../../gen/envoy/extensions/filters/http/cors/v3/cors_pb.js';
import { HTTPFaultSchema } from '../../gen/envoy/extensions/filters/http/fault/v3/fault_pb.js';
import { RouterSchema } from '../../gen/envoy/extensions/filters/http/router/v3/router_pb.js';
import { OriginalDstSchema } from '../../gen/envoy/extensions/filters/listener/original_dst/v3/original_dst_pb.js';
import {
  type HttpConnectionManager,
  HttpConnectionManagerSchema,
  type HttpFilter,
  HttpFilterSchema,
  RdsSchema,
  RequestIDExtensionSchema,
} from '../../gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { TcpProxySchema } from '../../gen/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.js';
import { UuidRequestIdConfigSchema } from '../../gen/envoy/extensions/request_id/uuid/v3/uuid_pb.js';
import type {
  IrApiListener,
  IrFilterChain,
  IrInboundListener,
  IrListener,
  IrOutboundListener,
  IrServerListener,
  IrSidecarOptions,
} from '../ir/types.js';
import { ADS_CONFIG_SOURCE, FILTER, message, pack, STAT_PREFIX, shared, socketAddress } from './common.js';

export function listener(l: IrListener): Listener {
  switch (l.kind) {
    case 'api':
      return apiListener(l);
    case 'outbound':
      return outboundListener(l);
    case 'inbound':
      return inboundListener(l);
    case 'server':
      return serverListener(l);
  }
}

/**
 * gRFC A36 server: one default filter chain whose inline route config accepts every RPC
 * (`non_forwarding_action`), router last.
 */
export function serverListener(l: IrServerListener): Listener {
  const hcm = message(HttpConnectionManagerSchema, {
    statPrefix: STAT_PREFIX,
    routeSpecifier: {
      case: 'routeConfig',
      value: {
        name: 'inbound|default',
        virtualHosts: [
          {
            name: 'inbound|default',
            domains: ['*'],
            routes: [
              {
                name: 'default',
                match: { pathSpecifier: { case: 'prefix', value: '' } },
                action: { case: 'nonForwardingAction', value: {} },
              },
            ],
          },
        ],
      },
    },
    httpFilters: [ROUTER_FILTER],
  });
  return message(ListenerSchema, {
    name: l.name,
    address: socketAddress(l.address, l.port),
    defaultFilterChain: { name: 'default', filters: [hcmFilter(hcm)] },
  });
}

/** Proxyless gRPC: `api_listener` → HCM (RDS over ADS), fault then router. No address, no listener filters. */
export function apiListener(l: IrApiListener): Listener {
  const hcm = httpConnectionManager(l.routeConfigName, 'grpc', { tracing: false });
  return message(ListenerSchema, {
    name: l.name,
    apiListener: message(ApiListenerSchema, { apiListener: pack(HttpConnectionManagerSchema, hcm) }),
  });
}

export function outboundListener(l: IrOutboundListener): Listener {
  return message(ListenerSchema, {
    name: l.name,
    address: socketAddress('0.0.0.0', l.port),
    listenerFilters: [originalDst()],
    filterChains: l.chains.map((c) => outboundChain(c, l)),
  });
}

export function inboundListener(l: IrInboundListener): Listener {
  return message(ListenerSchema, {
    name: l.name,
    address: socketAddress('0.0.0.0', l.port),
    listenerFilters: [originalDst()],
    filterChains: l.chains.map((c) =>
      message(FilterChainSchema, {
        name: c.name,
        filterChainMatch: message(FilterChainMatchSchema, { destinationPort: c.port }),
        filters: [hcmFilter(httpConnectionManager(c.routeConfigName, 'envoy', l))],
      }),
    ),
  });
}

function outboundChain(c: IrFilterChain, options: IrSidecarOptions): FilterChain {
  const filter =
    c.destination.kind === 'http'
      ? hcmFilter(httpConnectionManager(c.destination.routeConfigName, 'envoy', options))
      : message(FilterSchema, {
          name: FILTER.tcpProxy,
          configType: {
            case: 'typedConfig',
            value: pack(
              TcpProxySchema,
              message(TcpProxySchema, {
                statPrefix: STAT_PREFIX,
                clusterSpecifier: { case: 'cluster', value: c.destination.cluster },
                accessLog: accessLogs(options),
              }),
            ),
          },
        });
  return message(FilterChainSchema, {
    name: c.name,
    filterChainMatch: message(FilterChainMatchSchema, {
      prefixRanges:
        c.vip === undefined ? [] : [message(CidrRangeSchema, { addressPrefix: c.vip, prefixLen: 32 })],
      destinationPort: c.port,
    }),
    filters: [filter],
  });
}

function httpFilter(name: string, value: Any): HttpFilter {
  return message(HttpFilterSchema, { name, configType: { case: 'typedConfig', value } });
}

const FAULT_FILTER = httpFilter(FILTER.fault, pack(HTTPFaultSchema, message(HTTPFaultSchema)));
const CORS_FILTER = httpFilter(FILTER.cors, pack(CorsSchema, message(CorsSchema)));
const ROUTER_FILTER = httpFilter(FILTER.router, pack(RouterSchema, message(RouterSchema)));

/** Per node kind: fault (→ cors for sidecars) → router, router last. The same for every HCM. */
const HTTP_FILTERS: Record<'envoy' | 'grpc', HttpFilter[]> = {
  envoy: shared([FAULT_FILTER, CORS_FILTER, ROUTER_FILTER]),
  grpc: shared([FAULT_FILTER, ROUTER_FILTER]),
};

/** HCM with RDS over ADS; http filters fault (→ cors for sidecars) → router, router last. */
export function httpConnectionManager(
  routeConfigName: string,
  kind: 'envoy' | 'grpc',
  options: IrSidecarOptions,
): HttpConnectionManager {
  return message(HttpConnectionManagerSchema, {
    statPrefix: STAT_PREFIX,
    routeSpecifier: {
      case: 'rds',
      value: message(RdsSchema, { configSource: ADS_CONFIG_SOURCE, routeConfigName }),
    },
    httpFilters: HTTP_FILTERS[kind],
    accessLog: accessLogs(options),
    ...(options.tracing
      ? {
          generateRequestId: true,
          requestIdExtension: message(RequestIDExtensionSchema, {
            typedConfig: pack(UuidRequestIdConfigSchema, message(UuidRequestIdConfigSchema)),
          }),
        }
      : {}),
  });
}

function hcmFilter(hcm: HttpConnectionManager): Filter {
  return message(FilterSchema, {
    name: FILTER.hcm,
    configType: { case: 'typedConfig', value: pack(HttpConnectionManagerSchema, hcm) },
  });
}

function accessLogs(options: IrSidecarOptions) {
  if (options.accessLogPath === undefined) return [];
  return [
    message(AccessLogSchema, {
      name: FILTER.fileAccessLog,
      configType: {
        case: 'typedConfig',
        value: pack(FileAccessLogSchema, message(FileAccessLogSchema, { path: options.accessLogPath })),
      },
    }),
  ];
}

function originalDst() {
  return message(ListenerFilterSchema, {
    name: FILTER.originalDst,
    configType: { case: 'typedConfig', value: pack(OriginalDstSchema, message(OriginalDstSchema)) },
  });
}
