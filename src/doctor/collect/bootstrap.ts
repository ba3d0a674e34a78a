// The node's bootstrap: where it is, and the few facts collection needs from it (the xDS
// server to probe, the node to probe as, the access log path). Checks read the text itself.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { FileText } from '../evidence.js';
import { firstExisting } from './files.js';

export interface BootstrapFacts {
  kind: 'envoy' | 'grpc';
  /** `host:port` of the xDS server. */
  xdsAddress?: string;
  /** The bootstrap's `node` as written (snake_case keys). */
  node?: Record<string, unknown>;
  metadata: Record<string, string>;
  network?: string;
  projectNumber?: string;
  accessLogPath?: string;
  adminPort?: number;
}

/** Where a bootstrap usually is, most specific first. */
export function bootstrapCandidates(stateDir: string | undefined, env = process.env): string[] {
  const out: string[] = [];
  for (const dir of [stateDir, '/var/lib/vane-agent']) {
    if (dir === undefined) continue;
    out.push(join(dir, 'envoy-bootstrap.yaml'), join(dir, 'grpc-bootstrap.json'));
  }
  if (env.GRPC_XDS_BOOTSTRAP) out.push(env.GRPC_XDS_BOOTSTRAP);
  try {
    for (const f of readdirSync('/etc/envoy').sort())
      if (/\.(ya?ml|json)$/.test(f)) out.push(join('/etc/envoy', f));
  } catch {
    // no /etc/envoy
  }
  return out;
}

/** The bootstrap named, or the first found in the standard places; undefined when none. */
export function findBootstrap(given: string | undefined, candidates: string[]): FileText | undefined {
  const path = given ?? firstExisting(candidates);
  if (path === undefined) return undefined;
  return { source: path, text: readFileSync(path, 'utf8') };
}

const obj = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/** Facts from a bootstrap's text; throws when it is neither YAML nor JSON. */
export function bootstrapFacts(text: string): BootstrapFacts {
  const doc = obj(parseYaml(text)) ?? {};
  const node = obj(doc.node);
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj(node?.metadata) ?? {})) metadata[k] = String(v);
  const idMatch = /^projects\/([^/]+)\/networks\/([^/]+)\/nodes\//.exec(String(node?.id ?? ''));
  const servers = Array.isArray(doc.xds_servers) ? doc.xds_servers : undefined;
  const kind = servers !== undefined ? 'grpc' : 'envoy';
  const facts: BootstrapFacts = {
    kind,
    metadata,
    ...(node === undefined ? {} : { node }),
  };
  const network = idMatch?.[2] ?? metadata.TRAFFICDIRECTOR_NETWORK_NAME;
  if (network !== undefined) facts.network = network;
  const project = idMatch?.[1] ?? metadata.TRAFFICDIRECTOR_GCP_PROJECT_NUMBER;
  if (project !== undefined) facts.projectNumber = project;
  if (metadata.TRAFFICDIRECTOR_ACCESS_LOG_PATH)
    facts.accessLogPath = metadata.TRAFFICDIRECTOR_ACCESS_LOG_PATH;
  const address = kind === 'grpc' ? String(obj(servers?.[0])?.server_uri ?? '') : envoyXdsAddress(doc);
  if (address) facts.xdsAddress = address;
  const adminPort = Number(at(doc, ['admin', 'address', 'socket_address', 'port_value']));
  if (Number.isInteger(adminPort) && adminPort > 0) facts.adminPort = adminPort;
  return facts;
}

function at(v: unknown, path: (string | number)[]): unknown {
  let cur = v;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[k];
  }
  return cur;
}

/** The address of the cluster ADS uses (the first endpoint of its load assignment). */
function envoyXdsAddress(doc: Record<string, unknown>): string | undefined {
  const clusterName = at(doc, [
    'dynamic_resources',
    'ads_config',
    'grpc_services',
    0,
    'envoy_grpc',
    'cluster_name',
  ]);
  const clusters = at(doc, ['static_resources', 'clusters']);
  if (!Array.isArray(clusters)) return undefined;
  const cluster = clusters.find((c) => obj(c)?.name === clusterName) ?? clusters[0];
  const sa = obj(
    at(cluster, [
      'load_assignment',
      'endpoints',
      0,
      'lb_endpoints',
      0,
      'endpoint',
      'address',
      'socket_address',
    ]),
  );
  if (sa?.address === undefined) return undefined;
  const host = String(sa.address);
  return `${host.includes(':') ? `[${host}]` : host}:${String(sa.port_value)}`;
}
