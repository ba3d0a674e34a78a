// Every PGV rule kind the validator implements, one violating and one passing value each, on
// synthetic message types (built at runtime with the real validate.proto options) — many of these
// kinds are not used by any Envoy field, so they cannot be exercised through Envoy types alone.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  create,
  createFileRegistry,
  type DescFile,
  type DescMessage,
  fromBinary,
  type MessageInitShape,
  setExtension,
} from '@bufbuild/protobuf';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import {
  anyPack,
  type DescriptorProtoSchema,
  DurationSchema,
  type FieldDescriptorProtoSchema,
  type FieldOptions,
  FieldOptionsSchema,
  FileDescriptorProtoSchema,
  file_google_protobuf_any,
  file_google_protobuf_descriptor,
  file_google_protobuf_duration,
  file_google_protobuf_timestamp,
  file_google_protobuf_wrappers,
  FieldDescriptorProto_Label as Label,
  MessageOptionsSchema,
  FieldDescriptorProto_Type as Type,
} from '@bufbuild/protobuf/wkt';
import {
  disabled,
  type FieldRules,
  FieldRulesSchema,
  file_validate_validate,
  KnownRegex,
  rules as rulesExt,
} from '../../../src/gen/validate/validate_pb.js';
import { SUPPORTED_RULE_KINDS, validateMessage } from '../../../src/xds/validate/proto-rules.js';

const FILES = new Map<string, DescFile>(
  [
    file_validate_validate,
    file_google_protobuf_any,
    file_google_protobuf_descriptor,
    file_google_protobuf_duration,
    file_google_protobuf_timestamp,
    file_google_protobuf_wrappers,
  ].map((f) => [f.proto.name, f]),
);

interface FieldSpec {
  type: Type;
  /** For message / enum fields: `.google.protobuf.Duration`; the local enum is `E`. */
  typeName?: string;
  repeated?: boolean;
  /** A map<key, value> field (value: `type` / `typeName`). */
  mapKey?: Type;
  optional?: boolean;
  rules?: FieldRules;
  /** Raw FieldRules bytes (to smuggle fields validate.proto does not know). */
  rawRules?: Uint8Array;
}

let counter = 0;

/** A message type `T` with one field `v` carrying the given rules, plus an enum `E {0,1,2}`. */
function synth(spec: FieldSpec, opts: { disabled?: boolean } = {}): DescMessage {
  const pkg = `vanetest${counter++}`;
  const options: FieldOptions = create(FieldOptionsSchema);
  if (spec.rules !== undefined) setExtension(options, rulesExt, spec.rules);
  if (spec.rawRules !== undefined)
    setExtension(options, rulesExt, fromBinary(FieldRulesSchema, spec.rawRules));
  const typeName = spec.typeName === 'E' ? `.${pkg}.E` : spec.typeName;
  const nested: MessageInitShape<typeof DescriptorProtoSchema>[] = [];
  let field: MessageInitShape<typeof FieldDescriptorProtoSchema>;
  if (spec.mapKey !== undefined) {
    nested.push({
      name: 'VEntry',
      options: { mapEntry: true },
      field: [
        { name: 'key', number: 1, label: Label.OPTIONAL, type: spec.mapKey, jsonName: 'key' },
        { name: 'value', number: 2, label: Label.OPTIONAL, type: spec.type, typeName, jsonName: 'value' },
      ],
    });
    field = {
      name: 'v',
      number: 1,
      label: Label.REPEATED,
      type: Type.MESSAGE,
      typeName: `.${pkg}.T.VEntry`,
      jsonName: 'v',
      options,
    };
  } else {
    field = {
      name: 'v',
      number: 1,
      label: spec.repeated ? Label.REPEATED : Label.OPTIONAL,
      type: spec.type,
      typeName,
      jsonName: 'v',
      options,
      proto3Optional: spec.optional === true,
      oneofIndex: spec.optional === true ? 0 : undefined,
    };
  }
  const msgOptions = create(MessageOptionsSchema);
  if (opts.disabled) setExtension(msgOptions, disabled, true);
  const file = create(FileDescriptorProtoSchema, {
    name: `${pkg}.proto`,
    package: pkg,
    syntax: 'proto3',
    dependency: [...FILES.keys()],
    enumType: [
      {
        name: 'E',
        value: [
          { name: 'E_ZERO', number: 0 },
          { name: 'E_ONE', number: 1 },
          { name: 'E_TWO', number: 2 },
        ],
      },
    ],
    messageType: [
      {
        name: 'T',
        field: [field],
        nestedType: nested,
        options: msgOptions,
        oneofDecl: spec.optional === true ? [{ name: '_v' }] : [],
      },
    ],
  });
  const registry = createFileRegistry(file, (name) => FILES.get(name));
  const desc = registry.getMessage(`${pkg}.T`);
  assert.ok(desc);
  return desc;
}

function rulesOf(init: MessageInitShape<typeof FieldRulesSchema>): FieldRules {
  return create(FieldRulesSchema, init);
}

/** The rule ids of the violations for `{ v: value }` (undefined: the field is left unset). */
function violations(desc: DescMessage, value: unknown): string[] {
  const msg = create(desc, value === undefined ? {} : { v: value });
  return validateMessage(desc, msg).map((v) => v.rule);
}

interface Case {
  name: string;
  spec: FieldSpec;
  bad: unknown;
  good: unknown;
  rule: string;
}

const str = (value: MessageInitShape<typeof FieldRulesSchema>['type']) => ({
  type: Type.STRING,
  rules: rulesOf({ type: value }),
});

const CASES: Case[] = [
  // string
  {
    name: 'string.const',
    spec: str({ case: 'string', value: { const: 'a' } }),
    bad: 'b',
    good: 'a',
    rule: 'string.const',
  },
  {
    name: 'string.len (runes)',
    spec: str({ case: 'string', value: { len: 2n } }),
    bad: 'abc',
    good: 'é€',
    rule: 'string.len',
  },
  {
    name: 'string.min_len',
    spec: str({ case: 'string', value: { minLen: 1n } }),
    bad: '',
    good: 'x',
    rule: 'string.min_len',
  },
  {
    name: 'string.max_len',
    spec: str({ case: 'string', value: { maxLen: 2n } }),
    bad: 'abc',
    good: '😀😀',
    rule: 'string.max_len',
  },
  {
    name: 'string.len_bytes',
    spec: str({ case: 'string', value: { lenBytes: 2n } }),
    bad: 'abc',
    good: 'é',
    rule: 'string.len_bytes',
  },
  {
    name: 'string.min_bytes',
    spec: str({ case: 'string', value: { minBytes: 3n } }),
    bad: 'é',
    good: 'é!',
    rule: 'string.min_bytes',
  },
  {
    name: 'string.max_bytes',
    spec: str({ case: 'string', value: { maxBytes: 2n } }),
    bad: '€',
    good: 'é',
    rule: 'string.max_bytes',
  },
  {
    name: 'string.pattern',
    spec: str({ case: 'string', value: { pattern: '^[a-z]+$' } }),
    bad: 'A1',
    good: 'ab',
    rule: 'string.pattern',
  },
  {
    name: 'string.pattern (?i)',
    spec: str({ case: 'string', value: { pattern: '(?i)^ab$' } }),
    bad: 'abc',
    good: 'AB',
    rule: 'string.pattern',
  },
  {
    name: 'string.prefix',
    spec: str({ case: 'string', value: { prefix: 'ab' } }),
    bad: 'ba',
    good: 'abc',
    rule: 'string.prefix',
  },
  {
    name: 'string.suffix',
    spec: str({ case: 'string', value: { suffix: 'yz' } }),
    bad: 'zy',
    good: 'xyz',
    rule: 'string.suffix',
  },
  {
    name: 'string.contains',
    spec: str({ case: 'string', value: { contains: 'mid' } }),
    bad: 'm-i-d',
    good: 'amidst',
    rule: 'string.contains',
  },
  {
    name: 'string.not_contains',
    spec: str({ case: 'string', value: { notContains: '..' } }),
    bad: 'a..b',
    good: 'a.b',
    rule: 'string.not_contains',
  },
  {
    name: 'string.in',
    spec: str({ case: 'string', value: { in: ['http', 'https'] } }),
    bad: 'ftp',
    good: 'https',
    rule: 'string.in',
  },
  {
    name: 'string.not_in',
    spec: str({ case: 'string', value: { notIn: ['x'] } }),
    bad: 'x',
    good: 'y',
    rule: 'string.not_in',
  },
  {
    name: 'string.email',
    spec: str({ case: 'string', value: { wellKnown: { case: 'email', value: true } } }),
    bad: 'no-at.example',
    good: 'a@b.example',
    rule: 'string.email',
  },
  {
    name: 'string.hostname',
    spec: str({ case: 'string', value: { wellKnown: { case: 'hostname', value: true } } }),
    bad: '-bad.example',
    good: 'good-1.example.',
    rule: 'string.hostname',
  },
  {
    name: 'string.ip',
    spec: str({ case: 'string', value: { wellKnown: { case: 'ip', value: true } } }),
    bad: '300.1.1.1',
    good: '::1',
    rule: 'string.ip',
  },
  {
    name: 'string.ipv4',
    spec: str({ case: 'string', value: { wellKnown: { case: 'ipv4', value: true } } }),
    bad: '::1',
    good: '10.0.0.1',
    rule: 'string.ipv4',
  },
  {
    name: 'string.ipv6',
    spec: str({ case: 'string', value: { wellKnown: { case: 'ipv6', value: true } } }),
    bad: '10.0.0.1',
    good: 'fe80::1',
    rule: 'string.ipv6',
  },
  {
    name: 'string.uri',
    spec: str({ case: 'string', value: { wellKnown: { case: 'uri', value: true } } }),
    bad: '/relative',
    good: 'https://x.example/p?q',
    rule: 'string.uri',
  },
  {
    name: 'string.uri_ref',
    spec: str({ case: 'string', value: { wellKnown: { case: 'uriRef', value: true } } }),
    bad: 'a b',
    good: '../x?y',
    rule: 'string.uri_ref',
  },
  {
    name: 'string.address',
    spec: str({ case: 'string', value: { wellKnown: { case: 'address', value: true } } }),
    bad: 'a_b',
    good: '10.1.2.3',
    rule: 'string.address',
  },
  {
    name: 'string.uuid',
    spec: str({ case: 'string', value: { wellKnown: { case: 'uuid', value: true } } }),
    bad: 'not-a-uuid',
    good: '123e4567-e89b-12d3-a456-426614174000',
    rule: 'string.uuid',
  },
  {
    name: 'string.well_known_regex HTTP_HEADER_NAME strict',
    spec: str({
      case: 'string',
      value: { wellKnown: { case: 'wellKnownRegex', value: KnownRegex.HTTP_HEADER_NAME } },
    }),
    bad: 'x header',
    good: ':authority',
    rule: 'string.well_known_regex',
  },
  {
    name: 'string.well_known_regex HTTP_HEADER_NAME not strict',
    spec: str({
      case: 'string',
      value: { strict: false, wellKnown: { case: 'wellKnownRegex', value: KnownRegex.HTTP_HEADER_NAME } },
    }),
    bad: 'x\r\nheader',
    good: 'x header',
    rule: 'string.well_known_regex',
  },
  {
    name: 'string.well_known_regex HTTP_HEADER_VALUE strict',
    spec: str({
      case: 'string',
      value: { wellKnown: { case: 'wellKnownRegex', value: KnownRegex.HTTP_HEADER_VALUE } },
    }),
    bad: 'a\tb\u0001',
    good: 'a\tb c',
    rule: 'string.well_known_regex',
  },
  {
    name: 'string.ignore_empty',
    spec: str({ case: 'string', value: { ignoreEmpty: true, minLen: 3n } }),
    bad: 'ab',
    good: '',
    rule: 'string.min_len',
  },
  // bytes
  {
    name: 'bytes.const',
    spec: {
      type: Type.BYTES,
      rules: rulesOf({ type: { case: 'bytes', value: { const: new Uint8Array([1]) } } }),
    },
    bad: new Uint8Array([2]),
    good: new Uint8Array([1]),
    rule: 'bytes.const',
  },
  {
    name: 'bytes.len',
    spec: { type: Type.BYTES, rules: rulesOf({ type: { case: 'bytes', value: { len: 2n } } }) },
    bad: new Uint8Array([1]),
    good: new Uint8Array([1, 2]),
    rule: 'bytes.len',
  },
  {
    name: 'bytes.min_len',
    spec: { type: Type.BYTES, rules: rulesOf({ type: { case: 'bytes', value: { minLen: 1n } } }) },
    bad: new Uint8Array(),
    good: new Uint8Array([0]),
    rule: 'bytes.min_len',
  },
  {
    name: 'bytes.max_len',
    spec: { type: Type.BYTES, rules: rulesOf({ type: { case: 'bytes', value: { maxLen: 1n } } }) },
    bad: new Uint8Array([1, 2]),
    good: new Uint8Array([1]),
    rule: 'bytes.max_len',
  },
  {
    name: 'bytes.pattern',
    spec: { type: Type.BYTES, rules: rulesOf({ type: { case: 'bytes', value: { pattern: '^a+$' } } }) },
    bad: new Uint8Array([98]),
    good: new Uint8Array([97, 97]),
    rule: 'bytes.pattern',
  },
  {
    name: 'bytes.prefix',
    spec: {
      type: Type.BYTES,
      rules: rulesOf({ type: { case: 'bytes', value: { prefix: new Uint8Array([1]) } } }),
    },
    bad: new Uint8Array([2, 1]),
    good: new Uint8Array([1, 2]),
    rule: 'bytes.prefix',
  },
  {
    name: 'bytes.suffix',
    spec: {
      type: Type.BYTES,
      rules: rulesOf({ type: { case: 'bytes', value: { suffix: new Uint8Array([9]) } } }),
    },
    bad: new Uint8Array([9, 1]),
    good: new Uint8Array([1, 9]),
    rule: 'bytes.suffix',
  },
  {
    name: 'bytes.contains',
    spec: {
      type: Type.BYTES,
      rules: rulesOf({ type: { case: 'bytes', value: { contains: new Uint8Array([5, 6]) } } }),
    },
    bad: new Uint8Array([5, 7, 6]),
    good: new Uint8Array([4, 5, 6]),
    rule: 'bytes.contains',
  },
  {
    name: 'bytes.in',
    spec: {
      type: Type.BYTES,
      rules: rulesOf({ type: { case: 'bytes', value: { in: [new Uint8Array([1])] } } }),
    },
    bad: new Uint8Array([2]),
    good: new Uint8Array([1]),
    rule: 'bytes.in',
  },
  {
    name: 'bytes.not_in',
    spec: {
      type: Type.BYTES,
      rules: rulesOf({ type: { case: 'bytes', value: { notIn: [new Uint8Array([1])] } } }),
    },
    bad: new Uint8Array([1]),
    good: new Uint8Array([2]),
    rule: 'bytes.not_in',
  },
  {
    name: 'bytes.ipv4',
    spec: {
      type: Type.BYTES,
      rules: rulesOf({ type: { case: 'bytes', value: { wellKnown: { case: 'ipv4', value: true } } } }),
    },
    bad: new Uint8Array(16),
    good: new Uint8Array(4),
    rule: 'bytes.ipv4',
  },
  // numbers
  {
    name: 'int32.const',
    spec: { type: Type.INT32, rules: rulesOf({ type: { case: 'int32', value: { const: 3 } } }) },
    bad: 4,
    good: 3,
    rule: 'int32.const',
  },
  {
    name: 'int32.lt',
    spec: { type: Type.INT32, rules: rulesOf({ type: { case: 'int32', value: { lt: 0 } } }) },
    bad: 0,
    good: -1,
    rule: 'int32.lt',
  },
  {
    name: 'sint32.lte',
    spec: { type: Type.SINT32, rules: rulesOf({ type: { case: 'sint32', value: { lte: -2 } } }) },
    bad: -1,
    good: -2,
    rule: 'sint32.lte',
  },
  {
    name: 'int64.gt',
    spec: { type: Type.INT64, rules: rulesOf({ type: { case: 'int64', value: { gt: 5n } } }) },
    bad: 5n,
    good: 6n,
    rule: 'int64.gt',
  },
  {
    name: 'uint64.gte',
    spec: { type: Type.UINT64, rules: rulesOf({ type: { case: 'uint64', value: { gte: 5n } } }) },
    bad: 4n,
    good: 5n,
    rule: 'uint64.gte',
  },
  {
    name: 'sint64.in',
    spec: { type: Type.SINT64, rules: rulesOf({ type: { case: 'sint64', value: { in: [1n, 2n] } } }) },
    bad: 3n,
    good: 2n,
    rule: 'sint64.in',
  },
  {
    name: 'fixed32.not_in',
    spec: { type: Type.FIXED32, rules: rulesOf({ type: { case: 'fixed32', value: { notIn: [7] } } }) },
    bad: 7,
    good: 8,
    rule: 'fixed32.not_in',
  },
  {
    name: 'fixed64 gt/lt range',
    spec: { type: Type.FIXED64, rules: rulesOf({ type: { case: 'fixed64', value: { gt: 1n, lt: 10n } } }) },
    bad: 10n,
    good: 9n,
    rule: 'fixed64.gt_lt',
  },
  {
    name: 'sfixed32 gte/lte range',
    spec: { type: Type.SFIXED32, rules: rulesOf({ type: { case: 'sfixed32', value: { gte: -1, lte: 1 } } }) },
    bad: 2,
    good: -1,
    rule: 'sfixed32.gte_lte',
  },
  {
    name: 'sfixed64 exclusive (reversed) range',
    spec: { type: Type.SFIXED64, rules: rulesOf({ type: { case: 'sfixed64', value: { gt: 10n, lt: 5n } } }) },
    bad: 7n,
    good: 11n,
    rule: 'sfixed64.gt_lt',
  },
  {
    name: 'uint32 reversed inclusive range',
    spec: { type: Type.UINT32, rules: rulesOf({ type: { case: 'uint32', value: { gte: 10, lte: 5 } } }) },
    bad: 6,
    good: 5,
    rule: 'uint32.gte_lte',
  },
  {
    name: 'float.gt',
    spec: { type: Type.FLOAT, rules: rulesOf({ type: { case: 'float', value: { gt: 0.5 } } }) },
    bad: 0.5,
    good: 0.75,
    rule: 'float.gt',
  },
  {
    name: 'double gte/lte (Percent style)',
    spec: { type: Type.DOUBLE, rules: rulesOf({ type: { case: 'double', value: { gte: 0, lte: 100 } } }) },
    bad: 100.5,
    good: 100,
    rule: 'double.gte_lte',
  },
  {
    name: 'bool.const',
    spec: { type: Type.BOOL, rules: rulesOf({ type: { case: 'bool', value: { const: true } } }) },
    bad: false,
    good: true,
    rule: 'bool.const',
  },
  // enum
  {
    name: 'enum.const',
    spec: { type: Type.ENUM, typeName: 'E', rules: rulesOf({ type: { case: 'enum', value: { const: 1 } } }) },
    bad: 2,
    good: 1,
    rule: 'enum.const',
  },
  {
    name: 'enum.defined_only',
    spec: {
      type: Type.ENUM,
      typeName: 'E',
      rules: rulesOf({ type: { case: 'enum', value: { definedOnly: true } } }),
    },
    bad: 7,
    good: 2,
    rule: 'enum.defined_only',
  },
  {
    name: 'enum.in',
    spec: {
      type: Type.ENUM,
      typeName: 'E',
      rules: rulesOf({ type: { case: 'enum', value: { in: [0, 1] } } }),
    },
    bad: 2,
    good: 1,
    rule: 'enum.in',
  },
  {
    name: 'enum.not_in',
    spec: {
      type: Type.ENUM,
      typeName: 'E',
      rules: rulesOf({ type: { case: 'enum', value: { notIn: [1] } } }),
    },
    bad: 1,
    good: 0,
    rule: 'enum.not_in',
  },
  // repeated
  {
    name: 'repeated.min_items',
    spec: {
      type: Type.STRING,
      repeated: true,
      rules: rulesOf({ type: { case: 'repeated', value: { minItems: 1n } } }),
    },
    bad: [],
    good: ['a'],
    rule: 'repeated.min_items',
  },
  {
    name: 'repeated.max_items',
    spec: {
      type: Type.STRING,
      repeated: true,
      rules: rulesOf({ type: { case: 'repeated', value: { maxItems: 1n } } }),
    },
    bad: ['a', 'b'],
    good: ['a'],
    rule: 'repeated.max_items',
  },
  {
    name: 'repeated.unique',
    spec: {
      type: Type.STRING,
      repeated: true,
      rules: rulesOf({ type: { case: 'repeated', value: { unique: true } } }),
    },
    bad: ['a', 'b', 'a'],
    good: ['a', 'b'],
    rule: 'repeated.unique',
  },
  {
    name: 'repeated.items (per element)',
    spec: {
      type: Type.UINT32,
      repeated: true,
      rules: rulesOf({
        type: {
          case: 'repeated',
          value: { items: { type: { case: 'uint32', value: { gte: 1, lte: 65535 } } } },
        },
      }),
    },
    bad: [80, 0],
    good: [80, 65535],
    rule: 'uint32.gte_lte',
  },
  // map
  {
    name: 'map.min_pairs',
    spec: {
      type: Type.STRING,
      mapKey: Type.STRING,
      rules: rulesOf({ type: { case: 'map', value: { minPairs: 1n } } }),
    },
    bad: {},
    good: { a: 'b' },
    rule: 'map.min_pairs',
  },
  {
    name: 'map.max_pairs',
    spec: {
      type: Type.STRING,
      mapKey: Type.STRING,
      rules: rulesOf({ type: { case: 'map', value: { maxPairs: 1n } } }),
    },
    bad: { a: 'b', c: 'd' },
    good: { a: 'b' },
    rule: 'map.max_pairs',
  },
  {
    name: 'map.keys',
    spec: {
      type: Type.STRING,
      mapKey: Type.STRING,
      rules: rulesOf({
        type: { case: 'map', value: { keys: { type: { case: 'string', value: { minLen: 1n } } } } },
      }),
    },
    bad: { '': 'x' },
    good: { k: 'x' },
    rule: 'string.min_len',
  },
  {
    name: 'map.values',
    spec: {
      type: Type.INT64,
      mapKey: Type.INT32,
      rules: rulesOf({
        type: { case: 'map', value: { values: { type: { case: 'int64', value: { gt: 0n } } } } },
      }),
    },
    bad: { 1: 0n },
    good: { 1: 1n },
    rule: 'int64.gt',
  },
  // well-known types
  {
    name: 'any.required',
    spec: {
      type: Type.MESSAGE,
      typeName: '.google.protobuf.Any',
      rules: rulesOf({ type: { case: 'any', value: { required: true } } }),
    },
    bad: undefined,
    good: anyPack(DurationSchema, create(DurationSchema, { seconds: 1n })),
    rule: 'any.required',
  },
  {
    name: 'any.in',
    spec: {
      type: Type.MESSAGE,
      typeName: '.google.protobuf.Any',
      rules: rulesOf({
        type: { case: 'any', value: { in: ['type.googleapis.com/google.protobuf.Duration'] } },
      }),
    },
    bad: anyPack(FieldRulesSchema, create(FieldRulesSchema)),
    good: anyPack(DurationSchema, create(DurationSchema, { seconds: 1n })),
    rule: 'any.in',
  },
  {
    name: 'any.not_in',
    spec: {
      type: Type.MESSAGE,
      typeName: '.google.protobuf.Any',
      rules: rulesOf({
        type: { case: 'any', value: { notIn: ['type.googleapis.com/google.protobuf.Duration'] } },
      }),
    },
    bad: anyPack(DurationSchema, create(DurationSchema, { seconds: 1n })),
    good: anyPack(FieldRulesSchema, create(FieldRulesSchema)),
    rule: 'any.not_in',
  },
  {
    name: 'duration.required',
    spec: {
      type: Type.MESSAGE,
      typeName: '.google.protobuf.Duration',
      rules: rulesOf({ type: { case: 'duration', value: { required: true } } }),
    },
    bad: undefined,
    good: { seconds: 0n },
    rule: 'duration.required',
  },
  {
    name: 'duration.const',
    spec: {
      type: Type.MESSAGE,
      typeName: '.google.protobuf.Duration',
      rules: rulesOf({ type: { case: 'duration', value: { const: { seconds: 1n } } } }),
    },
    bad: { seconds: 2n },
    good: { seconds: 1n },
    rule: 'duration.const',
  },
  {
    name: 'duration.lt',
    spec: {
      type: Type.MESSAGE,
      typeName: '.google.protobuf.Duration',
      rules: rulesOf({ type: { case: 'duration', value: { lt: { seconds: 1n } } } }),
    },
    bad: { seconds: 1n },
    good: { nanos: 999_999_999 },
    rule: 'duration.lt',
  },
  {
    name: 'duration.gte/lte',
    spec: {
      type: Type.MESSAGE,
      typeName: '.google.protobuf.Duration',
      rules: rulesOf({
        type: { case: 'duration', value: { gte: { nanos: 1_000_000 }, lte: { seconds: 5n } } },
      }),
    },
    bad: { seconds: 5n, nanos: 1 },
    good: { seconds: 5n },
    rule: 'duration.gte_lte',
  },
  {
    name: 'duration.in',
    spec: {
      type: Type.MESSAGE,
      typeName: '.google.protobuf.Duration',
      rules: rulesOf({ type: { case: 'duration', value: { in: [{ seconds: 1n }] } } }),
    },
    bad: { seconds: 2n },
    good: { seconds: 1n },
    rule: 'duration.in',
  },
  {
    name: 'duration.not_in',
    spec: {
      type: Type.MESSAGE,
      typeName: '.google.protobuf.Duration',
      rules: rulesOf({ type: { case: 'duration', value: { notIn: [{ seconds: 1n }] } } }),
    },
    bad: { seconds: 1n },
    good: { seconds: 2n },
    rule: 'duration.not_in',
  },
  {
    name: 'duration valid',
    spec: {
      type: Type.MESSAGE,
      typeName: '.google.protobuf.Duration',
      rules: rulesOf({ type: { case: 'duration', value: { gte: {} } } }),
    },
    bad: { seconds: 1n, nanos: -5 },
    good: { seconds: 1n, nanos: 5 },
    rule: 'duration.valid',
  },
  {
    name: 'timestamp.required',
    spec: {
      type: Type.MESSAGE,
      typeName: '.google.protobuf.Timestamp',
      rules: rulesOf({ type: { case: 'timestamp', value: { required: true } } }),
    },
    bad: undefined,
    good: { seconds: 1n },
    rule: 'timestamp.required',
  },
  {
    name: 'timestamp.gt',
    spec: {
      type: Type.MESSAGE,
      typeName: '.google.protobuf.Timestamp',
      rules: rulesOf({ type: { case: 'timestamp', value: { gt: { seconds: 100n } } } }),
    },
    bad: { seconds: 100n },
    good: { seconds: 101n },
    rule: 'timestamp.gt',
  },
  {
    name: 'timestamp.lt_now',
    spec: {
      type: Type.MESSAGE,
      typeName: '.google.protobuf.Timestamp',
      rules: rulesOf({ type: { case: 'timestamp', value: { ltNow: true } } }),
    },
    bad: { seconds: 32503680000n },
    good: { seconds: 1n },
    rule: 'timestamp.lt_now',
  },
  {
    name: 'timestamp.gt_now',
    spec: {
      type: Type.MESSAGE,
      typeName: '.google.protobuf.Timestamp',
      rules: rulesOf({ type: { case: 'timestamp', value: { gtNow: true } } }),
    },
    bad: { seconds: 1n },
    good: { seconds: 32503680000n },
    rule: 'timestamp.gt_now',
  },
  {
    name: 'timestamp.within',
    spec: {
      type: Type.MESSAGE,
      typeName: '.google.protobuf.Timestamp',
      rules: rulesOf({ type: { case: 'timestamp', value: { within: { seconds: 3600n } } } }),
    },
    bad: { seconds: 1n },
    good: { seconds: BigInt(Math.floor(Date.now() / 1000)) },
    rule: 'timestamp.within',
  },
  // wrappers: the scalar rules apply to the wrapped value
  {
    name: 'UInt32Value (uint32.gte)',
    spec: {
      type: Type.MESSAGE,
      typeName: '.google.protobuf.UInt32Value',
      rules: rulesOf({ type: { case: 'uint32', value: { gte: 1 } } }),
    },
    bad: 0,
    good: 1,
    rule: 'uint32.gte',
  },
  {
    name: 'StringValue (string.min_len)',
    spec: {
      type: Type.MESSAGE,
      typeName: '.google.protobuf.StringValue',
      rules: rulesOf({ type: { case: 'string', value: { minLen: 1n } } }),
    },
    bad: '',
    good: 'x',
    rule: 'string.min_len',
  },
  {
    name: 'UInt64Value (uint64.lte)',
    spec: {
      type: Type.MESSAGE,
      typeName: '.google.protobuf.UInt64Value',
      rules: rulesOf({ type: { case: 'uint64', value: { lte: 8388608n } } }),
    },
    bad: 8388609n,
    good: 1024n,
    rule: 'uint64.lte',
  },
  // message
  {
    name: 'message.required',
    spec: {
      type: Type.MESSAGE,
      typeName: '.google.protobuf.Duration',
      rules: rulesOf({ message: { required: true } }),
    },
    bad: undefined,
    good: {},
    rule: 'message.required',
  },
];

describe('every rule kind: one violating value, one passing value', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const desc = synth(c.spec);
      assert.deepEqual(violations(desc, c.bad), [c.rule], `bad value ${String(c.bad)}`);
      assert.deepEqual(violations(desc, c.good), [], `good value ${String(c.good)}`);
    });
  }
});

describe('proto3 presence semantics', () => {
  it('a rule on an implicit-presence scalar is checked against the default value', () => {
    const desc = synth(str({ case: 'string', value: { minLen: 1n } }));
    assert.deepEqual(violations(desc, undefined), ['string.min_len']);
  });
  it('a rule on a proto3 optional scalar is only checked when set', () => {
    const desc = synth({ ...str({ case: 'string', value: { minLen: 1n } }), optional: true });
    assert.deepEqual(violations(desc, undefined), []);
    assert.deepEqual(violations(desc, ''), ['string.min_len']);
  });
  it('rules on an unset wrapper / Duration are not checked (only `required` is)', () => {
    const desc = synth({
      type: Type.MESSAGE,
      typeName: '.google.protobuf.UInt32Value',
      rules: rulesOf({ type: { case: 'uint32', value: { gte: 1 } } }),
    });
    assert.deepEqual(violations(desc, undefined), []);
  });
});

describe('message options and skipping', () => {
  it('(validate.disabled) turns validation of the message off', () => {
    const spec = str({ case: 'string', value: { minLen: 1n } });
    assert.deepEqual(violations(synth(spec), ''), ['string.min_len']);
    assert.deepEqual(violations(synth(spec, { disabled: true }), ''), []);
  });
  it('message.skip does not descend into the field; without it the embedded message is validated', () => {
    const durationRules = (skip: boolean) => rulesOf({ message: { skip }, type: { case: 'any', value: {} } });
    const inner = anyPack(FieldRulesSchema, create(FieldRulesSchema));
    // An Any packing a type the default registry does not know: reported unless skipped.
    const unknown = { typeUrl: 'type.googleapis.com/vane.Unknown', value: new Uint8Array() };
    const skipped = synth({
      type: Type.MESSAGE,
      typeName: '.google.protobuf.Any',
      rules: durationRules(true),
    });
    const walked = synth({
      type: Type.MESSAGE,
      typeName: '.google.protobuf.Any',
      rules: durationRules(false),
    });
    assert.deepEqual(violations(skipped, unknown), []);
    assert.deepEqual(violations(walked, unknown), ['any.unknown_type']);
    assert.deepEqual(violations(walked, inner), []);
  });
});

describe('nothing passes silently', () => {
  it('rules of the wrong kind for the field are reported', () => {
    const desc = synth({
      type: Type.INT32,
      rules: rulesOf({ type: { case: 'string', value: { minLen: 1n } } }),
    });
    assert.deepEqual(violations(desc, 5), ['rules.mismatch']);
  });
  it('a rule field unknown to validate.proto is reported as unsupported', () => {
    // FieldRules { string (14): { <field 99>: 1 } }
    const inner = new BinaryWriter().tag(99, WireType.Varint).bool(true).finish();
    const raw = new BinaryWriter().tag(14, WireType.LengthDelimited).bytes(inner).finish();
    const desc = synth({ type: Type.STRING, rawRules: raw });
    const rules = violations(desc, 'x');
    assert.equal(rules.length, 1);
    assert.match(rules[0], /^unsupported\.string/);
  });
  it('SUPPORTED_RULE_KINDS names every rule message field of validate.proto', () => {
    for (const f of FieldRulesSchema.fields) {
      if (f.message === undefined || f.name === 'message') continue;
      for (const r of f.message.fields) {
        assert.ok(SUPPORTED_RULE_KINDS.has(`${f.name}.${r.name}`), `${f.name}.${r.name}`);
      }
    }
  });
});
