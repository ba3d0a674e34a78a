import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fromJson, type JsonValue } from '@bufbuild/protobuf';
import { parse } from 'yaml';
import {
  type EnvoyBootstrapOptions,
  envoyBootstrap,
  parseHostPort,
  renderEnvoyBootstrap,
  validateEnvoyBootstrap,
} from '../../src/bootstrap/envoy.js';
import { NodeSchema } from '../../src/gen/envoy/config/core/v3/base_pb.js';
import type { NodeView } from '../../src/translate/types.js';
import { nodeViewOf } from '../../src/xds/cache/node-view.js';
import { identifyNode } from '../../src/xds/node.js';

const FULL: EnvoyBootstrapOptions = {
  projectNumber: '123456789012',
  network: 'prod-net',
  nodeUuid: '5b1d0c8e-1111-4222-8333-444455556666',
  zone: 'us-central1-a',
  xdsServerUri: 'vane.internal:15010',
  adminPort: 15000,
  interceptionPort: 15001,
  inboundInterceptionPort: 15006,
  inboundBackendPorts: [8080, 80],
  accessLogPath: '/var/log/envoy/access.log',
  tracing: true,
  instanceIp: '10.0.0.7',
  labels: { track: 'canary', team: 'wallet' },
};

/** What a stream presenting this bootstrap's node is treated as, filtering on `labels`. */
function viewOf(bootstrap: Record<string, unknown>, labels: string[]): NodeView {
  const node = fromJson(NodeSchema, bootstrap.node as JsonValue);
  return nodeViewOf(identifyNode(node), new Set(labels));
}

// biome-ignore lint/suspicious/noExplicitAny: tests reach into nested bootstrap JSON
type Json = Record<string, any>;

describe('Envoy bootstrap', () => {
  test('passes validation as an object, as YAML and as JSON, and renders losslessly', () => {
    const b = envoyBootstrap(FULL);
    assert.deepEqual(validateEnvoyBootstrap(b), []);
    for (const format of ['yaml', 'json'] as const) {
      const text = renderEnvoyBootstrap(b, format);
      const back = format === 'json' ? JSON.parse(text) : parse(text);
      assert.deepEqual(back, b, format);
      assert.deepEqual(validateEnvoyBootstrap(back), [], format);
    }
    assert.match(
      renderEnvoyBootstrap(b, 'yaml'),
      /^node:\n {2}id: projects\/123456789012\/networks\/prod-net\/nodes\//,
    );
  });

  test('the node parses into the view Vane translates for', () => {
    const b = envoyBootstrap(FULL);
    assert.deepEqual(viewOf(b, ['track']), {
      projectNumber: '123456789012',
      network: 'prod-net',
      kind: 'envoy',
      zone: 'us-central1-a',
      metadata: { track: 'canary' },
      interceptionPort: 15001,
      inboundInterceptionPort: 15006,
      inboundBackendPorts: [80, 8080],
      accessLogPath: '/var/log/envoy/access.log',
      enableTracing: true,
    } satisfies NodeView);
    const node = (b as Json).node;
    assert.equal(
      node.id,
      'projects/123456789012/networks/prod-net/nodes/5b1d0c8e-1111-4222-8333-444455556666',
    );
    assert.deepEqual(node.locality, { region: 'us-central1', zone: 'us-central1-a' });
    assert.equal(node.metadata.INSTANCE_IP, '10.0.0.7');
    assert.equal(node.metadata.TRAFFICDIRECTOR_INBOUND_BACKEND_PORTS, '8080,80');
    for (const v of Object.values(node.metadata)) assert.equal(typeof v, 'string');
  });

  test('absent inputs leave their keys out, and the view has no interception or inbound listener', () => {
    const b = envoyBootstrap({
      projectNumber: '42',
      network: 'default',
      nodeUuid: 'n1',
      xdsServerUri: '10.0.0.5:15010',
      adminPort: 15000,
      inboundBackendPorts: [],
      tracing: false,
      labels: {},
    }) as Json;
    assert.deepEqual(b.node.metadata, {
      TRAFFICDIRECTOR_NETWORK_NAME: 'default',
      TRAFFICDIRECTOR_GCP_PROJECT_NUMBER: '42',
      TRAFFICDIRECTOR_ENABLE_TRACING: 'false',
    });
    assert.equal(b.node.locality, undefined);
    assert.deepEqual(validateEnvoyBootstrap(b), []);
    assert.deepEqual(viewOf(b, []), {
      projectNumber: '42',
      network: 'default',
      kind: 'envoy',
      metadata: {},
      inboundBackendPorts: [],
      enableTracing: false,
    });
  });

  test('an IP address makes a STATIC cluster, a name a STRICT_DNS one; both speak HTTP/2 with keepalives', () => {
    const cluster = (uri: string) =>
      (envoyBootstrap({ ...FULL, xdsServerUri: uri }) as Json).static_resources.clusters[0];
    const byIp = cluster('10.0.0.5:15010');
    assert.equal(byIp.type, 'STATIC');
    assert.deepEqual(byIp.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address, {
      address: '10.0.0.5',
      port_value: 15010,
    });
    const byName = cluster('vane.internal:443');
    assert.equal(byName.type, 'STRICT_DNS');
    const v6 = cluster('[fd00::5]:15010');
    assert.equal(v6.type, 'STATIC');
    assert.equal(
      v6.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address,
      'fd00::5',
    );
    const http =
      byName.typed_extension_protocol_options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'];
    assert.ok(http.explicit_http_config.http2_protocol_options.connection_keepalive.interval);
    assert.ok(byName.upstream_connection_options.tcp_keepalive.keepalive_time > 0);
    const b = envoyBootstrap(FULL) as Json;
    assert.equal(b.dynamic_resources.ads_config.grpc_services[0].envoy_grpc.cluster_name, byName.name);
    assert.equal(b.cluster_manager.load_stats_config.grpc_services[0].envoy_grpc.cluster_name, byName.name);
    assert.deepEqual(b.admin.address.socket_address, { address: '127.0.0.1', port_value: 15000 });
  });

  test('xDS server URIs that are not host:port are refused', () => {
    for (const bad of [
      'vane.internal',
      'vane:0',
      'vane:70000',
      'http://vane:15010',
      '[vane]:1',
      'fd00::5:15010',
    ])
      assert.throws(() => parseHostPort(bad), /not host:port|not an IPv6/, bad);
    assert.deepEqual(parseHostPort('[::1]:15010'), { host: '::1', port: 15010 });
  });

  test('violations of Envoy rules are reported with their field paths', () => {
    const b = envoyBootstrap(FULL) as Json;
    b.static_resources.clusters[0].name = '';
    b.static_resources.clusters[0].connect_timeout = '0s';
    b.admin.address.socket_address.port_value = 70000;
    b.admin.access_log[0].typed_config.path = '';
    const problems = validateEnvoyBootstrap(b);
    const paths = problems.map((p) => p.slice(0, p.indexOf(':')));
    assert.deepEqual(
      [...paths].sort(),
      [
        'admin.access_log[0].typed_config.path',
        'admin.address.socket_address.port_value',
        'cluster_manager.load_stats_config.grpc_services[0].envoy_grpc.cluster_name',
        'dynamic_resources.ads_config.grpc_services[0].envoy_grpc.cluster_name',
        'static_resources.clusters[0].connect_timeout',
        'static_resources.clusters[0].name',
      ],
      problems.join('\n'),
    );
    assert.ok(problems.some((p) => /clusters\[0\]\.name: .*at least 1.*\(string\.min_len\)/.test(p)));
  });

  test('unknown fields and wrong types are refused as the proto parser refuses them', () => {
    const unknown = { ...envoyBootstrap(FULL), static_resource: {} };
    assert.match(validateEnvoyBootstrap(unknown).join('\n'), /static_resource/);
    const wrongType = envoyBootstrap(FULL) as Json;
    wrongType.admin.address.socket_address.port_value = 'fifteen';
    assert.match(validateEnvoyBootstrap(wrongType).join('\n'), /port_value|portValue/);
    const badAny = envoyBootstrap(FULL) as Json;
    badAny.admin.access_log[0].typed_config['@type'] = 'type.googleapis.com/no.such.Type';
    assert.notDeepEqual(validateEnvoyBootstrap(badAny), []);
  });
});
