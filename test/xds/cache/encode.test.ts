import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { RouteConfigurationSchema } from '../../../src/gen/envoy/config/route/v3/route_pb.js';
import { Encoder } from '../../../src/xds/cache/encode.js';
import { TYPE_URL } from '../../../src/xds/types.js';

const route = (name: string) => create(RouteConfigurationSchema, { name });

test('an identical resource is the same object, within a generation and in the next one', () => {
  const encoder = new Encoder();
  const a = encoder.encode(TYPE_URL.route, RouteConfigurationSchema, 'r', route('r'));
  assert.equal(encoder.encode(TYPE_URL.route, RouteConfigurationSchema, 'r', route('r')), a);
  encoder.nextGeneration();
  assert.equal(encoder.encode(TYPE_URL.route, RouteConfigurationSchema, 'r', route('r')), a);
  const changed = encoder.encode(TYPE_URL.route, RouteConfigurationSchema, 'r', route('r2'));
  assert.notEqual(changed, a);
  assert.notEqual(changed.version, a.version);
});

test('a resource is forgotten after a generation without it, unless retained', () => {
  const encoder = new Encoder();
  const kept = encoder.encode(TYPE_URL.route, RouteConfigurationSchema, 'kept', route('kept'));
  const dropped = encoder.encode(TYPE_URL.route, RouteConfigurationSchema, 'dropped', route('dropped'));
  encoder.nextGeneration();
  encoder.retain(kept);
  encoder.nextGeneration();
  assert.equal(encoder.encode(TYPE_URL.route, RouteConfigurationSchema, 'kept', route('kept')), kept);
  assert.notEqual(
    encoder.encode(TYPE_URL.route, RouteConfigurationSchema, 'dropped', route('dropped')),
    dropped,
  );
});

test('equal bytes under another name or type are another resource', () => {
  const encoder = new Encoder();
  const a = encoder.encode(TYPE_URL.route, RouteConfigurationSchema, 'a', route('x'));
  const b = encoder.encode(TYPE_URL.route, RouteConfigurationSchema, 'b', route('x'));
  const c = encoder.encode(TYPE_URL.listener, RouteConfigurationSchema, 'a', route('x'));
  assert.equal(a.version, b.version);
  assert.deepEqual([a.name, b.name, c.name, c.typeUrl], ['a', 'b', 'a', TYPE_URL.listener]);
  assert.notEqual(a, b);
  assert.notEqual(a, c);
});
