// encodeBinary must write exactly what protobuf-es's toBinary writes: for every Envoy resource
// the translator makes, and for random messages of two test types that use every kind of field
// protobuf has (every scalar, packed and unpacked lists, maps of every key type, oneofs,
// wrappers, Struct, groups, required fields, unknown fields, recursion).
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  create,
  createFileRegistry,
  type DescField,
  type DescMessage,
  type JsonObject,
  type Message,
  ScalarType,
  toBinary,
} from '@bufbuild/protobuf';
import {
  FileDescriptorProtoSchema,
  file_google_protobuf_struct,
  file_google_protobuf_wrappers,
  isWrapperDesc,
  FieldDescriptorProto_Label as Label,
  FieldDescriptorProto_Type as Type,
} from '@bufbuild/protobuf/wkt';
import { encodeBinary } from '../../src/protobuf/binary-encoder.js';
import { messageTypeOf } from '../../src/protobuf/representation.js';
import { translateConfig, translateEndpoints } from '../../src/translate/index.js';
import { SCHEMA_OF } from '../../src/xds/cache/encode.js';
import { TYPE_URL, type TypeUrl } from '../../src/xds/types.js';
import { loadFixture, TESTDATA } from '../translate/fixture.js';

// --- Two test files: proto3 with every kind of field, proto2 with defaults, groups, required.

const SCALARS: [string, Type][] = [
  ['double', Type.DOUBLE],
  ['float', Type.FLOAT],
  ['int64', Type.INT64],
  ['uint64', Type.UINT64],
  ['int32', Type.INT32],
  ['fixed64', Type.FIXED64],
  ['fixed32', Type.FIXED32],
  ['bool', Type.BOOL],
  ['string', Type.STRING],
  ['bytes', Type.BYTES],
  ['uint32', Type.UINT32],
  ['sfixed32', Type.SFIXED32],
  ['sfixed64', Type.SFIXED64],
  ['sint32', Type.SINT32],
  ['sint64', Type.SINT64],
];
const KEY_TYPES = SCALARS.filter(([, t]) => t !== Type.DOUBLE && t !== Type.FLOAT && t !== Type.BYTES);
const WRAPPERS = ['Double', 'Float', 'Int64', 'UInt64', 'Int32', 'UInt32', 'Bool', 'String', 'Bytes'];

type FieldInit = {
  name: string;
  number: number;
  type: Type;
  label?: Label;
  typeName?: string;
  oneofIndex?: number;
  proto3Optional?: boolean;
  defaultValue?: string;
  options?: { packed: boolean };
};

function kitchenFields(): { fields: FieldInit[]; nested: object[] } {
  const fields: FieldInit[] = [];
  const nested: object[] = [];
  let n = 1;
  for (const [name, type] of SCALARS) {
    fields.push({ name: `s_${name}`, number: n++, type });
    fields.push({ name: `r_${name}`, number: n++, type, label: Label.REPEATED });
  }
  fields.push({ name: 's_enum', number: n++, type: Type.ENUM, typeName: '.vane.test.Color' });
  fields.push({
    name: 'r_enum',
    number: n++,
    type: Type.ENUM,
    typeName: '.vane.test.Color',
    label: Label.REPEATED,
  });
  fields.push({
    name: 'r_int32_unpacked',
    number: n++,
    type: Type.INT32,
    label: Label.REPEATED,
    options: { packed: false },
  });
  // proto3 optional: each in its own synthetic oneof, declared after the real one.
  const optionals: [string, Type, string?][] = [
    ['o_int32', Type.INT32],
    ['o_string', Type.STRING],
    ['o_double', Type.DOUBLE],
    ['o_uint64', Type.UINT64],
    ['o_enum', Type.ENUM, '.vane.test.Color'],
  ];
  optionals.forEach(([name, type, typeName], i) => {
    fields.push({ name, number: n++, type, typeName, oneofIndex: i + 1, proto3Optional: true });
  });
  fields.push({ name: 'child', number: n++, type: Type.MESSAGE, typeName: '.vane.test.Kitchen' });
  fields.push({
    name: 'children',
    number: n++,
    type: Type.MESSAGE,
    typeName: '.vane.test.Kitchen',
    label: Label.REPEATED,
  });
  fields.push({ name: 'c_string', number: n++, type: Type.STRING, oneofIndex: 0 });
  fields.push({
    name: 'c_child',
    number: n++,
    type: Type.MESSAGE,
    typeName: '.vane.test.Kitchen',
    oneofIndex: 0,
  });
  fields.push({
    name: 'c_wrapper',
    number: n++,
    type: Type.MESSAGE,
    typeName: '.google.protobuf.UInt32Value',
    oneofIndex: 0,
  });
  fields.push({ name: 'c_enum', number: n++, type: Type.ENUM, typeName: '.vane.test.Color', oneofIndex: 0 });
  for (const w of WRAPPERS) {
    fields.push({
      name: `w_${w.toLowerCase()}`,
      number: n++,
      type: Type.MESSAGE,
      typeName: `.google.protobuf.${w}Value`,
    });
  }
  fields.push({
    name: 'r_wrappers',
    number: n++,
    type: Type.MESSAGE,
    typeName: '.google.protobuf.StringValue',
    label: Label.REPEATED,
  });
  fields.push({ name: 'struct', number: n++, type: Type.MESSAGE, typeName: '.google.protobuf.Struct' });
  fields.push({
    name: 'structs',
    number: n++,
    type: Type.MESSAGE,
    typeName: '.google.protobuf.Struct',
    label: Label.REPEATED,
  });
  fields.push({ name: 'value', number: n++, type: Type.MESSAGE, typeName: '.google.protobuf.Value' });
  // Maps: an entry message per map, with every key type and the value kinds.
  const values: [string, Type, string?][] = [
    ['string', Type.STRING],
    ['double', Type.DOUBLE],
    ['sint64', Type.SINT64],
    ['bytes', Type.BYTES],
    ['enum', Type.ENUM, '.vane.test.Color'],
    ['child', Type.MESSAGE, '.vane.test.Kitchen'],
    ['struct', Type.MESSAGE, '.google.protobuf.Struct'],
  ];
  KEY_TYPES.forEach(([keyName, keyType], i) => {
    const [valueName, valueType, valueTypeName] = values[i % values.length]!;
    const entry = `M${keyName}${valueName}Entry`;
    nested.push({
      name: entry,
      field: [
        { name: 'key', number: 1, type: keyType, label: Label.OPTIONAL },
        { name: 'value', number: 2, type: valueType, typeName: valueTypeName, label: Label.OPTIONAL },
      ],
      options: { mapEntry: true },
    });
    fields.push({
      name: `m_${keyName}_${valueName}`,
      number: n++,
      type: Type.MESSAGE,
      typeName: `.vane.test.Kitchen.${entry}`,
      label: Label.REPEATED,
    });
  });
  fields.push({ name: 'last', number: 536870911, type: Type.UINT32 });
  return { fields, nested };
}

function testRegistry() {
  const { fields, nested } = kitchenFields();
  const deps = [file_google_protobuf_wrappers, file_google_protobuf_struct];
  const resolve = (name: string) => deps.find((f) => f.proto.name === name);
  const kitchen = create(FileDescriptorProtoSchema, {
    name: 'vane/test/kitchen.proto',
    package: 'vane.test',
    syntax: 'proto3',
    dependency: deps.map((f) => f.proto.name),
    enumType: [
      {
        name: 'Color',
        value: [
          { name: 'COLOR_UNSPECIFIED', number: 0 },
          { name: 'RED', number: 1 },
          { name: 'BELOW', number: -2 },
        ],
      },
    ],
    messageType: [
      {
        name: 'Kitchen',
        field: fields.map((f) => ({ label: Label.OPTIONAL, ...f })),
        nestedType: nested,
        oneofDecl: [
          { name: 'choice' },
          ...['o_int32', 'o_string', 'o_double', 'o_uint64', 'o_enum'].map((o) => ({ name: `_${o}` })),
        ],
      },
    ],
  });
  const legacy = create(FileDescriptorProtoSchema, {
    name: 'vane/test/legacy.proto',
    package: 'vane.test',
    syntax: 'proto2',
    messageType: [
      {
        name: 'Legacy',
        field: [
          { name: 'a', number: 1, type: Type.INT32, label: Label.OPTIONAL, defaultValue: '7' },
          { name: 's', number: 2, type: Type.STRING, label: Label.OPTIONAL, defaultValue: 'x' },
          { name: 'req', number: 3, type: Type.INT32, label: Label.REQUIRED },
          { name: 'unpacked', number: 4, type: Type.SINT32, label: Label.REPEATED },
          { name: 'packed', number: 5, type: Type.FIXED32, label: Label.REPEATED, options: { packed: true } },
          { name: 'g', number: 6, type: Type.GROUP, label: Label.OPTIONAL, typeName: '.vane.test.Legacy.G' },
          {
            name: 'rg',
            number: 8,
            type: Type.GROUP,
            label: Label.REPEATED,
            typeName: '.vane.test.Legacy.RG',
          },
          {
            name: 'next',
            number: 9,
            type: Type.MESSAGE,
            label: Label.OPTIONAL,
            typeName: '.vane.test.Legacy',
          },
        ],
        nestedType: [
          { name: 'G', field: [{ name: 'x', number: 7, type: Type.INT64, label: Label.OPTIONAL }] },
          { name: 'RG', field: [{ name: 'y', number: 10, type: Type.STRING, label: Label.OPTIONAL }] },
        ],
      },
    ],
  });
  const registry = createFileRegistry(
    createFileRegistry(kitchen, resolve),
    createFileRegistry(legacy, () => undefined),
  );
  return {
    Kitchen: registry.getMessage('vane.test.Kitchen')!,
    Legacy: registry.getMessage('vane.test.Legacy')!,
  };
}

// --- Random messages, with the values that break encoders more often than not.

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const EDGES: Partial<Record<ScalarType, unknown[]>> = {
  [ScalarType.INT32]: [0, 1, -1, 127, 128, 16383, 16384, 2 ** 31 - 1, -(2 ** 31)],
  [ScalarType.SINT32]: [0, 1, -1, 63, -64, 64, 2 ** 31 - 1, -(2 ** 31)],
  [ScalarType.SFIXED32]: [0, -1, 2 ** 31 - 1, -(2 ** 31)],
  [ScalarType.UINT32]: [0, 1, 127, 128, 2 ** 28, 2 ** 32 - 1],
  [ScalarType.FIXED32]: [0, 1, 2 ** 32 - 1],
  [ScalarType.INT64]: [0n, 1n, -1n, 2n ** 31n, 2n ** 32n, 2n ** 35n, 2n ** 63n - 1n, -(2n ** 63n)],
  [ScalarType.SINT64]: [0n, 1n, -1n, 2n ** 63n - 1n, -(2n ** 63n)],
  [ScalarType.SFIXED64]: [0n, -1n, 2n ** 63n - 1n, -(2n ** 63n)],
  [ScalarType.UINT64]: [0n, 1n, 2n ** 31n, 2n ** 32n - 1n, 2n ** 49n, 2n ** 64n - 1n],
  [ScalarType.FIXED64]: [0n, 2n ** 64n - 1n],
  [ScalarType.DOUBLE]: [
    0,
    -0,
    1.5,
    -2.25,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    1e300,
  ],
  [ScalarType.FLOAT]: [0, -0, 1.5, Number.NaN, Number.NEGATIVE_INFINITY, 3.4028234663852886e38],
  [ScalarType.STRING]: [
    '',
    'a',
    'é',
    '日本語',
    '😀 x',
    '\uD800 lone',
    'x'.repeat(127),
    'y'.repeat(128),
    'ü'.repeat(100),
  ],
};

function randomScalar(type: ScalarType, r: () => number): unknown {
  const edges = EDGES[type];
  if (edges !== undefined && r() < 0.5) return edges[Math.floor(r() * edges.length)];
  switch (type) {
    case ScalarType.BOOL:
      return r() < 0.5;
    case ScalarType.STRING: {
      const length = r() < 0.05 ? Math.floor(r() * 20000) : Math.floor(r() * 40);
      let s = '';
      for (let i = 0; i < length; i++)
        s += String.fromCharCode(r() < 0.9 ? 32 + Math.floor(r() * 95) : Math.floor(r() * 0xffff));
      return s;
    }
    case ScalarType.BYTES: {
      const bytes = new Uint8Array(r() < 0.05 ? Math.floor(r() * 20000) : Math.floor(r() * 300));
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(r() * 256);
      return bytes;
    }
    case ScalarType.DOUBLE:
      return (r() - 0.5) * 10 ** Math.floor(r() * 40 - 20);
    case ScalarType.FLOAT:
      return Math.fround((r() - 0.5) * 1000);
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return Math.floor((r() - 0.5) * 2 ** 32) | 0;
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return Math.floor(r() * 2 ** 32) >>> 0;
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return BigInt.asUintN(
        64,
        (BigInt(Math.floor(r() * 2 ** 32)) << 32n) | BigInt(Math.floor(r() * 2 ** 32)),
      );
    default:
      return BigInt.asIntN(
        64,
        (BigInt(Math.floor(r() * 2 ** 32)) << 32n) | BigInt(Math.floor(r() * 2 ** 32)),
      );
  }
}

function randomJson(r: () => number, depth: number): JsonObject {
  const out: JsonObject = {};
  for (let i = Math.floor(r() * 4); i > 0; i--) {
    const k = `k${Math.floor(r() * 100)}`;
    const pick = r();
    out[k] =
      pick < 0.25
        ? (randomScalar(ScalarType.STRING, r) as string)
        : pick < 0.5
          ? Math.floor(r() * 1000) / 4
          : pick < 0.6
            ? r() < 0.5
            : pick < 0.7
              ? null
              : pick < 0.85 && depth > 0
                ? randomJson(r, depth - 1)
                : [1, 'two', false];
  }
  return out;
}

function randomKey(type: ScalarType, r: () => number): string {
  return String(randomScalar(type, r));
}

function randomEnum(field: DescField & { fieldKind: 'enum' }, r: () => number): number {
  // Open enums also hold numbers they do not name.
  return r() < 0.1 ? 99 : field.enum.values[Math.floor(r() * field.enum.values.length)]!.number;
}

function randomValue(field: DescField, r: () => number, depth: number): unknown {
  switch (field.fieldKind) {
    case 'scalar':
      return randomScalar(field.scalar, r);
    case 'enum':
      return randomEnum(field, r);
    case 'message':
      if (field.message.typeName === 'google.protobuf.Struct') return randomJson(r, 2);
      if (isWrapperDesc(field.message)) {
        const v = randomScalar(field.message.fields[0]!.scalar!, r);
        return field.oneof === undefined ? v : { value: v };
      }
      if (field.message.typeName === 'google.protobuf.Value')
        return {
          kind: {
            case: 'structValue',
            value: { fields: { a: { kind: { case: 'numberValue', value: 1 } } } },
          },
        };
      return randomMessage(field.message, r, depth - 1);
    case 'list': {
      const items: unknown[] = [];
      for (let i = Math.floor(r() * 4); i > 0; i--) {
        if (field.listKind === 'scalar') items.push(randomScalar(field.scalar, r));
        else if (field.listKind === 'enum') items.push(randomEnum(field as never, r));
        else if (field.message.typeName === 'google.protobuf.Struct') items.push(randomJson(r, 1));
        else if (isWrapperDesc(field.message))
          items.push({ value: randomScalar(field.message.fields[0]!.scalar!, r) });
        else items.push(randomMessage(field.message, r, depth - 1));
      }
      return items;
    }
    case 'map': {
      const record: Record<string, unknown> = {};
      for (let i = Math.floor(r() * 4); i > 0; i--) {
        const key = randomKey(field.mapKey, r);
        if (field.mapKind === 'scalar') record[key] = randomScalar(field.scalar, r);
        else if (field.mapKind === 'enum') record[key] = randomEnum(field as never, r);
        else if (field.message.typeName === 'google.protobuf.Struct') record[key] = randomJson(r, 1);
        else record[key] = randomMessage(field.message, r, depth - 1);
      }
      return record;
    }
  }
}

/** A field holding messages of the test's own types, as opposed to scalars, wrappers or JSON. */
function nestsMessages(field: DescField): boolean {
  return messageTypeOf(field)?.file.name.startsWith('vane/') === true;
}

function randomMessage(desc: DescMessage, r: () => number, depth: number): Message {
  const init: Record<string, unknown> = {};
  for (const field of desc.fields) {
    if (r() < 0.4 && field.presence !== 3 /* LEGACY_REQUIRED */) continue;
    if (depth === 0 && nestsMessages(field)) continue;
    if (field.oneof !== undefined && !field.oneof.name.startsWith('_')) {
      if (r() < 0.5)
        init[field.oneof.localName] = { case: field.localName, value: randomValue(field, r, depth) };
      continue;
    }
    init[field.localName] = randomValue(field, r, depth);
  }
  const message = create(desc, init as never) as Message & { $unknown?: unknown };
  if (r() < 0.1)
    message.$unknown = [
      { no: 4000, wireType: 0, data: new Uint8Array([0x96, 0x01]) },
      { no: 4001, wireType: 2, data: new Uint8Array([3, 1, 2, 3]) },
    ];
  return message;
}

// --- Tests.

test('random messages with every kind of field encode byte for byte as toBinary does', () => {
  const { Kitchen, Legacy } = testRegistry();
  const r = rng(20261130);
  const messages: [DescMessage, Message][] = [];
  for (let i = 0; i < 600; i++) messages.push([Kitchen, randomMessage(Kitchen, r, 2)]);
  for (let i = 0; i < 300; i++) messages.push([Legacy, randomMessage(Legacy, r, 3)]);
  // Encode all first, compare after: a result cut from a shared slab must not change later.
  const encoded = messages.map(([desc, m]) => encodeBinary(desc, m));
  let bytes = 0;
  messages.forEach(([desc, m], i) => {
    const expected = toBinary(desc, m);
    bytes += expected.length;
    assert.deepEqual(encoded[i], expected, `message ${i} (${desc.typeName})`);
  });
  assert.ok(bytes > 100_000, `the messages were not trivially small (${bytes} bytes)`);
});

test('fields toBinary would not write are not written: implicit zeros, unset optionals, prototype defaults', () => {
  const { Kitchen, Legacy } = testRegistry();
  assert.deepEqual(encodeBinary(Kitchen, create(Kitchen)), new Uint8Array(0));
  const legacy = create(Legacy, { req: 0 }) as Message & { a: number; s: string };
  assert.equal(legacy.a, 7, 'proto2 default on the prototype');
  assert.deepEqual([...encodeBinary(Legacy, legacy)], [...toBinary(Legacy, legacy)]);
  assert.deepEqual([...encodeBinary(Legacy, legacy)], [0x18, 0x00], 'only the required field');
  legacy.a = 7;
  assert.deepEqual([...encodeBinary(Legacy, legacy)], [0x08, 0x07, 0x18, 0x00], 'an own default is written');
});

test('values toBinary refuses are refused, naming the field', () => {
  const { Kitchen, Legacy } = testRegistry();
  const cases: [DescMessage, Record<string, unknown>, RegExp][] = [
    [Kitchen, { sInt32: 2 ** 31 }, /vane\.test\.Kitchen\.s_int32.*invalid int32/],
    [Kitchen, { sUint32: -1 }, /vane\.test\.Kitchen\.s_uint32.*invalid uint32/],
    [Kitchen, { rSint32: [1.5] }, /vane\.test\.Kitchen\.r_sint32/],
    [Kitchen, { sFloat: 1e39 }, /vane\.test\.Kitchen\.s_float.*invalid float32/],
    [Kitchen, { sUint64: -1n }, /vane\.test\.Kitchen\.s_uint64/],
  ];
  for (const [desc, fields, error] of cases) {
    const m = { ...create(desc), ...fields } as Message;
    assert.throws(() => toBinary(desc, m), `toBinary refuses ${JSON.stringify(Object.keys(fields))}`);
    assert.throws(() => encodeBinary(desc, m), error);
  }
  // Stricter than toBinary, which writes a number in a string field as its decimal text.
  assert.throws(
    () => encodeBinary(Kitchen, { ...create(Kitchen), sString: 5 } as never),
    /Kitchen\.s_string.*invalid string/,
  );
  assert.throws(() => encodeBinary(Legacy, create(Legacy)), /required field not set/);
  assert.throws(
    () => encodeBinary(Kitchen, create(Legacy, { req: 1 }) as never),
    /cannot use .* with message vane\.test\.Legacy/,
  );
  // A failed encoding leaves nothing behind for the next one.
  const ok = create(Kitchen, { sString: 'after', child: { sInt32: 3 } });
  assert.deepEqual(encodeBinary(Kitchen, ok), toBinary(Kitchen, ok));
});

test('every resource of every golden translation encodes byte for byte as toBinary does', () => {
  const cases = readdirSync(TESTDATA).filter((f) => f.endsWith('.in.yaml'));
  let resources = 0;
  for (const file of cases) {
    const { input, views } = loadFixture(join(TESTDATA, file));
    for (const view of views.values()) {
      const config = translateConfig(input, view);
      const endpoints = translateEndpoints(input, view);
      const lists: [TypeUrl, readonly Message[]][] = [
        [TYPE_URL.listener, config.listeners],
        [TYPE_URL.route, config.routes],
        [TYPE_URL.cluster, config.clusters],
        [TYPE_URL.endpoint, endpoints.endpoints],
      ];
      for (const [typeUrl, list] of lists) {
        for (const m of list) {
          resources++;
          assert.deepEqual(
            encodeBinary(SCHEMA_OF[typeUrl], m),
            toBinary(SCHEMA_OF[typeUrl], m),
            `${file}: ${typeUrl}`,
          );
        }
      }
    }
  }
  assert.ok(resources > 100, `${resources} resources`);
});
