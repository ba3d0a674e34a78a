// Snapshot consistency, as go-control-plane's `Snapshot.Consistent` understands it, with a path
// for every broken reference:
// - every route configuration named by an HCM's `rds.route_config_name` (listener filter chains,
//   the default filter chain, and `api_listener`) exists among the routes;
// - every EDS cluster's `eds_cluster_config.service_name` (the cluster name when empty) has a
//   ClusterLoadAssignment;
// - every cluster a route names (`route.cluster`, `weighted_clusters.clusters[].name`,
//   `request_mirror_policies[].cluster` on routes, virtual hosts and route configurations) and
//   every TcpProxy `cluster` / `weighted_clusters` exists (routes inlined in an HCM's
//   `route_config` are checked too);
// - names are non-empty and unique within a type.
// Optionally (go-control-plane also compares counts) routes and endpoints that nothing
// references are reported.
import { anyUnpack } from '@bufbuild/protobuf/wkt';
import { type Cluster, Cluster_DiscoveryType } from '../../gen/envoy/config/cluster/v3/cluster_pb.js';
import type { ClusterLoadAssignment } from '../../gen/envoy/config/endpoint/v3/endpoint_pb.js';
import type { Filter, FilterChain } from '../../gen/envoy/config/listener/v3/listener_components_pb.js';
import type { Listener } from '../../gen/envoy/config/listener/v3/listener_pb.js';
import type {
  RouteAction_RequestMirrorPolicy,
  VirtualHost,
} from '../../gen/envoy/config/route/v3/route_components_pb.js';
import type { RouteConfiguration } from '../../gen/envoy/config/route/v3/route_pb.js';
import {
  type HttpConnectionManager,
  HttpConnectionManagerSchema,
} from '../../gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { TcpProxySchema } from '../../gen/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.js';
import type { Violation } from './proto-rules.js';

export interface SnapshotResources {
  listeners: Listener[];
  routes: RouteConfiguration[];
  clusters: Cluster[];
  endpoints: ClusterLoadAssignment[];
}

export interface ConsistencyOptions {
  /** Also report route configurations and load assignments nothing references (default false). */
  reportUnreferenced?: boolean;
}

const HCM_TYPE = `type.googleapis.com/${HttpConnectionManagerSchema.typeName}`;
const TCP_PROXY_TYPE = `type.googleapis.com/${TcpProxySchema.typeName}`;

export function checkConsistency(
  resources: SnapshotResources,
  options: ConsistencyOptions = {},
): Violation[] {
  const out: Violation[] = [];
  const push = (path: string, rule: string, message: string): void => {
    out.push({ path, rule, message });
  };

  const names = (kind: string, items: { name: string }[]): Set<string> => {
    const seen = new Set<string>();
    items.forEach((item, i) => {
      if (item.name === '') push(`${kind}[${i}]`, 'name.empty', `${kind} resource #${i} has an empty name`);
      else if (seen.has(item.name))
        push(`${kind}[${item.name}]`, 'name.duplicate', `duplicate ${kind} name ${item.name}`);
      seen.add(item.name);
    });
    return seen;
  };
  names('listeners', resources.listeners);
  const routeNames = names('routes', resources.routes);
  const clusterNames = names('clusters', resources.clusters);
  const endpointNames = names(
    'endpoints',
    resources.endpoints.map((e) => ({ name: e.clusterName })),
  );

  const usedRoutes = new Set<string>();
  const usedEndpoints = new Set<string>();

  const needCluster = (path: string, name: string): void => {
    if (!clusterNames.has(name))
      push(path, 'cluster.missing', `cluster ${JSON.stringify(name)} does not exist`);
  };

  const checkMirrors = (path: string, policies: RouteAction_RequestMirrorPolicy[]): void => {
    policies.forEach((p, i) => {
      if (p.cluster !== '') needCluster(`${path}.request_mirror_policies[${i}].cluster`, p.cluster);
    });
  };

  const checkVirtualHosts = (path: string, vhosts: VirtualHost[]): void => {
    vhosts.forEach((vh, v) => {
      const vpath = `${path}.virtual_hosts[${v}]`;
      checkMirrors(vpath, vh.requestMirrorPolicies);
      vh.routes.forEach((route, r) => {
        if (route.action.case !== 'route') return;
        const rpath = `${vpath}.routes[${r}].route`;
        const action = route.action.value;
        const spec = action.clusterSpecifier;
        if (spec.case === 'cluster') needCluster(`${rpath}.cluster`, spec.value);
        else if (spec.case === 'weightedClusters') {
          spec.value.clusters.forEach((c, i) => {
            needCluster(`${rpath}.weighted_clusters.clusters[${i}].name`, c.name);
          });
        }
        checkMirrors(rpath, action.requestMirrorPolicies);
      });
    });
  };

  const checkHcm = (path: string, hcm: HttpConnectionManager): void => {
    const spec = hcm.routeSpecifier;
    if (spec.case === 'rds') {
      const name = spec.value.routeConfigName;
      usedRoutes.add(name);
      if (!routeNames.has(name)) {
        push(
          `${path}.rds.route_config_name`,
          'route.missing',
          `route configuration ${JSON.stringify(name)} does not exist`,
        );
      }
    } else if (spec.case === 'routeConfig') {
      const rc = spec.value;
      checkMirrors(`${path}.route_config`, rc.requestMirrorPolicies);
      checkVirtualHosts(`${path}.route_config`, rc.virtualHosts);
    }
  };

  const checkFilter = (path: string, filter: Filter): void => {
    if (filter.configType.case !== 'typedConfig') return;
    const any = filter.configType.value;
    const tpath = `${path}.typed_config`;
    if (any.typeUrl === HCM_TYPE) {
      const hcm = anyUnpack(any, HttpConnectionManagerSchema);
      if (hcm !== undefined) checkHcm(tpath, hcm);
    } else if (any.typeUrl === TCP_PROXY_TYPE) {
      const tcp = anyUnpack(any, TcpProxySchema);
      if (tcp === undefined) return;
      const spec = tcp.clusterSpecifier;
      if (spec.case === 'cluster') needCluster(`${tpath}.cluster`, spec.value);
      else if (spec.case === 'weightedClusters') {
        spec.value.clusters.forEach((c, i) => {
          needCluster(`${tpath}.weighted_clusters.clusters[${i}].name`, c.name);
        });
      }
    }
  };

  for (const listener of resources.listeners) {
    const lpath = `listeners[${listener.name}]`;
    const chains: [string, FilterChain][] = listener.filterChains.map((c, i) => [
      `${lpath}.filter_chains[${i}]`,
      c,
    ]);
    if (listener.defaultFilterChain !== undefined)
      chains.push([`${lpath}.default_filter_chain`, listener.defaultFilterChain]);
    for (const [cpath, chain] of chains) {
      chain.filters.forEach((f, i) => {
        checkFilter(`${cpath}.filters[${i}]`, f);
      });
    }
    const api = listener.apiListener?.apiListener;
    if (api !== undefined && api.typeUrl === HCM_TYPE) {
      const hcm = anyUnpack(api, HttpConnectionManagerSchema);
      if (hcm !== undefined) checkHcm(`${lpath}.api_listener.api_listener`, hcm);
    }
  }

  for (const rc of resources.routes) {
    const rpath = `routes[${rc.name}]`;
    checkMirrors(rpath, rc.requestMirrorPolicies);
    checkVirtualHosts(rpath, rc.virtualHosts);
  }

  for (const cluster of resources.clusters) {
    const t = cluster.clusterDiscoveryType;
    if (t.case !== 'type' || t.value !== Cluster_DiscoveryType.EDS) continue;
    const serviceName = cluster.edsClusterConfig?.serviceName ?? '';
    const name = serviceName !== '' ? serviceName : cluster.name;
    usedEndpoints.add(name);
    if (!endpointNames.has(name)) {
      const path =
        serviceName !== ''
          ? `clusters[${cluster.name}].eds_cluster_config.service_name`
          : `clusters[${cluster.name}]`;
      push(path, 'endpoint.missing', `no ClusterLoadAssignment for EDS service ${JSON.stringify(name)}`);
    }
  }

  if (options.reportUnreferenced) {
    for (const name of routeNames) {
      if (!usedRoutes.has(name))
        push(`routes[${name}]`, 'route.unreferenced', `no listener references route ${name}`);
    }
    for (const name of endpointNames) {
      if (!usedEndpoints.has(name)) {
        push(`endpoints[${name}]`, 'endpoint.unreferenced', `no EDS cluster references ${name}`);
      }
    }
  }
  return out;
}
