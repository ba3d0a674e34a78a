import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { BinaryWriter } from '@bufbuild/protobuf/wire';
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

/** Responses are Buffers (allocated without zero-filling); compare their bytes as plain arrays. */
const plain = (bytes: Uint8Array) => new Uint8Array(bytes);

test('pre-assembled SotW and delta responses decode as the Envoy messages', () => {
  const a = listener('a');
  const b = listener('b');
  const res = fromBinary(
    DiscoveryResponseSchema,
    plain(discoveryResponseBytes('v1', a.typeUrl, 'n1', [a, b])),
  );
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
    plain(deltaResponseBytes('sv', c.typeUrl, 'n2', [c], ['gone', 'x'])),
  );
  assert.equal(delta.systemVersionInfo, 'sv');
  assert.equal(delta.nonce, 'n2');
  assert.equal(delta.resources[0]?.name, 'c');
  assert.equal(delta.resources[0]?.version, c.version);
  assert.deepEqual(delta.resources[0]?.resource?.value, c.bytes);
  assert.deepEqual(delta.removedResources, ['gone', 'x']);
});

test('responses are byte for byte what BinaryWriter writes, large resources and non-ASCII names included', () => {
  const big = { ...listener('big'), bytes: new Uint8Array(200_000).fill(7) };
  const small = listener('s');
  const resources = [small, big, cluster('c')];
  const sotw = new BinaryWriter().uint32(10).string('v\u00e9');
  for (const r of resources) sotw.uint32(18).bytes(anyBytes(r));
  sotw.uint32(34).string(small.typeUrl).uint32(42).string('');
  assert.deepEqual(plain(discoveryResponseBytes('v\u00e9', small.typeUrl, '', resources)), sotw.finish());
  assert.deepEqual(
    plain(discoveryResponseBytes('', small.typeUrl, 'n', [])),
    new BinaryWriter().uint32(10).string('').uint32(34).string(small.typeUrl).uint32(42).string('n').finish(),
  );
  const delta = new BinaryWriter().uint32(10).string('sv');
  for (const r of resources)
    delta
      .uint32(18)
      .bytes(
        new BinaryWriter()
          .uint32(10)
          .string(r.version)
          .uint32(18)
          .bytes(anyBytes(r))
          .uint32(26)
          .string(r.name)
          .finish(),
      );
  delta.uint32(34).string(small.typeUrl).uint32(42).string('n2');
  for (const name of ['gone', 'caf\u00e9']) delta.uint32(50).string(name);
  assert.deepEqual(
    plain(deltaResponseBytes('sv', small.typeUrl, 'n2', resources, ['gone', 'caf\u00e9'])),
    delta.finish(),
  );
});
