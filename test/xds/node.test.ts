import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { status } from '@grpc/grpc-js';
import { NodeSchema } from '../../src/gen/envoy/config/core/v3/base_pb.js';
import { identifyNode } from '../../src/xds/node.js';
import { XdsRefusal } from '../../src/xds/types.js';

function refusal(fn: () => unknown): XdsRefusal {
  try {
    fn();
  } catch (err) {
    if (err instanceof XdsRefusal) return err;
    throw err;
  }
  throw new Error('expected an XdsRefusal');
}

test('project and network from node.id; mesh: and scope: networks kept as given', () => {
  const n = identifyNode(
    create(NodeSchema, {
      id: 'projects/123/networks/default/nodes/uuid-1',
      cluster: 'c',
      userAgentName: 'envoy',
      userAgentVersionType: { case: 'userAgentVersion', value: '1.31.0' },
      locality: { region: 'us-central1', zone: 'us-central1-a' },
      metadata: {
        INSTANCE_IP: '10.0.0.1',
        TRAFFICDIRECTOR_INTERCEPTION_PORT: '15001',
        nested: { a: [1, true] },
      },
    }),
  );
  assert.equal(n.projectNumber, '123');
  assert.equal(n.network, 'default');
  assert.equal(n.kind, 'envoy');
  assert.equal(n.userAgentVersion, '1.31.0');
  assert.deepEqual(n.locality, { region: 'us-central1', zone: 'us-central1-a', subZone: '' });
  assert.deepEqual(n.metadata, {
    INSTANCE_IP: '10.0.0.1',
    TRAFFICDIRECTOR_INTERCEPTION_PORT: '15001',
    nested: { a: [1, true] },
  });
  assert.equal(
    identifyNode(create(NodeSchema, { id: 'projects/5/networks/mesh:m1/nodes/x' })).network,
    'mesh:m1',
  );
  assert.equal(
    identifyNode(create(NodeSchema, { id: 'projects/5/networks/scope:s1/nodes/x' })).network,
    'scope:s1',
  );
});

test('project and network from metadata when node.id is a legacy id', () => {
  const n = identifyNode(
    create(NodeSchema, {
      id: 'b7b7c0a6-uuid~10.0.0.2',
      metadata: { TRAFFICDIRECTOR_GCP_PROJECT_NUMBER: '4567', TRAFFICDIRECTOR_NETWORK_NAME: 'vpc-1' },
    }),
  );
  assert.equal(n.projectNumber, '4567');
  assert.equal(n.network, 'vpc-1');
});

test('missing project or network: INVALID_ARGUMENT naming the missing key', () => {
  const noProject = refusal(() =>
    identifyNode(
      create(NodeSchema, { id: 'legacy~1.2.3.4', metadata: { TRAFFICDIRECTOR_NETWORK_NAME: 'default' } }),
    ),
  );
  assert.equal(noProject.code, status.INVALID_ARGUMENT);
  assert.match(
    noProject.message,
    /^node metadata TRAFFICDIRECTOR_GCP_PROJECT_NUMBER is missing and node\.id is not projects\/NUMBER\/networks\/NETWORK\/nodes\/ID/,
  );
  const noNetwork = refusal(() =>
    identifyNode(create(NodeSchema, { id: 'x', metadata: { TRAFFICDIRECTOR_GCP_PROJECT_NUMBER: '12' } })),
  );
  assert.equal(noNetwork.code, status.INVALID_ARGUMENT);
  assert.match(noNetwork.message, /node metadata TRAFFICDIRECTOR_NETWORK_NAME is missing/);
  const noNode = refusal(() =>
    identifyNode(undefined, 'type.googleapis.com/envoy.config.listener.v3.Listener'),
  );
  assert.equal(noNode.code, status.INVALID_ARGUMENT);
  assert.match(noNode.message, /must carry the node/);
});

test('malformed project number: INVALID_ARGUMENT saying which', () => {
  const inId = refusal(() =>
    identifyNode(create(NodeSchema, { id: 'projects/my-proj/networks/default/nodes/x' })),
  );
  assert.equal(inId.code, status.INVALID_ARGUMENT);
  assert.match(inId.message, /node\.id project "my-proj" is not a project number/);
  const inMeta = refusal(() =>
    identifyNode(
      create(NodeSchema, {
        id: 'x',
        metadata: { TRAFFICDIRECTOR_GCP_PROJECT_NUMBER: 'abc', TRAFFICDIRECTOR_NETWORK_NAME: 'default' },
      }),
    ),
  );
  assert.match(
    inMeta.message,
    /node metadata TRAFFICDIRECTOR_GCP_PROJECT_NUMBER "abc" is not a project number/,
  );
});

test('kind: grpc by user agent or by the overprovisioning client feature, else envoy', () => {
  const id = 'projects/1/networks/n/nodes/x';
  assert.equal(identifyNode(create(NodeSchema, { id, userAgentName: 'gRPC Node' })).kind, 'grpc');
  assert.equal(identifyNode(create(NodeSchema, { id, userAgentName: 'grpc-java' })).kind, 'grpc');
  assert.equal(
    identifyNode(create(NodeSchema, { id, clientFeatures: ['envoy.lb.does_not_support_overprovisioning'] }))
      .kind,
    'grpc',
  );
  assert.equal(identifyNode(create(NodeSchema, { id, userAgentName: 'envoy' })).kind, 'envoy');
});
