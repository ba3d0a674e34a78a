import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create, equals, isFieldSet, toBinary } from '@bufbuild/protobuf';
import { anyPack, DurationSchema, FieldDescriptorProtoSchema, ValueSchema } from '@bufbuild/protobuf/wkt';
import { ClusterSchema } from '../../src/gen/envoy/config/cluster/v3/cluster_pb.js';
import { MetadataSchema } from '../../src/gen/envoy/config/core/v3/base_pb.js';
import { RouteActionSchema } from '../../src/gen/envoy/config/route/v3/route_components_pb.js';
import { RouterSchema } from '../../src/gen/envoy/extensions/filters/http/router/v3/router_pb.js';
import { message, pack, packedFrom } from '../../src/translate/envoy/common.js';

test('message() builds what create() builds, byte for byte and field for field', () => {
  const init = {
    name: 'svc',
    connectTimeout: { seconds: 10n },
    commonLbConfig: { healthyPanicThreshold: { value: 1 } },
    perConnectionBufferLimitBytes: 1024,
  };
  const made = message(ClusterSchema, init);
  const reference = create(ClusterSchema, init);
  assert.ok(equals(ClusterSchema, made, reference));
  assert.deepEqual(toBinary(ClusterSchema, made), toBinary(ClusterSchema, reference));
  assert.equal(made.connectTimeout?.$typeName, DurationSchema.typeName, 'a plain object becomes a message');
  assert.equal(made.perConnectionBufferLimitBytes, 1024, 'wrappers stay unwrapped, as create() holds them');
});

test('unset message fields are not set; every message of a type has the same fields in the same order', () => {
  const a = message(RouteActionSchema, { clusterSpecifier: { case: 'cluster', value: 'a' } });
  const b = message(RouteActionSchema, { timeout: { seconds: 5n }, prefixRewrite: '/x' });
  assert.equal(isFieldSet(a, RouteActionSchema.field.timeout), false);
  assert.equal(isFieldSet(b, RouteActionSchema.field.timeout), true);
  assert.deepEqual(Object.keys(a), Object.keys(b));
});

test('empty lists, maps and oneofs share one frozen value; given ones are kept', () => {
  const a = message(RouteActionSchema, { requestMirrorPolicies: [] });
  const b = message(RouteActionSchema);
  assert.equal(a.requestMirrorPolicies, b.requestMirrorPolicies);
  assert.ok(Object.isFrozen(a.requestMirrorPolicies));
  assert.equal(a.hostRewriteSpecifier, b.hostRewriteSpecifier);
  const c = message(RouteActionSchema, { requestMirrorPolicies: [{ cluster: 'm' }] });
  assert.equal(c.requestMirrorPolicies[0]?.cluster, 'm');
  assert.notEqual(c.requestMirrorPolicies, b.requestMirrorPolicies);
});

test('types that keep defaults on a prototype (proto2) are left to create()', () => {
  const made = message(FieldDescriptorProtoSchema, { name: 'f' });
  assert.notEqual(Object.getPrototypeOf(made), Object.prototype);
  assert.equal(isFieldSet(made, FieldDescriptorProtoSchema.field.jsonName), false);
  assert.equal(made.jsonName, '');
  assert.ok(equals(FieldDescriptorProtoSchema, made, create(FieldDescriptorProtoSchema, { name: 'f' })));
});

test('pack() encodes the message into the Any and remembers the message for output validation', () => {
  const router = message(RouterSchema, { suppressEnvoyHeaders: true });
  const any = pack(RouterSchema, router);
  assert.equal(any.typeUrl, `type.googleapis.com/${RouterSchema.typeName}`);
  assert.deepEqual(any.value, toBinary(RouterSchema, router));
  assert.equal(packedFrom(any), router);
  assert.equal(packedFrom(anyPack(RouterSchema, router)), undefined, 'only what pack() packed');
});

test('a Struct inside a Value is a message, as create() makes it; a Struct field stays JSON', () => {
  const init = {
    kind: {
      case: 'structValue' as const,
      value: { fields: { a: { kind: { case: 'boolValue' as const, value: true } } } },
    },
  };
  const made = message(ValueSchema, init);
  assert.equal((made.kind.value as { $typeName?: string }).$typeName, 'google.protobuf.Struct');
  assert.deepEqual(toBinary(ValueSchema, made), toBinary(ValueSchema, create(ValueSchema, init)));
  const metadata = message(MetadataSchema, { filterMetadata: { f: { k: 'v' } } });
  assert.deepEqual(metadata.filterMetadata.f, { k: 'v' });
});
