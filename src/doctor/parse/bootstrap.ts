// A node's bootstrap: Envoy's (YAML or JSON, as src/bootstrap/envoy.ts writes it) or a
// proxyless gRPC client's JSON (src/bootstrap/grpc.ts). Project and network are read the way
// Vane's xDS server reads them (src/xds/node.ts): from node.id, else from node metadata.
import { parse } from 'yaml';
import { arr, get, type Obj, obj, str } from './json.js';

const NODE_ID = /^projects\/([^/]+)\/networks\/([^/]+)\/nodes\/(.+)$/;

export interface ParsedBootstrap {
  kind: 'envoy' | 'grpc';
  nodeId?: string;
  metadata: Obj;
  /** As written (may be a project id by mistake); where it was read from. */
  projectNumber?: { value: string; from: string };
  network?: { value: string; from: string };
  /** The control plane's `host:port`. */
  xdsServer?: string;
  interceptionPort?: number;
  inboundInterceptionPort?: number;
  /** TRAFFICDIRECTOR_INBOUND_BACKEND_PORTS */
  servingPorts: number[];
  accessLogPath?: string;
}

function mdString(md: Obj, key: string): string | undefined {
  const v = md[key];
  return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
}

function port(md: Obj, key: string): number | undefined {
  const v = Number(mdString(md, key));
  return Number.isInteger(v) && v > 0 && v < 65536 ? v : undefined;
}

/** The xDS cluster's first endpoint, as `host:port`. */
function envoyXdsServer(doc: unknown): string | undefined {
  const ads = obj(obj(doc, 'dynamic_resources'), 'ads_config');
  const clusterName = str(obj(arr(ads, 'grpc_services')[0], 'envoy_grpc'), 'cluster_name');
  const cluster = arr(obj(doc, 'static_resources'), 'clusters').find(
    (c) => clusterName === undefined || str(c, 'name') === clusterName,
  );
  const la = obj(cluster, 'load_assignment');
  const ep = obj(arr(arr(la, 'endpoints')[0], 'lb_endpoints')[0], 'endpoint');
  const sock = obj(obj(ep, 'address'), 'socket_address') ?? obj(arr(cluster, 'hosts')[0], 'socket_address');
  const host = str(sock, 'address');
  const p = str(sock, 'port_value');
  if (host === undefined) return undefined;
  return `${host.includes(':') ? `[${host}]` : host}:${p ?? '?'}`;
}

/** Throws when the text is neither YAML nor JSON, or has no `node`. */
export function parseBootstrap(text: string): ParsedBootstrap {
  const doc: unknown = parse(text);
  const node = obj(doc, 'node');
  if (node === undefined) throw new Error('the bootstrap has no node');
  const kind = get(doc, 'xds_servers') !== undefined ? 'grpc' : 'envoy';
  const metadata = obj(node, 'metadata') ?? {};
  const nodeId = str(node, 'id');
  const m = nodeId === undefined ? null : NODE_ID.exec(nodeId);
  const mdProject = mdString(metadata, 'TRAFFICDIRECTOR_GCP_PROJECT_NUMBER');
  const mdNetwork = mdString(metadata, 'TRAFFICDIRECTOR_NETWORK_NAME');
  const projectNumber = m
    ? { value: m[1]!, from: 'node.id project number' }
    : mdProject
      ? { value: mdProject, from: 'node.metadata.TRAFFICDIRECTOR_GCP_PROJECT_NUMBER' }
      : undefined;
  const network = m
    ? { value: m[2]!, from: 'node.id network' }
    : mdNetwork
      ? { value: mdNetwork, from: 'node.metadata.TRAFFICDIRECTOR_NETWORK_NAME' }
      : undefined;
  const xdsServer = kind === 'grpc' ? str(arr(doc, 'xds_servers')[0], 'server_uri') : envoyXdsServer(doc);
  // node-view.ts splits the same way.
  const servingPorts = (mdString(metadata, 'TRAFFICDIRECTOR_INBOUND_BACKEND_PORTS') ?? '')
    .split(/[\s,;]+/)
    .filter((s) => /^\d+$/.test(s))
    .map(Number);
  const interceptionPort = port(metadata, 'TRAFFICDIRECTOR_INTERCEPTION_PORT');
  const inboundInterceptionPort = port(metadata, 'TRAFFICDIRECTOR_INBOUND_INTERCEPTION_PORT');
  const accessLogPath = mdString(metadata, 'TRAFFICDIRECTOR_ACCESS_LOG_PATH');
  return {
    kind,
    ...(nodeId === undefined ? {} : { nodeId }),
    metadata,
    ...(projectNumber === undefined ? {} : { projectNumber }),
    ...(network === undefined ? {} : { network }),
    ...(xdsServer === undefined ? {} : { xdsServer }),
    ...(interceptionPort === undefined ? {} : { interceptionPort }),
    ...(inboundInterceptionPort === undefined ? {} : { inboundInterceptionPort }),
    servingPorts: [...new Set(servingPorts)].sort((a, b) => a - b),
    ...(accessLogPath === undefined || accessLogPath === '' ? {} : { accessLogPath }),
  };
}
