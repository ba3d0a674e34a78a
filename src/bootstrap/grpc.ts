// The xDS bootstrap of a proxyless gRPC application (gRFC A27), shaped as td-grpc-bootstrap
// writes it for Traffic Director, pointed at Vane. Pure: no I/O.
import { SERVER_LISTENER_PREFIX } from '../translate/ir/server.js';

export interface GrpcBootstrapOptions {
  /** `host:port` of Vane's xDS server. */
  xdsServerUri: string;
  /** Digits only. */
  projectNumber: string;
  /** VPC network name (td-grpc-bootstrap's default: `default`). */
  network: string;
  /** node.locality.zone */
  zone?: string;
  nodeUuid: string;
  /** Extra node metadata (labels for metadataFilters, INSTANCE_IP…); undefined values are left out. */
  metadata: Readonly<Record<string, string | undefined>>;
  /** gRFC A53: keep using resources the server stops sending (server feature `ignore_resource_deletion`). */
  ignoreResourceDeletion: boolean;
  /**
   * gRFC A47 federation: xDS servers may then be named per authority; Vane has none, so
   * this only declares an empty `authorities` map, as td-grpc-bootstrap does.
   */
  includeFederation?: boolean;
  /** Vane's xDS port is plaintext. */
  secure?: false;
}

/** The template gRPC servers fill with their `IP:PORT`: the names Vane answers (translate/ir/server.ts). */
export const SERVER_LISTENER_TEMPLATE = `${SERVER_LISTENER_PREFIX}%s`;

export function grpcBootstrap(o: GrpcBootstrapOptions): Record<string, unknown> {
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(o.metadata)) if (v !== undefined) metadata[k] = v;
  // Traffic Director reads project and network from the node id; Vane also accepts the keys.
  metadata.TRAFFICDIRECTOR_NETWORK_NAME = o.network;
  metadata.TRAFFICDIRECTOR_GCP_PROJECT_NUMBER = o.projectNumber;
  const serverFeatures = ['xds_v3'];
  if (o.ignoreResourceDeletion) serverFeatures.push('ignore_resource_deletion');
  return {
    xds_servers: [
      { server_uri: o.xdsServerUri, channel_creds: [{ type: 'insecure' }], server_features: serverFeatures },
    ],
    node: {
      id: `projects/${o.projectNumber}/networks/${o.network}/nodes/${o.nodeUuid}`,
      cluster: 'cluster',
      metadata,
      ...(o.zone === undefined || o.zone === '' ? {} : { locality: { zone: o.zone } }),
    },
    ...(o.includeFederation ? { authorities: {} } : {}),
    server_listener_resource_name_template: SERVER_LISTENER_TEMPLATE,
  };
}
