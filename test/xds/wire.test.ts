import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { AnySchema } from '@bufbuild/protobuf/wkt';
import {
  DeltaDiscoveryResponseSchema,
  DiscoveryResponseSchema,
} from '../../src/gen/envoy/service/discovery/v3/discovery_pb.js';
import { anyBytes, deltaResponseBytes, discoveryResponseBytes } from '../../src/xds/wire.js';
import { cluster, listener } from './helpers/fake-source.js';

test('each resource is wrapped in Any once and the bytes are what protobuf-es would encode', () => {
  const l = listener('a');
  const once = anyBytes(l);
  assert.equal(anyBytes(l), once, 'cached per resource object');
  assert.deepEqual(once, toBinary(AnySchema, create(AnySchema, { typeUrl: l.typeUrl, value: l.bytes })));
});

test('pre-assembled SotW and delta responses decode as the Envoy messages', () => {
  const a = listener('a');
  const b = listener('b');
  const res = fromBinary(DiscoveryResponseSchema, discoveryResponseBytes('v1', a.typeUrl, 'n1', [a, b]));
  assert.equal(res.versionInfo, 'v1');
  assert.equal(res.typeUrl, a.typeUrl);
  assert.equal(res.nonce, 'n1');
  assert.deepEqual(
    res.resources.map((r) => r.value),
    [a.bytes, b.bytes],
  );
  const c = cluster('c');
  const delta = fromBinary(
    DeltaDiscoveryResponseSchema,
    deltaResponseBytes('sv', c.typeUrl, 'n2', [c], ['gone', 'x']),
  );
  assert.equal(delta.systemVersionInfo, 'sv');
  assert.equal(delta.nonce, 'n2');
  assert.equal(delta.resources[0]?.name, 'c');
  assert.equal(delta.resources[0]?.version, c.version);
  assert.deepEqual(delta.resources[0]?.resource?.value, c.bytes);
  assert.deepEqual(delta.removedResources, ['gone', 'x']);
});
