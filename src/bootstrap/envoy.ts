// The Envoy v3 bootstrap of a sidecar that takes its configuration from Vane, the way Traffic
// Director's manual deployment writes it (td-compat §3, §6): the node identifies itself by
// `projects/N/networks/NET/nodes/UUID` and TRAFFICDIRECTOR_* metadata (parsed by xds/node.ts
// and xds/cache/node-view.ts), everything else arrives over ADS. Pure: no I/O.

import { isIP } from 'node:net';
import { fromJson, type JsonValue } from '@bufbuild/protobuf';
import { stringify } from 'yaml';
import { BootstrapSchema } from '../gen/envoy/config/bootstrap/v3/bootstrap_pb.js';
import { validateMessage } from '../xds/validate/proto-rules.js';
import { envoyRegistry } from '../xds/validate/registry.js';

/** The static cluster every xDS / LRS stream goes through. */
export const XDS_CLUSTER = 'vane-xds';

export interface EnvoyBootstrapOptions {
  /** Digits only. */
  projectNumber: string;
  /** VPC network name (`default` in Traffic Director's examples). */
  network: string;
  /** The `UUID` of the node id; the caller chooses it (the CLI: a random UUID). */
  nodeUuid: string;
  /** node.locality.zone; the region is the zone minus its last `-x`. */
  zone?: string;
  /** `host:port` (or `[v6]:port`) of Vane's xDS server. */
  xdsServerUri: string;
  /** Admin interface port, bound to 127.0.0.1 only. */
  adminPort: number;
  /** TRAFFICDIRECTOR_INTERCEPTION_PORT (ENVOY_PORT): absent means no outbound interception listener. */
  interceptionPort?: number;
  /** TRAFFICDIRECTOR_INBOUND_INTERCEPTION_PORT */
  inboundInterceptionPort?: number;
  /** TRAFFICDIRECTOR_INBOUND_BACKEND_PORTS: the ports this VM serves on. */
  inboundBackendPorts: number[];
  /** TRAFFICDIRECTOR_ACCESS_LOG_PATH */
  accessLogPath?: string;
  /** TRAFFICDIRECTOR_ENABLE_TRACING */
  tracing: boolean;
  /** INSTANCE_IP */
  instanceIp?: string;
  /** Extra node metadata, matched by metadataFilters. */
  labels: Record<string, string>;
  /** node.cluster: Traffic Director ignores it; Envoy needs one for its stats. */
  cluster?: string;
}

/** `host:port` → parts; brackets around an IPv6 host are removed. Throws on anything else. */
export function parseHostPort(uri: string): { host: string; port: number } {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(uri);
  const port = Number(m?.[3]);
  if (!m || port < 1 || port > 65535)
    throw new Error(`xDS server URI '${uri}' is not host:port (e.g. 10.0.0.5:15010 or vane.internal:15010)`);
  const host = m[1] ?? m[2]!;
  if (m[1] !== undefined && isIP(host) !== 6)
    throw new Error(`xDS server URI '${uri}': ${host} is not an IPv6 address`);
  return { host, port };
}

/** `us-central1-a` → `us-central1`; undefined when the zone has no `-x` suffix. */
export function regionOf(zone: string): string | undefined {
  const i = zone.lastIndexOf('-');
  return i > 0 ? zone.slice(0, i) : undefined;
}

/** The node metadata Vane reads (all values strings, absent inputs omitted), labels first so the keys win. */
export function envoyNodeMetadata(o: EnvoyBootstrapOptions): Record<string, string> {
  const md: Record<string, string> = { ...o.labels };
  md.TRAFFICDIRECTOR_NETWORK_NAME = o.network;
  md.TRAFFICDIRECTOR_GCP_PROJECT_NUMBER = o.projectNumber;
  if (o.interceptionPort !== undefined) md.TRAFFICDIRECTOR_INTERCEPTION_PORT = String(o.interceptionPort);
  if (o.inboundInterceptionPort !== undefined)
    md.TRAFFICDIRECTOR_INBOUND_INTERCEPTION_PORT = String(o.inboundInterceptionPort);
  // node-view.ts splits on commas (also whitespace and ';'); commas are what Traffic Director writes.
  if (o.inboundBackendPorts.length > 0)
    md.TRAFFICDIRECTOR_INBOUND_BACKEND_PORTS = o.inboundBackendPorts.join(',');
  if (o.accessLogPath !== undefined && o.accessLogPath !== '')
    md.TRAFFICDIRECTOR_ACCESS_LOG_PATH = o.accessLogPath;
  md.TRAFFICDIRECTOR_ENABLE_TRACING = o.tracing ? 'true' : 'false';
  if (o.instanceIp !== undefined && o.instanceIp !== '') md.INSTANCE_IP = o.instanceIp;
  return md;
}

const grpcToVane = [{ envoy_grpc: { cluster_name: XDS_CLUSTER } }];

/** The bootstrap in proto3 JSON form (field names as in the .proto, as Envoy's docs write them). */
export function envoyBootstrap(o: EnvoyBootstrapOptions): Record<string, unknown> {
  const { host, port } = parseHostPort(o.xdsServerUri);
  const locality: Record<string, string> = {};
  if (o.zone !== undefined && o.zone !== '') {
    const region = regionOf(o.zone);
    if (region !== undefined) locality.region = region;
    locality.zone = o.zone;
  }
  return {
    node: {
      id: `projects/${o.projectNumber}/networks/${o.network}/nodes/${o.nodeUuid}`,
      cluster: o.cluster ?? 'cluster',
      ...(Object.keys(locality).length > 0 ? { locality } : {}),
      metadata: envoyNodeMetadata(o),
    },
    // Loopback only: the admin API can drain listeners and dump secrets.
    admin: {
      address: { socket_address: { address: '127.0.0.1', port_value: o.adminPort } },
      access_log: [
        {
          name: 'envoy.access_loggers.file',
          typed_config: {
            '@type': 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog',
            path: '/dev/null',
          },
        },
      ],
    },
    static_resources: {
      clusters: [
        {
          name: XDS_CLUSTER,
          // A name may stand for several replicas: each resolved address is a host, so a
          // reconnect (e.g. after --max-connection-age) can land on another one.
          type: isIP(host) === 0 ? 'STRICT_DNS' : 'STATIC',
          ...(isIP(host) === 0 ? { dns_lookup_family: 'V4_PREFERRED' } : {}),
          connect_timeout: '5s',
          load_assignment: {
            cluster_name: XDS_CLUSTER,
            endpoints: [
              {
                lb_endpoints: [
                  { endpoint: { address: { socket_address: { address: host, port_value: port } } } },
                ],
              },
            ],
          },
          // xDS is gRPC: HTTP/2 to the control plane, with pings so a dead peer (a replica
          // gone without FIN) is noticed in seconds, not at the kernel's TCP timeout.
          typed_extension_protocol_options: {
            'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
              '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
              explicit_http_config: {
                http2_protocol_options: { connection_keepalive: { interval: '30s', timeout: '10s' } },
              },
            },
          },
          // Keeps idle NAT / firewall state alive between pushes.
          upstream_connection_options: {
            tcp_keepalive: { keepalive_time: 300, keepalive_interval: 30, keepalive_probes: 3 },
          },
        },
      ],
    },
    dynamic_resources: {
      // One ADS stream for every type: Vane orders pushes CDS → EDS → LDS → RDS over it.
      ads_config: {
        api_type: 'GRPC',
        transport_api_version: 'V3',
        grpc_services: grpcToVane,
        set_node_on_first_message_only: true,
      },
      cds_config: { ads: {}, resource_api_version: 'V3' },
      lds_config: { ads: {}, resource_api_version: 'V3' },
    },
    cluster_manager: {
      // Load reports drive Vane's capacity spillover (RATE balancing mode).
      load_stats_config: { api_type: 'GRPC', transport_api_version: 'V3', grpc_services: grpcToVane },
    },
    layered_runtime: {
      layers: [
        {
          name: 'static',
          // Envoy warns without a bound on downstream connections; a sidecar never needs more.
          static_layer: { 'overload.global_downstream_max_connections': 50000 },
        },
        // Lets operators flip runtime keys through /runtime_modify when troubleshooting.
        { name: 'admin', admin_layer: {} },
      ],
    },
  };
}

export function renderEnvoyBootstrap(b: Record<string, unknown>, format: 'yaml' | 'json'): string {
  return format === 'json'
    ? `${JSON.stringify(b, null, 2)}\n`
    : stringify(b, { lineWidth: 0, aliasDuplicateObjects: false });
}

/**
 * Problems with a bootstrap in proto3 JSON form, each naming its field path; [] when valid.
 * Checks what Envoy checks at startup: the proto (unknown fields, wrong types), Envoy's
 * protoc-gen-validate rules (packed Anys included), and that every gRPC service names a
 * static cluster.
 */
export function validateEnvoyBootstrap(b: unknown): string[] {
  const registry = envoyRegistry();
  let message: ReturnType<typeof fromJson<typeof BootstrapSchema>>;
  try {
    message = fromJson(BootstrapSchema, b as JsonValue, { registry });
  } catch (err) {
    return [`bootstrap: ${err instanceof Error ? err.message : String(err)}`];
  }
  const problems = validateMessage(BootstrapSchema, message, { registry }).map(
    (v) => `${v.path || 'bootstrap'}: ${v.message} (${v.rule})`,
  );
  const statics = new Set(message.staticResources?.clusters.map((c) => c.name) ?? []);
  const services: [string, { targetSpecifier: { case: string | undefined; value?: unknown } }[]][] = [
    ['dynamic_resources.ads_config.grpc_services', message.dynamicResources?.adsConfig?.grpcServices ?? []],
    [
      'cluster_manager.load_stats_config.grpc_services',
      message.clusterManager?.loadStatsConfig?.grpcServices ?? [],
    ],
  ];
  for (const [path, list] of services) {
    list.forEach((s, i) => {
      if (s.targetSpecifier.case !== 'envoyGrpc') return;
      const name = (s.targetSpecifier.value as { clusterName: string }).clusterName;
      if (!statics.has(name))
        problems.push(
          `${path}[${i}].envoy_grpc.cluster_name: cluster '${name}' is not in static_resources.clusters`,
        );
    });
  }
  return problems;
}
