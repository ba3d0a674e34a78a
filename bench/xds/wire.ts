// Just enough protobuf for a simulated proxyless client: DiscoveryRequests are written by hand
// with BinaryWriter (the node is encoded once per proxy), DiscoveryResponses are scanned with
// BinaryReader for version_info, nonce, type_url and the few fields that name the next
// resources to ask for. Nothing is fully decoded, so the load generator stays cheap.
import { create, toBinary } from '@bufbuild/protobuf';
import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { NodeSchema } from '../../src/gen/envoy/config/core/v3/base_pb.js';

export const LDS = 'type.googleapis.com/envoy.config.listener.v3.Listener';
export const RDS = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';
export const CDS = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
export const EDS = 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment';
export const TYPES = [LDS, RDS, CDS, EDS] as const;
export type TypeUrl = (typeof TYPES)[number];

/** Which client a simulated proxy plays: a grpc-js-xds client or an Envoy sidecar (interception on 15001). */
export type ProxyKind = 'proxyless' | 'envoy';

/** The node a grpc-js-xds client (or a Traffic Director Envoy sidecar) presents, encoded once. */
export function encodeNode(
  projectNumber: string,
  uuid: string,
  zone: string,
  kind: ProxyKind = 'proxyless',
): Uint8Array {
  const id = `projects/${projectNumber}/networks/default/nodes/${uuid}`;
  if (kind === 'envoy') {
    return toBinary(
      NodeSchema,
      create(NodeSchema, {
        id,
        cluster: 'cluster',
        userAgentName: 'envoy',
        userAgentVersionType: { case: 'userAgentVersion', value: '1.31.0' },
        locality: { zone },
        metadata: {
          TRAFFICDIRECTOR_GCP_PROJECT_NUMBER: projectNumber,
          TRAFFICDIRECTOR_NETWORK_NAME: 'default',
          TRAFFICDIRECTOR_INTERCEPTION_PORT: '15001',
        },
      }),
    );
  }
  return toBinary(
    NodeSchema,
    create(NodeSchema, {
      id,
      userAgentName: 'grpc-node-js',
      userAgentVersionType: { case: 'userAgentVersion', value: '1.14.7' },
      clientFeatures: ['envoy.lb.does_not_support_overprovisioning'],
      locality: { zone },
    }),
  );
}

/**
 * DeltaDiscoveryRequest {node=1, type_url=2, resource_names_subscribe=3,
 * resource_names_unsubscribe=4, response_nonce=6}: a subscription change or an ACK.
 */
export function encodeDeltaRequest(
  typeUrl: string,
  subscribe: Iterable<string>,
  unsubscribe: Iterable<string>,
  nonce: string,
  node: Uint8Array | undefined,
): Buffer {
  const w = new BinaryWriter();
  if (node !== undefined) w.uint32(10).bytes(node);
  w.uint32(18).string(typeUrl);
  for (const n of subscribe) w.uint32(26).string(n);
  for (const n of unsubscribe) w.uint32(34).string(n);
  if (nonce !== '') w.uint32(50).string(nonce);
  const bytes = w.finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** DiscoveryRequest {version_info=1, node=2, resource_names=3, type_url=4, response_nonce=5} (an ACK). */
export function encodeRequest(
  typeUrl: string,
  names: Iterable<string>,
  versionInfo: string,
  nonce: string,
  node: Uint8Array | undefined,
): Buffer {
  const w = new BinaryWriter();
  if (versionInfo !== '') w.uint32(10).string(versionInfo);
  if (node !== undefined) w.uint32(18).bytes(node);
  for (const n of names) w.uint32(26).string(n);
  w.uint32(34).string(typeUrl);
  if (nonce !== '') w.uint32(42).string(nonce);
  const bytes = w.finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export interface ScannedResponse {
  versionInfo: string;
  typeUrl: string;
  nonce: string;
  /** Resource names, in order. */
  names: string[];
  /** Per resource, what it points to: LDS → route config, CDS → EDS name. */
  refs: Map<string, string[]>;
  /** RDS: the virtual hosts of each route configuration. */
  vhosts: Map<string, VirtualHost[]>;
  /** EDS: lb_endpoints per ClusterLoadAssignment name. */
  endpointCounts: Map<string, number>;
}

/** Calls `f(fieldNo, reader)` for each field; `f` must consume the field or return false to skip it. */
function fields(buf: Uint8Array, f: (no: number, r: BinaryReader) => boolean): void {
  const r = new BinaryReader(buf);
  while (r.pos < r.len) {
    const [no, wt] = r.tag();
    if (!(wt === WireType.LengthDelimited && f(no, r))) r.skip(wt, no);
  }
}

/** Follows the length-delimited fields of `path` from `buf`; `leaf` reads each field at its end. */
function along(buf: Uint8Array, path: readonly number[], leaf: (r: BinaryReader) => void): void {
  const [head, ...rest] = path;
  fields(buf, (no, r) => {
    if (no !== head) return false;
    if (rest.length === 0) leaf(r);
    else along(r.bytes(), rest, leaf);
    return true;
  });
}

/** Field 1 (string) of a message: the name of every xDS resource type. */
function nameOf(resource: Uint8Array): string {
  let name = '';
  along(resource, [1], (r) => {
    name = r.string();
  });
  return name;
}

/** HttpConnectionManager.rds(3).route_config_name(2). */
function hcmRefs(hcm: Uint8Array, out: Set<string>): void {
  along(hcm, [3, 2], (r) => out.add(r.string()));
}

/**
 * The route configurations a listener names: api_listener(19).api_listener(1: Any).value(2) →
 * HCM (proxyless), or each filter chain's filters(3).typed_config(4: Any).value(2) → HCM
 * (Envoy: filter_chains is field 3, default_filter_chain 25).
 */
function listenerRefs(listener: Uint8Array, out: Set<string>): void {
  const hcm = (r: BinaryReader) => hcmRefs(r.bytes(), out);
  fields(listener, (no, r) => {
    if (no === 3 || no === 25) along(r.bytes(), [3, 4, 2], hcm);
    else if (no === 19) along(r.bytes(), [1, 2], hcm);
    else return false;
    return true;
  });
}

/** A virtual host: its domains and the clusters its routes name. */
export interface VirtualHost {
  domains: string[];
  clusters: string[];
  /** How many routes it has. */
  routes: number;
}

/** RouteConfiguration.virtual_hosts(2): domains(2), routes(3).route(2) → cluster(1) | weighted_clusters(3).clusters(1).name(1). */
function virtualHosts(routeConfig: Uint8Array): VirtualHost[] {
  const out: VirtualHost[] = [];
  fields(routeConfig, (no, r) => {
    if (no !== 2) return false;
    const vhost: VirtualHost = { domains: [], clusters: [], routes: 0 };
    const clusters = new Set<string>();
    fields(r.bytes(), (vhNo, vh) => {
      if (vhNo === 2) {
        vhost.domains.push(vh.string());
        return true;
      }
      if (vhNo !== 3) return false;
      vhost.routes += 1;
      fields(vh.bytes(), (routeNo, route) => {
        if (routeNo !== 2) return false;
        fields(route.bytes(), (actionNo, action) => {
          if (actionNo === 1) {
            clusters.add(action.string());
            return true;
          }
          if (actionNo !== 3) return false;
          along(action.bytes(), [1], (wc) => clusters.add(nameOf(wc.bytes())));
          return true;
        });
        return true;
      });
      return true;
    });
    vhost.clusters = [...clusters];
    out.push(vhost);
    return true;
  });
  return out;
}

/**
 * Every simulated proxy of a view receives the same route configurations: a SotW version_info is
 * a hash of every (name, content version) of the type in the view, so (version_info, name, size)
 * names one content and its virtual hosts are walked once, not once per proxy. A real client
 * parses its own copy; the simulator shares the work so that it is not the bottleneck.
 */
const vhostCache = new Map<string, VirtualHost[]>();
function cachedVirtualHosts(versionInfo: string, name: string, routeConfig: Uint8Array): VirtualHost[] {
  const key = `${versionInfo}\u0000${name}\u0000${routeConfig.byteLength}`;
  let vhosts = vhostCache.get(key);
  if (vhosts === undefined) {
    if (vhostCache.size > 20_000) vhostCache.clear();
    vhosts = virtualHosts(routeConfig);
    vhostCache.set(key, vhosts);
  }
  return vhosts;
}

/**
 * The virtual host a client dialing `authority` uses (gRFC A28: exact domain, then the longest
 * suffix or prefix wildcard, then `*`).
 */
const exactIndex = new WeakMap<readonly VirtualHost[], Map<string, VirtualHost>>();
export function matchVirtualHost(vhosts: readonly VirtualHost[], authority: string): VirtualHost | undefined {
  const host = authority.toLowerCase();
  let index = exactIndex.get(vhosts);
  if (index === undefined) {
    index = new Map();
    for (const vh of vhosts)
      for (const d of vh.domains) if (!index.has(d.toLowerCase())) index.set(d.toLowerCase(), vh);
    exactIndex.set(vhosts, index);
  }
  const exact = index.get(host);
  if (exact !== undefined) return exact;
  let best: VirtualHost | undefined;
  let bestRank = -1;
  let bestLen = -1;
  for (const vh of vhosts) {
    for (const d of vh.domains) {
      const domain = d.toLowerCase();
      let rank = -1;
      if (domain === host) rank = 3;
      else if (domain === '*') rank = 0;
      else if (domain.startsWith('*') && host.endsWith(domain.slice(1))) rank = 2;
      else if (domain.endsWith('*') && host.startsWith(domain.slice(0, -1))) rank = 1;
      if (rank > bestRank || (rank === bestRank && rank > 0 && domain.length > bestLen)) {
        best = vh;
        bestRank = rank;
        bestLen = domain.length;
      }
    }
  }
  return bestRank >= 0 ? best : undefined;
}

/** Cluster: eds_cluster_config(3).service_name(2), else the cluster's name; none if not an EDS cluster. */
function clusterRef(cluster: Uint8Array): { name: string; eds: string | undefined } {
  let name = '';
  let service = '';
  let eds = false;
  fields(cluster, (no, r) => {
    if (no === 1) {
      name = r.string();
      return true;
    }
    if (no !== 3) return false;
    eds = true;
    fields(r.bytes(), (no2, r2) => {
      if (no2 !== 2) return false;
      service = r2.string();
      return true;
    });
    return true;
  });
  return { name, eds: eds ? service || name : undefined };
}

/** ClusterLoadAssignment: cluster_name(1) and the number of endpoints(2).lb_endpoints(2). */
function assignment(cla: Uint8Array): { name: string; endpoints: number } {
  let name = '';
  let endpoints = 0;
  fields(cla, (no, r) => {
    if (no === 1) {
      name = r.string();
      return true;
    }
    if (no !== 2) return false;
    fields(r.bytes(), (no2) => {
      if (no2 === 2) endpoints += 1;
      return false;
    });
    return true;
  });
  return { name, endpoints };
}

/**
 * DeltaDiscoveryResponse {system_version_info=1, resources=2 (Resource {version=1, resource=2:
 * Any, name=3}), type_url=4, removed_resources=6, nonce=5}, scanned into the SotW shape
 * (versionInfo: the system version; removed names in `removed`).
 */
export function scanDeltaResponse(buf: Uint8Array): ScannedResponse & { removed: string[] } {
  let typeUrl = '';
  let nonce = '';
  let versionInfo = '';
  const removed: string[] = [];
  const values: Uint8Array[] = [];
  const keys: string[] = [];
  fields(buf, (no, r) => {
    switch (no) {
      case 1:
        versionInfo = r.string();
        return true;
      case 2: {
        let version = '';
        fields(r.bytes(), (resNo, res) => {
          if (resNo === 1) {
            version = res.string();
            return true;
          }
          if (resNo !== 2) return false;
          fields(res.bytes(), (anyNo, a) => {
            if (anyNo !== 2) return false;
            values.push(a.bytes());
            return true;
          });
          return true;
        });
        keys.push(version);
        return true;
      }
      case 4:
        typeUrl = r.string();
        return true;
      case 5:
        nonce = r.string();
        return true;
      case 6:
        removed.push(r.string());
        return true;
      default:
        return false;
    }
  });
  return { ...scanResources(typeUrl, versionInfo, nonce, values, keys), removed };
}

/** DiscoveryResponse {version_info=1, resources=2 (Any {type_url=1, value=2}), type_url=4, nonce=5}. */
export function scanResponse(buf: Uint8Array): ScannedResponse {
  let versionInfo = '';
  let typeUrl = '';
  let nonce = '';
  const values: Uint8Array[] = [];
  fields(buf, (no, r) => {
    switch (no) {
      case 1:
        versionInfo = r.string();
        return true;
      case 2:
        fields(r.bytes(), (anyNo, a) => {
          if (anyNo !== 2) return false;
          values.push(a.bytes());
          return true;
        });
        return true;
      case 4:
        typeUrl = r.string();
        return true;
      case 5:
        nonce = r.string();
        return true;
      default:
        return false;
    }
  });
  return scanResources(typeUrl, versionInfo, nonce, values);
}

/** Names, references, virtual hosts and endpoint counts of a response's resources. */
function scanResources(
  typeUrl: string,
  versionInfo: string,
  nonce: string,
  values: Uint8Array[],
  /** Per value, what identifies its content for the virtual host cache (delta: the resource version). */
  keys?: string[],
): ScannedResponse {
  const out: ScannedResponse = {
    versionInfo,
    typeUrl,
    nonce,
    names: [],
    refs: new Map(),
    vhosts: new Map(),
    endpointCounts: new Map(),
  };
  for (const [i, v] of values.entries()) {
    switch (out.typeUrl) {
      case LDS: {
        const name = nameOf(v);
        const refs = new Set<string>();
        listenerRefs(v, refs);
        out.names.push(name);
        out.refs.set(name, [...refs]);
        break;
      }
      case RDS: {
        const name = nameOf(v);
        out.names.push(name);
        out.vhosts.set(name, cachedVirtualHosts(keys?.[i] ?? versionInfo, name, v));
        break;
      }
      case CDS: {
        const { name, eds } = clusterRef(v);
        out.names.push(name);
        out.refs.set(name, eds === undefined ? [] : [eds]);
        break;
      }
      case EDS: {
        const a = assignment(v);
        out.names.push(a.name);
        out.endpointCounts.set(a.name, a.endpoints);
        break;
      }
      default:
        out.names.push(nameOf(v));
    }
  }
  return out;
}
