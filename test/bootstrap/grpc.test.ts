import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromJson, type JsonValue } from '@bufbuild/protobuf';
import { validateBootstrapConfig } from '@grpc/grpc-js-xds/build/src/xds-bootstrap.js';
import { grpcBootstrap } from '../../src/bootstrap/grpc.js';
import { NodeSchema } from '../../src/gen/envoy/config/core/v3/base_pb.js';
import { serverListenerIr } from '../../src/translate/ir/server.js';
import { identifyNode } from '../../src/xds/node.js';

const OPTIONS = {
  xdsServerUri: '10.0.0.5:15010',
  projectNumber: '123456789012',
  network: 'prod-net',
  zone: 'us-central1-a',
  nodeUuid: 'c0ffee00-0000-4000-8000-000000000001',
  metadata: { track: 'canary', INSTANCE_IP: undefined },
  ignoreResourceDeletion: false,
};

test('gRPC bootstrap: the file td-grpc-bootstrap writes, pointed at Vane', () => {
  assert.deepEqual(grpcBootstrap(OPTIONS), {
    xds_servers: [
      { server_uri: '10.0.0.5:15010', channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] },
    ],
    node: {
      id: 'projects/123456789012/networks/prod-net/nodes/c0ffee00-0000-4000-8000-000000000001',
      cluster: 'cluster',
      metadata: {
        track: 'canary',
        TRAFFICDIRECTOR_NETWORK_NAME: 'prod-net',
        TRAFFICDIRECTOR_GCP_PROJECT_NUMBER: '123456789012',
      },
      locality: { zone: 'us-central1-a' },
    },
    server_listener_resource_name_template: 'grpc/server?xds.resource.listening_address=%s',
  });
  const { zone: _zone, ...noZone } = OPTIONS;
  const b = grpcBootstrap({ ...noZone, ignoreResourceDeletion: true, includeFederation: true });
  assert.deepEqual((b.xds_servers as { server_features: string[] }[])[0]!.server_features, [
    'xds_v3',
    'ignore_resource_deletion',
  ]);
  assert.equal((b.node as Record<string, unknown>).locality, undefined);
  assert.deepEqual(b.authorities, {});
});

test('gRPC bootstrap: grpc-js-xds accepts it, and Vane reads its node and answers its server listener names', () => {
  const b = grpcBootstrap(OPTIONS);
  const parsed = validateBootstrapConfig(b);
  assert.equal(parsed.xdsServers[0]!.server_uri, '10.0.0.5:15010');
  assert.equal(
    parsed.node.id,
    'projects/123456789012/networks/prod-net/nodes/c0ffee00-0000-4000-8000-000000000001',
  );
  const node = identifyNode(fromJson(NodeSchema, b.node as JsonValue));
  assert.equal(node.projectNumber, '123456789012');
  assert.equal(node.network, 'prod-net');
  assert.equal(node.locality.zone, 'us-central1-a');
  // A server on 10.0.0.7:50051 asks for the template filled in: Vane must recognise the name.
  const name = String(b.server_listener_resource_name_template).replace('%s', '10.0.0.7:50051');
  const view = {
    projectNumber: node.projectNumber,
    network: node.network,
    kind: 'grpc' as const,
    metadata: {},
    inboundBackendPorts: [],
    enableTracing: false,
  };
  assert.deepEqual(serverListenerIr(view, name), { kind: 'server', name, address: '10.0.0.7', port: 50051 });
});
