// A protobuf-es registry of the generated Envoy / xDS types (src/gen), used to unpack
// google.protobuf.Any payloads (filter `typed_config`, `api_listener`, protocol options...)
// during validation and to parse config dumps.
import { createRegistry, type DescFile, type Registry } from '@bufbuild/protobuf';
import { file_envoy_admin_v3_config_dump } from '../../gen/envoy/admin/v3/config_dump_pb.js';
import { file_envoy_config_bootstrap_v3_bootstrap } from '../../gen/envoy/config/bootstrap/v3/bootstrap_pb.js';
import { file_envoy_config_cluster_v3_cluster } from '../../gen/envoy/config/cluster/v3/cluster_pb.js';
import { file_envoy_config_endpoint_v3_endpoint } from '../../gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { file_envoy_config_listener_v3_listener } from '../../gen/envoy/config/listener/v3/listener_pb.js';
import { file_envoy_config_route_v3_route } from '../../gen/envoy/config/route/v3/route_pb.js';
import { file_envoy_extensions_access_loggers_file_v3_file } from '../../gen/envoy/extensions/access_loggers/file/v3/file_pb.js';
import { file_envoy_extensions_filters_http_cors_v3_cors } from '../../gen/envoy/extensions/filters/http/cors/v3/cors_pb.js';
import { file_envoy_extensions_filters_http_fault_v3_fault } from '../../gen/envoy/extensions/filters/http/fault/v3/fault_pb.js';
import { file_envoy_extensions_filters_http_router_v3_router } from '../../gen/envoy/extensions/filters/http/router/v3/router_pb.js';
import { file_envoy_extensions_filters_listener_original_dst_v3_original_dst } from '../../gen/envoy/extensions/filters/listener/original_dst/v3/original_dst_pb.js';
import { file_envoy_extensions_filters_network_http_connection_manager_v3_http_connection_manager } from '../../gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { file_envoy_extensions_filters_network_tcp_proxy_v3_tcp_proxy } from '../../gen/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.js';
import { file_envoy_extensions_load_balancing_policies_ring_hash_v3_ring_hash } from '../../gen/envoy/extensions/load_balancing_policies/ring_hash/v3/ring_hash_pb.js';
import { file_envoy_extensions_load_balancing_policies_round_robin_v3_round_robin } from '../../gen/envoy/extensions/load_balancing_policies/round_robin/v3/round_robin_pb.js';
import { file_envoy_extensions_load_balancing_policies_wrr_locality_v3_wrr_locality } from '../../gen/envoy/extensions/load_balancing_policies/wrr_locality/v3/wrr_locality_pb.js';
import { file_envoy_extensions_request_id_uuid_v3_uuid } from '../../gen/envoy/extensions/request_id/uuid/v3/uuid_pb.js';
import { file_envoy_extensions_transport_sockets_tls_v3_secret } from '../../gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import { file_envoy_extensions_upstreams_http_v3_http_protocol_options } from '../../gen/envoy/extensions/upstreams/http/v3/http_protocol_options_pb.js';
import { file_envoy_service_discovery_v3_ads } from '../../gen/envoy/service/discovery/v3/ads_pb.js';
import { file_envoy_service_load_stats_v3_lrs } from '../../gen/envoy/service/load_stats/v3/lrs_pb.js';
import { file_envoy_service_status_v3_csds } from '../../gen/envoy/service/status/v3/csds_pb.js';

/** The generation entry points (scripts/gen-protos.mjs); their imports are included. */
const ROOTS: readonly DescFile[] = [
  file_envoy_admin_v3_config_dump,
  file_envoy_config_bootstrap_v3_bootstrap,
  file_envoy_config_cluster_v3_cluster,
  file_envoy_config_endpoint_v3_endpoint,
  file_envoy_config_listener_v3_listener,
  file_envoy_config_route_v3_route,
  file_envoy_extensions_access_loggers_file_v3_file,
  file_envoy_extensions_filters_http_cors_v3_cors,
  file_envoy_extensions_filters_http_fault_v3_fault,
  file_envoy_extensions_filters_http_router_v3_router,
  file_envoy_extensions_filters_listener_original_dst_v3_original_dst,
  file_envoy_extensions_filters_network_http_connection_manager_v3_http_connection_manager,
  file_envoy_extensions_filters_network_tcp_proxy_v3_tcp_proxy,
  file_envoy_extensions_load_balancing_policies_ring_hash_v3_ring_hash,
  file_envoy_extensions_load_balancing_policies_round_robin_v3_round_robin,
  file_envoy_extensions_load_balancing_policies_wrr_locality_v3_wrr_locality,
  file_envoy_extensions_request_id_uuid_v3_uuid,
  file_envoy_extensions_transport_sockets_tls_v3_secret,
  file_envoy_extensions_upstreams_http_v3_http_protocol_options,
  file_envoy_service_discovery_v3_ads,
  file_envoy_service_load_stats_v3_lrs,
  file_envoy_service_status_v3_csds,
];

/** Every file reachable from `roots` through imports. */
export function collectFiles(roots: readonly DescFile[]): DescFile[] {
  const seen = new Map<string, DescFile>();
  const visit = (f: DescFile): void => {
    if (seen.has(f.name)) return;
    seen.set(f.name, f);
    for (const d of f.dependencies) visit(d);
  };
  for (const r of roots) visit(r);
  return [...seen.values()];
}

let cached: Registry | undefined;

/** A registry of every generated Envoy / xDS / google.protobuf type (built once). */
export function envoyRegistry(): Registry {
  cached ??= createRegistry(...collectFiles(ROOTS));
  return cached;
}
