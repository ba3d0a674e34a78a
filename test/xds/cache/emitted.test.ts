import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { ClusterSchema } from '../../../src/gen/envoy/config/cluster/v3/cluster_pb.js';
import { EmittedResources, sameIr } from '../../../src/xds/cache/emitted.js';
import { Encoder } from '../../../src/xds/cache/encode.js';
import { OutputValidator } from '../../../src/xds/cache/validate-output.js';
import { TYPE_URL } from '../../../src/xds/types.js';

const CDS = TYPE_URL.cluster;

function counted() {
  const calls: string[] = [];
  const translate = (ir: { name: string; timeoutSeconds: number }) => {
    calls.push(ir.name);
    return create(ClusterSchema, { name: ir.name, connectTimeout: { seconds: BigInt(ir.timeoutSeconds) } });
  };
  return { calls, translate };
}

test('equal IR keeps the message, bytes and validation of the last rebuild; changed IR is emitted again', () => {
  const emitted = new EmittedResources(new Encoder(), new OutputValidator());
  const { calls, translate } = counted();
  emitted.begin();
  const a1 = emitted.emit(CDS, 'a', { name: 'a', timeoutSeconds: 5 }, translate);
  const b1 = emitted.emit(CDS, 'b', { name: 'b', timeoutSeconds: 5 }, translate);
  emitted.commit();
  assert.deepEqual(calls, ['a', 'b']);

  emitted.begin();
  const a2 = emitted.emit(CDS, 'a', { name: 'a', timeoutSeconds: 5 }, translate);
  const b2 = emitted.emit(CDS, 'b', { name: 'b', timeoutSeconds: 9 }, translate);
  emitted.commit();
  assert.deepEqual(calls, ['a', 'b', 'b']);
  assert.equal(a2, a1);
  assert.notEqual(b2.encoded.version, b1.encoded.version);
  assert.equal(b2.message.connectTimeout?.seconds, 9n);
});

test('a name left out of a whole rebuild is forgotten; a single emit outside one updates in place', () => {
  const emitted = new EmittedResources(new Encoder(), new OutputValidator());
  const { calls, translate } = counted();
  emitted.begin();
  emitted.emit(CDS, 'a', { name: 'a', timeoutSeconds: 5 }, translate);
  emitted.emit(CDS, 'b', { name: 'b', timeoutSeconds: 5 }, translate);
  emitted.commit();
  emitted.begin();
  emitted.emit(CDS, 'a', { name: 'a', timeoutSeconds: 5 }, translate);
  emitted.commit();
  // Outside a rebuild (the endpoint fast path): replaces the one entry, keeps the others.
  emitted.emit(CDS, 'a', { name: 'a', timeoutSeconds: 6 }, translate);
  emitted.emit(CDS, 'a', { name: 'a', timeoutSeconds: 6 }, translate);
  emitted.begin();
  emitted.emit(CDS, 'a', { name: 'a', timeoutSeconds: 6 }, translate);
  emitted.emit(CDS, 'b', { name: 'b', timeoutSeconds: 5 }, translate);
  emitted.commit();
  assert.deepEqual(calls, ['a', 'b', 'a', 'b']);
});

test('validation problems are reported again each time the resource is reused', () => {
  const emitted = new EmittedResources(new Encoder(), new OutputValidator());
  // Envoy requires a cluster name (min_len 1).
  const translate = (ir: { n: string }) => create(ClusterSchema, { name: ir.n });
  const first = emitted.emit(CDS, '', { n: '' }, translate);
  assert.ok(first.problems.length > 0);
  assert.deepEqual(emitted.emit(CDS, '', { n: '' }, translate).problems, first.problems);
});

test('IR equality is structural for plain data and identity for anything else', () => {
  assert.equal(sameIr({ a: [1, { b: 'x' }], c: true }, { a: [1, { b: 'x' }], c: true }), true);
  assert.equal(sameIr({ a: [1, 2] }, { a: [1, 2, 3] }), false);
  assert.equal(sameIr({ a: 1 }, { a: 1, b: undefined }), false);
  assert.equal(sameIr({ a: 1, b: 2 }, { b: 2, a: 1 }), true);
  assert.equal(sameIr([], {}), false);
  // Two different Maps have no own keys: they must not compare equal.
  assert.equal(sameIr({ m: new Map([[1, 2]]) }, { m: new Map([[1, 3]]) }), false);
  assert.equal(sameIr({ n: Number.NaN }, { n: Number.NaN }), false);
});
