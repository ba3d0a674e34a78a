// How protobuf-es holds message-typed values: the rules the templates, the encoder and the
// validator share.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { ListValueSchema, StructSchema, ValueSchema } from '@bufbuild/protobuf/wkt';
import { ClusterSchema } from '../../src/gen/envoy/config/cluster/v3/cluster_pb.js';
import { MetadataSchema } from '../../src/gen/envoy/config/core/v3/base_pb.js';
import { RouteActionSchema } from '../../src/gen/envoy/config/route/v3/route_components_pb.js';
import { heldAs, messageTypeOf } from '../../src/protobuf/representation.js';

test('wrappers in singular fields are their scalar; Struct is JSON except inside Value', () => {
  const held = (field: Parameters<typeof messageTypeOf>[0]) => heldAs(field, messageTypeOf(field)!);
  assert.equal(held(ClusterSchema.field.perConnectionBufferLimitBytes), 'scalar');
  assert.equal(held(MetadataSchema.field.filterMetadata), 'json');
  assert.equal(held(ValueSchema.field.structValue), 'message');
  assert.equal(held(ListValueSchema.field.values), 'message');
  assert.equal(held(RouteActionSchema.field.timeout), 'message');
  assert.equal(messageTypeOf(ClusterSchema.field.name), undefined);
  // What create() does, which the rules restate.
  const made = create(ValueSchema, { kind: { case: 'structValue', value: { fields: {} } } });
  assert.equal((made.kind.value as { $typeName?: string }).$typeName, StructSchema.typeName);
  const cluster = create(ClusterSchema, { perConnectionBufferLimitBytes: 5 });
  assert.equal(cluster.perConnectionBufferLimitBytes, 5);
});
