import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import { Cluster_DiscoveryType, ClusterSchema } from '../../../src/gen/envoy/config/cluster/v3/cluster_pb.js';
import { ListenerSchema } from '../../../src/gen/envoy/config/listener/v3/listener_pb.js';
import { RouteConfigurationSchema } from '../../../src/gen/envoy/config/route/v3/route_pb.js';
import { HttpConnectionManagerSchema } from '../../../src/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { checkConsistency } from '../../../src/xds/validate/consistency.js';
import {
  CLUSTERS,
  cluster,
  hcm,
  LISTENER_NAME,
  listener,
  loadAssignment,
  ROUTE_NAME,
  snapshot,
  tcpProxy,
} from './sidecar.js';

const LP = `listeners[${LISTENER_NAME}]`;

function summary(v: { path: string; rule: string }[]): string[] {
  return v.map((x) => `${x.path} ${x.rule}`);
}

describe('snapshot consistency', () => {
  it('a complete sidecar snapshot is consistent (also with unreferenced-resource checks)', () => {
    assert.deepEqual(checkConsistency(snapshot()), []);
    assert.deepEqual(checkConsistency(snapshot(), { reportUnreferenced: true }), []);
  });

  it('a missing RDS route configuration is reported at the HCM in the filter chain', () => {
    const s = snapshot();
    s.routes = [];
    assert.deepEqual(summary(checkConsistency(s)), [
      `${LP}.filter_chains[0].filters[0].typed_config.rds.route_config_name route.missing`,
    ]);
  });

  it('a missing RDS route configuration named by an api_listener HCM is reported', () => {
    const s = snapshot();
    s.listeners.push(
      create(ListenerSchema, {
        name: 'grpc-api',
        apiListener: { apiListener: anyPack(HttpConnectionManagerSchema, hcm('URL_MAP/other')) },
      }),
    );
    assert.deepEqual(summary(checkConsistency(s)), [
      'listeners[grpc-api].api_listener.api_listener.rds.route_config_name route.missing',
    ]);
  });

  it('a missing EDS load assignment is reported (service_name, or the cluster name when empty)', () => {
    const s = snapshot();
    s.endpoints = [loadAssignment(CLUSTERS[0])];
    s.clusters.push(cluster('with-service', 'svc-a'));
    assert.deepEqual(summary(checkConsistency(s)), [
      `clusters[${CLUSTERS[1]}] endpoint.missing`,
      'clusters[with-service].eds_cluster_config.service_name endpoint.missing',
    ]);
    s.endpoints.push(loadAssignment('svc-a'), loadAssignment(CLUSTERS[1]));
    assert.deepEqual(checkConsistency(s), []);
  });

  it('non-EDS clusters need no load assignment', () => {
    const s = snapshot();
    s.clusters.push(
      create(ClusterSchema, {
        name: 'static',
        clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.STATIC },
      }),
    );
    assert.deepEqual(checkConsistency(s), []);
  });

  it('routes to missing clusters are reported (cluster, weighted_clusters, request_mirror_policies)', () => {
    const s = snapshot();
    s.clusters = [s.clusters[0]];
    s.endpoints = [s.endpoints[0]];
    const r = `routes[${ROUTE_NAME}].virtual_hosts[0]`;
    assert.deepEqual(summary(checkConsistency(s)), [
      `${r}.routes[0].route.weighted_clusters.clusters[1].name cluster.missing`,
      `${r}.routes[1].route.request_mirror_policies[0].cluster cluster.missing`,
    ]);
  });

  it('a TcpProxy to a missing cluster is reported', () => {
    const s = snapshot();
    s.listeners = [listener(hcm(), tcpProxy('gone'))];
    assert.deepEqual(summary(checkConsistency(s)), [
      `${LP}.filter_chains[1].filters[0].typed_config.cluster cluster.missing`,
    ]);
  });

  it('clusters named by an inline route_config are checked too', () => {
    const s = snapshot();
    const h = hcm();
    h.routeSpecifier = {
      case: 'routeConfig',
      value: create(RouteConfigurationSchema, {
        virtualHosts: [
          {
            name: 'v',
            domains: ['*'],
            routes: [
              {
                match: { pathSpecifier: { case: 'prefix', value: '/' } },
                action: { case: 'route', value: { clusterSpecifier: { case: 'cluster', value: 'nope' } } },
              },
            ],
          },
        ],
      }),
    };
    s.listeners = [listener(h)];
    assert.deepEqual(summary(checkConsistency(s)), [
      `${LP}.filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes[0].route.cluster cluster.missing`,
    ]);
    assert.deepEqual(summary(checkConsistency(s, { reportUnreferenced: true })).slice(-1), [
      `routes[${ROUTE_NAME}] route.unreferenced`,
    ]);
  });

  it('duplicate and empty names within a type are reported', () => {
    const s = snapshot();
    s.listeners.push(listener());
    s.clusters.push(cluster(CLUSTERS[0]));
    s.routes.push(create(RouteConfigurationSchema, { name: '' }));
    s.endpoints.push(loadAssignment(CLUSTERS[1]));
    assert.deepEqual(summary(checkConsistency(s)), [
      `${LP} name.duplicate`,
      'routes[1] name.empty',
      `clusters[${CLUSTERS[0]}] name.duplicate`,
      `endpoints[${CLUSTERS[1]}] name.duplicate`,
    ]);
  });
});
