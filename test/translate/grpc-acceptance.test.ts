// Every proxyless output of the golden cases passes grpc-js-xds's own resource validation
// (the checks behind its NACKs), decoded from the bytes a client would receive.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { create, type DescMessage, type MessageShape, toBinary } from '@bufbuild/protobuf';
import { ClusterSchema } from '../../src/gen/envoy/config/cluster/v3/cluster_pb.js';
import { ClusterLoadAssignmentSchema } from '../../src/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { ListenerSchema } from '../../src/gen/envoy/config/listener/v3/listener_pb.js';
import { RouteConfigurationSchema } from '../../src/gen/envoy/config/route/v3/route_pb.js';
import {
  SERVER_LISTENER_PREFIX,
  translateConfig,
  translateEndpoints,
  translateServerListener,
} from '../../src/translate/index.js';
import { loadFixture, TESTDATA } from './fixture.js';

interface DecodeResult {
  name: string;
  error?: string;
}
interface ResourceType {
  decode(context: unknown, resource: { type_url: string; value: Buffer }): DecodeResult;
}

const require = createRequire(import.meta.url);
const BASE = '@grpc/grpc-js-xds/build/src/xds-resource-type/';
(require('@grpc/grpc-js-xds') as { register(): void }).register();
const resourceType = (file: string, cls: string) =>
  (require(`${BASE}${file}`) as Record<string, { get(): ResourceType }>)[cls]!.get();

const TYPES = {
  listener: resourceType('listener-resource-type.js', 'ListenerResourceType'),
  route: resourceType('route-config-resource-type.js', 'RouteConfigurationResourceType'),
  cluster: resourceType('cluster-resource-type.js', 'ClusterResourceType'),
  endpoint: resourceType('endpoint-resource-type.js', 'EndpointResourceType'),
};
const CONTEXT = { bootstrap: { certificateProviders: {}, xdsServers: [], node: {} } };

function decode<Desc extends DescMessage>(
  type: ResourceType,
  schema: Desc,
  message: MessageShape<Desc>,
): DecodeResult {
  const value = Buffer.from(toBinary(schema, message));
  return type.decode(CONTEXT, { type_url: `type.googleapis.com/${schema.typeName}`, value });
}

const cases = readdirSync(TESTDATA).filter((f) => f.endsWith('.in.yaml'));

test('grpc-js-xds accepts every proxyless resource of the golden cases', () => {
  let checked = 0;
  const errors: string[] = [];
  for (const file of cases) {
    const { input, views } = loadFixture(join(TESTDATA, file));
    for (const [viewName, view] of views) {
      if (view.kind !== 'grpc') continue;
      const config = translateConfig(input, view);
      const endpoints = translateEndpoints(input, view);
      const results = [
        ...config.listeners.map((m) => decode(TYPES.listener, ListenerSchema, m)),
        ...config.routes.map((m) => decode(TYPES.route, RouteConfigurationSchema, m)),
        ...config.clusters.map((m) => decode(TYPES.cluster, ClusterSchema, m)),
        ...endpoints.endpoints.map((m) => decode(TYPES.endpoint, ClusterLoadAssignmentSchema, m)),
      ];
      for (const r of results) {
        checked++;
        if (r.error !== undefined) errors.push(`${file} ${viewName} ${r.name}: ${r.error}`);
      }
    }
  }
  assert.deepEqual(errors, []);
  assert.ok(checked > 20, `checked ${checked} resources`);
});

test('grpc-js-xds rejects what it should (the check is live)', () => {
  const { input, views } = loadFixture(join(TESTDATA, 'proxyless-wallet.in.yaml'));
  const view = views.get('default')!;
  const [listener] = translateConfig(input, view).listeners;
  assert.ok(listener !== undefined);
  const broken = create(ListenerSchema, { name: listener.name, listenerFilters: [{ name: 'x' }] });
  broken.apiListener = listener.apiListener;
  const r = decode(TYPES.listener, ListenerSchema, broken);
  assert.match(r.error ?? '', /listener_filters populated/);
});

test('server listeners (gRFC A36): named by address, accepted by grpc-js-xds', () => {
  const { views } = loadFixture(join(TESTDATA, 'proxyless-wallet.in.yaml'));
  const view = views.get('default')!;
  for (const address of ['0.0.0.0:50051', '10.0.0.7:8080', '[::]:50051']) {
    const name = `${SERVER_LISTENER_PREFIX}${address}`;
    const listener = translateServerListener(view, name);
    assert.ok(listener !== undefined, address);
    assert.equal(listener.name, name);
    assert.equal(decode(TYPES.listener, ListenerSchema, listener).error, undefined);
  }
  for (const bad of [
    'wallet.grpc.io:80',
    `${SERVER_LISTENER_PREFIX}host:80`,
    `${SERVER_LISTENER_PREFIX}1.2.3.4:99999`,
  ]) {
    assert.equal(translateServerListener(view, bad), undefined, bad);
  }
  assert.equal(
    translateServerListener({ ...view, kind: 'envoy' }, `${SERVER_LISTENER_PREFIX}0.0.0.0:1`),
    undefined,
  );
});
