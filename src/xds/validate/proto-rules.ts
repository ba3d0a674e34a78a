// Checks a protobuf-es message against the protoc-gen-validate (PGV) annotations kept in the
// generated Envoy descriptors, the way Envoy itself validates every xDS resource it receives
// (`MessageUtil::validate`). No Envoy binary is needed: a resource that passes here passes the
// proto-level validation of Envoy's own protos.
//
// Covered (all of validate.proto as shipped with @grpc/grpc-js-xds, plus StringRules.ignore_empty):
// - message options: (validate.disabled) skips the message; field `message.required`, `message.skip`
// - oneof option (validate.required)
// - string: const, len, min_len, max_len, len_bytes, min_bytes, max_bytes, pattern (RE2 run as a JS
//   RegExp with the `u` flag; leading (?i)/(?s)/(?m) become flags), prefix, suffix, contains,
//   not_contains, in, not_in, ignore_empty, well_known: email, hostname, ip, ipv4, ipv6, uri,
//   uri_ref, address, uuid, well_known_regex HTTP_HEADER_NAME / HTTP_HEADER_VALUE (with `strict`)
// - bytes: const, len, min_len, max_len, pattern, prefix, suffix, contains, in, not_in, ip/ipv4/ipv6
// - float, double, (s|u)int32/64, (s)fixed32/64: const, lt, lte, gt, gte (incl. exclusive/reversed
//   ranges as PGV defines them), in, not_in
// - bool const; enum const, defined_only, in, not_in
// - repeated: min_items, max_items, unique, items (rules per element), ignore_empty
// - map: min_pairs, max_pairs, no_sparse, keys, values, ignore_empty
// - google.protobuf.Any: required, in, not_in (type URLs); the packed message is unpacked with a
//   registry and validated recursively (an unknown type is a violation unless allowed)
// - google.protobuf.Duration: required, const, lt, lte, gt, gte, in, not_in
// - google.protobuf.Timestamp: required, const, lt, lte, gt, gte, lt_now, gt_now, within
// - wrapper types (google.protobuf.UInt32Value, ...): the scalar rules apply to the wrapped value
// Proto3 semantics: rules on a field without presence are checked against the default value
// when the field is unset (unless ignore_empty); fields with presence (proto3 `optional`,
// messages, oneof members) are only checked when set. Any rule this file does not know (a field
// set on a rules message that is not listed above, unknown fields in the rules, rules of the
// wrong kind for the field) is reported as an `unsupported.*` / `rules.mismatch` violation, so
// nothing passes silently.
import { isIP, isIPv4, isIPv6 } from 'node:net';
import {
  type DescEnum,
  type DescField,
  type DescMessage,
  type DescOneof,
  equals,
  fromBinary,
  getOption,
  hasOption,
  isFieldSet,
  type Message,
  type Registry,
  ScalarType,
} from '@bufbuild/protobuf';
import { reflect, type ScalarValue, scalarZeroValue } from '@bufbuild/protobuf/reflect';
import {
  type Any,
  type Duration,
  FeatureSet_FieldPresence,
  isWrapperDesc,
  type Timestamp,
} from '@bufbuild/protobuf/wkt';
import {
  type AnyRules,
  AnyRulesSchema,
  type BoolRules,
  BoolRulesSchema,
  type BytesRules,
  BytesRulesSchema,
  DoubleRulesSchema,
  type DurationRules,
  DurationRulesSchema,
  disabled,
  type EnumRules,
  EnumRulesSchema,
  type FieldRules,
  FieldRulesSchema,
  Fixed32RulesSchema,
  Fixed64RulesSchema,
  FloatRulesSchema,
  rules as fieldRulesExt,
  Int32RulesSchema,
  Int64RulesSchema,
  KnownRegex,
  type MapRules,
  MapRulesSchema,
  MessageRulesSchema,
  required as oneofRequired,
  type RepeatedRules,
  RepeatedRulesSchema,
  SFixed32RulesSchema,
  SFixed64RulesSchema,
  SInt32RulesSchema,
  SInt64RulesSchema,
  type StringRules,
  StringRulesSchema,
  type TimestampRules,
  TimestampRulesSchema,
  UInt32RulesSchema,
  UInt64RulesSchema,
} from '../../gen/validate/validate_pb.js';
import { heldAs } from '../../protobuf/representation.js';
import { envoyRegistry } from './registry.js';

export interface Violation {
  /** Proto field path, Envoy style: `filter_chains[0].filters[0].typed_config.stat_prefix`. */
  path: string;
  /** The PGV rule, e.g. `string.min_len`, `oneof.required`, `any.unknown_type`. */
  rule: string;
  message: string;
}

export interface ValidateOptions {
  /** Resolves google.protobuf.Any payloads. Default: every type generated under src/gen. */
  registry?: Registry;
  /** Report an Any whose type the registry does not know (default true). */
  unknownAnyIsViolation?: boolean;
  /**
   * The message an Any was packed from, when the caller still has it: validated as it is
   * instead of decoded from the Any's bytes (which must be its encoding).
   */
  packedFrom?: (any: Any) => Message | undefined;
}

/** Validates `message` (of type `schema`) and everything it contains, including packed Anys. */
export function validateMessage(
  schema: DescMessage,
  message: Message,
  options: ValidateOptions = {},
): Violation[] {
  const ctx: Ctx = {
    registry: options.registry ?? envoyRegistry(),
    unknownAnyIsViolation: options.unknownAnyIsViolation ?? true,
    packedFrom: options.packedFrom,
    out: [],
    anyDepth: 0,
  };
  if (message.$typeName !== schema.typeName)
    throw new Error(`cannot validate a ${message.$typeName} as a ${schema.typeName}`);
  validateFields(ctx, '', schema, message);
  return ctx.out;
}

interface Ctx {
  registry: Registry;
  unknownAnyIsViolation: boolean;
  packedFrom: ((any: Any) => Message | undefined) | undefined;
  out: Violation[];
  anyDepth: number;
}

const MAX_ANY_DEPTH = 32;

type Num = number | bigint;

/** One value to check: a field's value, a list element, a map key or a map value. */
type Elem =
  | { kind: 'scalar'; scalar: ScalarType; value: ScalarValue }
  | { kind: 'enum'; desc: DescEnum; value: number }
  | { kind: 'message'; desc: DescMessage; value: MessageValue | undefined };

/**
 * A message-typed value as protobuf-es holds it: the message itself, except a singular
 * wrapper field (its scalar) and a google.protobuf.Struct field (a JSON object).
 */
type MessageValue =
  | { held: 'message'; message: Message }
  | { held: 'scalar'; scalar: ScalarValue }
  | { held: 'json'; json: unknown };

function messageValue(field: DescField, desc: DescMessage, value: unknown): MessageValue {
  switch (heldAs(field, desc)) {
    case 'json':
      return { held: 'json', json: value };
    case 'scalar':
      return { held: 'scalar', scalar: value as ScalarValue };
    case 'message':
      return { held: 'message', message: value as Message };
  }
}

function push(ctx: Ctx, path: string, rule: string, message: string): void {
  ctx.out.push({ path, rule, message });
}

function join(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

function isTrue(v: unknown): boolean {
  return v === true;
}

const setFieldsCache = new WeakMap<Message, ReadonlySet<string>>();

/**
 * Names (proto, snake_case) of the fields set on a rules message. Rules messages come from
 * the descriptors (decoded once per message type) and are never modified, so the answer is
 * kept per rules object.
 */
function setFields(schema: DescMessage, msg: Message): ReadonlySet<string> {
  let names = setFieldsCache.get(msg);
  if (names === undefined) {
    const found = new Set<string>();
    for (const f of schema.fields) if (isFieldSet(msg, f)) found.add(f.name);
    names = found;
    setFieldsCache.set(msg, names);
  }
  return names;
}

const unsupportedCache = new WeakMap<Message, Map<string, readonly [rule: string, message: string][]>>();

/** Reports rules this validator does not implement (never pass them silently). */
function reportUnsupported(
  ctx: Ctx,
  path: string,
  kind: string,
  schema: DescMessage,
  msg: Message,
  handled: readonly string[],
): void {
  // What is unsupported depends only on the rules message (and the kind checking it): worked
  // out once per rules object, reported at every path it applies to.
  let byKind = unsupportedCache.get(msg);
  if (byKind === undefined) {
    byKind = new Map();
    unsupportedCache.set(msg, byKind);
  }
  let found = byKind.get(kind);
  if (found === undefined) {
    const list: [string, string][] = [];
    for (const name of setFields(schema, msg)) {
      if (!handled.includes(name))
        list.push([
          `unsupported.${kind}.${name}`,
          `rule ${kind}.${name} is not implemented by the validator`,
        ]);
    }
    const unknown = (msg as { $unknown?: unknown[] }).$unknown;
    if (unknown !== undefined && unknown.length > 0)
      list.push([`unsupported.${kind}`, `${kind} rules carry fields unknown to validate.proto`]);
    found = list;
    byKind.set(kind, found);
  }
  for (const [rule, message] of found) push(ctx, path, rule, message);
}

// ---------------------------------------------------------------------------------------------
// Walking messages

/** A message type's rules, decoded from its descriptor options once (decoding them is costly). */
interface MessageRules {
  disabled: boolean;
  requiredOneofs: DescOneof[];
  fieldRules: Map<DescField, FieldRules>;
  /**
   * The fields that can yield a violation, in declaration order: those with rules, and every
   * message, list and map field (their contents are walked). A scalar or enum field without
   * rules has nothing to check.
   */
  checked: DescField[];
}

const rulesCache = new WeakMap<DescMessage, MessageRules>();

function rulesOf(desc: DescMessage): MessageRules {
  let rules = rulesCache.get(desc);
  if (rules === undefined) {
    const fieldRules = new Map(
      desc.fields.filter((f) => hasOption(f, fieldRulesExt)).map((f) => [f, getOption(f, fieldRulesExt)]),
    );
    rules = {
      disabled: hasOption(desc, disabled) && getOption(desc, disabled),
      requiredOneofs: desc.oneofs.filter((o) => hasOption(o, oneofRequired) && getOption(o, oneofRequired)),
      fieldRules,
      checked: desc.fields.filter(
        (f) => fieldRules.has(f) || (f.fieldKind !== 'scalar' && f.fieldKind !== 'enum'),
      ),
    };
    rulesCache.set(desc, rules);
  }
  return rules;
}

/** Plain property access, not protobuf-es reflection: no object per message and field read. */
function validateFields(ctx: Ctx, path: string, desc: DescMessage, message: Message): void {
  if (desc.typeName === 'google.protobuf.Any') {
    validateAnyPayload(ctx, path, message as Any);
    return;
  }
  const messageRules = rulesOf(desc);
  if (messageRules.disabled) return;
  const m = message as unknown as Record<string, unknown>;
  for (const oneof of messageRules.requiredOneofs) {
    if ((m[oneof.localName] as { case?: string } | undefined)?.case === undefined)
      push(ctx, join(path, oneof.name), 'oneof.required', 'value is required');
  }
  for (const field of messageRules.checked) {
    const rules = messageRules.fieldRules.get(field);
    if (rules !== undefined) reportUnknownFieldRules(ctx, path, field.name, rules);
    let value: unknown;
    if (field.oneof !== undefined) {
      const chosen = m[field.oneof.localName] as { case?: string; value?: unknown } | undefined;
      if (chosen?.case !== field.localName) continue;
      value = chosen.value;
    } else {
      value = m[field.localName];
    }
    switch (field.fieldKind) {
      case 'scalar':
        if (rules === undefined) continue;
        if (field.presence === FeatureSet_FieldPresence.EXPLICIT && !isFieldSet(message, field)) continue;
        checkElem(
          ctx,
          join(path, field.name),
          {
            kind: 'scalar',
            scalar: field.scalar,
            value: normalizeScalar(field.scalar, value ?? scalarZeroValue(field.scalar, false)),
          },
          rules,
        );
        continue;
      case 'enum':
        if (rules === undefined) continue;
        if (field.presence === FeatureSet_FieldPresence.EXPLICIT && !isFieldSet(message, field)) continue;
        checkElem(
          ctx,
          join(path, field.name),
          {
            kind: 'enum',
            desc: field.enum,
            value: (value as number | undefined) ?? field.enum.values[0]!.number,
          },
          rules,
        );
        continue;
      case 'message': {
        // An unset message field without rules has nothing to check.
        if (value === undefined && rules === undefined) continue;
        checkElem(
          ctx,
          join(path, field.name),
          {
            kind: 'message',
            desc: field.message,
            value: value === undefined ? undefined : messageValue(field, field.message, value),
          },
          rules,
        );
        continue;
      }
      case 'list':
        checkList(ctx, join(path, field.name), field, (value as readonly unknown[] | undefined) ?? [], rules);
        continue;
      case 'map':
        checkMap(
          ctx,
          join(path, field.name),
          field,
          (value as Record<string, unknown> | undefined) ?? {},
          rules,
        );
        continue;
    }
  }
}

function reportUnknownFieldRules(ctx: Ctx, path: string, name: string, rules: FieldRules): void {
  const unknown = (rules as { $unknown?: unknown[] }).$unknown;
  if (unknown !== undefined && unknown.length > 0) {
    push(
      ctx,
      join(path, name),
      'unsupported.field_rules',
      'field rules carry fields unknown to validate.proto',
    );
  }
}

function validateAnyPayload(ctx: Ctx, path: string, any: Any): void {
  if (any.typeUrl === '' && any.value.length === 0) {
    if (ctx.unknownAnyIsViolation) push(ctx, path, 'any.unknown_type', 'Any has an empty type URL');
    return;
  }
  const typeName = any.typeUrl.slice(any.typeUrl.lastIndexOf('/') + 1);
  const desc = ctx.registry.getMessage(typeName);
  if (desc === undefined) {
    if (ctx.unknownAnyIsViolation) push(ctx, path, 'any.unknown_type', `unknown type ${any.typeUrl}`);
    return;
  }
  if (ctx.anyDepth >= MAX_ANY_DEPTH) {
    push(ctx, path, 'any.depth', `Any nested deeper than ${MAX_ANY_DEPTH} levels`);
    return;
  }
  let inner = ctx.packedFrom?.(any);
  if (inner?.$typeName !== desc.typeName) {
    try {
      inner = fromBinary(desc, any.value);
    } catch (err) {
      push(ctx, path, 'any.decode', `cannot decode ${any.typeUrl}: ${(err as Error).message}`);
      return;
    }
  }
  ctx.anyDepth++;
  try {
    validateFields(ctx, path, desc, inner);
  } finally {
    ctx.anyDepth--;
  }
}

function listElem(field: DescField & { fieldKind: 'list' }, value: unknown): Elem {
  switch (field.listKind) {
    case 'scalar':
      return { kind: 'scalar', scalar: field.scalar, value: normalizeScalar(field.scalar, value) };
    case 'enum':
      return { kind: 'enum', desc: field.enum, value: value as number };
    case 'message':
      return { kind: 'message', desc: field.message, value: messageValue(field, field.message, value) };
  }
}

function checkList(
  ctx: Ctx,
  path: string,
  field: DescField & { fieldKind: 'list' },
  list: readonly unknown[],
  rules?: FieldRules,
) {
  let items: FieldRules | undefined;
  if (rules !== undefined && rules.type.case !== undefined) {
    if (rules.type.case !== 'repeated') {
      mismatch(ctx, path, rules, 'repeated field');
    } else {
      const r: RepeatedRules = rules.type.value;
      const set = setFields(RepeatedRulesSchema, r);
      reportUnsupported(ctx, path, 'repeated', RepeatedRulesSchema, r, [
        'min_items',
        'max_items',
        'unique',
        'items',
        'ignore_empty',
      ]);
      if (
        set.has('ignore_empty') &&
        isTrue(reflect(RepeatedRulesSchema, r).get(fieldByName(RepeatedRulesSchema, 'ignore_empty'))) &&
        list.length === 0
      ) {
        return;
      }
      if (set.has('min_items') && BigInt(list.length) < r.minItems) {
        push(ctx, path, 'repeated.min_items', `value must contain at least ${r.minItems} item(s)`);
      }
      if (set.has('max_items') && BigInt(list.length) > r.maxItems) {
        push(ctx, path, 'repeated.max_items', `value must contain no more than ${r.maxItems} item(s)`);
      }
      if (set.has('unique') && r.unique) checkUnique(ctx, path, field, list);
      items = r.items;
    }
  }
  // Scalars and enums without item rules have nothing to check.
  if (items === undefined && field.listKind !== 'message') return;
  for (let i = 0; i < list.length; i++) checkElem(ctx, `${path}[${i}]`, listElem(field, list[i]), items);
}

function checkUnique(
  ctx: Ctx,
  path: string,
  field: DescField & { fieldKind: 'list' },
  values: readonly unknown[],
): void {
  for (let i = 0; i < values.length; i++) {
    for (let j = 0; j < i; j++) {
      if (sameElem(field, values[i], values[j])) {
        push(ctx, `${path}[${i}]`, 'repeated.unique', 'repeated value must contain unique items');
        break;
      }
    }
  }
}

function sameElem(field: DescField & { fieldKind: 'list' }, a: unknown, b: unknown): boolean {
  if (field.listKind === 'message') {
    if (field.message.typeName === 'google.protobuf.Struct') return JSON.stringify(a) === JSON.stringify(b);
    return equals(field.message, a as never, b as never);
  }
  if (a instanceof Uint8Array && b instanceof Uint8Array) return bytesEqual(a, b);
  return a === b;
}

/** Map keys are object keys (strings): each key type's value back, as reflection gives it. */
function mapKey(type: ScalarType, key: string): ScalarValue {
  switch (type) {
    case ScalarType.STRING:
      return key;
    case ScalarType.BOOL:
      return key === 'true';
    default:
      return is64(type) ? BigInt(key) : Number(key);
  }
}

function checkMap(
  ctx: Ctx,
  path: string,
  field: DescField & { fieldKind: 'map' },
  map: Record<string, unknown>,
  rules?: FieldRules,
) {
  const keys = Object.keys(map);
  let keyRules: FieldRules | undefined;
  let valueRules: FieldRules | undefined;
  let noSparse = false;
  if (rules !== undefined && rules.type.case !== undefined) {
    if (rules.type.case !== 'map') {
      mismatch(ctx, path, rules, 'map field');
    } else {
      const r: MapRules = rules.type.value;
      const set = setFields(MapRulesSchema, r);
      reportUnsupported(ctx, path, 'map', MapRulesSchema, r, [
        'min_pairs',
        'max_pairs',
        'no_sparse',
        'keys',
        'values',
        'ignore_empty',
      ]);
      if (
        set.has('ignore_empty') &&
        isTrue(reflect(MapRulesSchema, r).get(fieldByName(MapRulesSchema, 'ignore_empty'))) &&
        keys.length === 0
      ) {
        return;
      }
      if (set.has('min_pairs') && BigInt(keys.length) < r.minPairs) {
        push(ctx, path, 'map.min_pairs', `value must contain at least ${r.minPairs} pair(s)`);
      }
      if (set.has('max_pairs') && BigInt(keys.length) > r.maxPairs) {
        push(ctx, path, 'map.max_pairs', `value must contain no more than ${r.maxPairs} pair(s)`);
      }
      noSparse = set.has('no_sparse') && r.noSparse;
      keyRules = r.keys;
      valueRules = r.values;
    }
  }
  for (const key of keys) {
    const value = map[key];
    const epath = `${path}[${field.mapKey === ScalarType.STRING ? JSON.stringify(key) : key}]`;
    if (keyRules !== undefined) {
      checkElem(
        ctx,
        epath,
        { kind: 'scalar', scalar: field.mapKey, value: mapKey(field.mapKey, key) },
        keyRules,
      );
    }
    let elem: Elem;
    switch (field.mapKind) {
      case 'scalar':
        elem = { kind: 'scalar', scalar: field.scalar, value: normalizeScalar(field.scalar, value) };
        break;
      case 'enum':
        elem = { kind: 'enum', desc: field.enum, value: value as number };
        break;
      case 'message':
        elem = {
          kind: 'message',
          desc: field.message,
          value: value === undefined ? undefined : messageValue(field, field.message, value),
        };
        if (value === undefined && noSparse) {
          push(ctx, epath, 'map.no_sparse', 'map values cannot be unset');
          continue;
        }
        break;
    }
    checkElem(ctx, epath, elem, valueRules);
  }
}

function fieldByName(schema: DescMessage, name: string): DescField {
  const f = schema.fields.find((x) => x.name === name);
  if (f === undefined) throw new Error(`${schema.typeName} has no field ${name}`);
  return f;
}

function normalizeScalar(scalar: ScalarType, value: unknown): ScalarValue {
  if (typeof value === 'string' && is64(scalar)) return BigInt(value);
  if (typeof value === 'number' && is64(scalar)) return BigInt(value);
  return value as ScalarValue;
}

function is64(s: ScalarType): boolean {
  return (
    s === ScalarType.INT64 ||
    s === ScalarType.UINT64 ||
    s === ScalarType.SINT64 ||
    s === ScalarType.FIXED64 ||
    s === ScalarType.SFIXED64
  );
}

function mismatch(ctx: Ctx, path: string, rules: FieldRules, what: string): void {
  push(ctx, path, 'rules.mismatch', `${rules.type.case} rules cannot apply to a ${what}`);
}

// ---------------------------------------------------------------------------------------------
// One value

const NUMERIC: Record<string, { scalar: ScalarType; schema: DescMessage }> = {
  float: { scalar: ScalarType.FLOAT, schema: FloatRulesSchema },
  double: { scalar: ScalarType.DOUBLE, schema: DoubleRulesSchema },
  int32: { scalar: ScalarType.INT32, schema: Int32RulesSchema },
  int64: { scalar: ScalarType.INT64, schema: Int64RulesSchema },
  uint32: { scalar: ScalarType.UINT32, schema: UInt32RulesSchema },
  uint64: { scalar: ScalarType.UINT64, schema: UInt64RulesSchema },
  sint32: { scalar: ScalarType.SINT32, schema: SInt32RulesSchema },
  sint64: { scalar: ScalarType.SINT64, schema: SInt64RulesSchema },
  fixed32: { scalar: ScalarType.FIXED32, schema: Fixed32RulesSchema },
  fixed64: { scalar: ScalarType.FIXED64, schema: Fixed64RulesSchema },
  sfixed32: { scalar: ScalarType.SFIXED32, schema: SFixed32RulesSchema },
  sfixed64: { scalar: ScalarType.SFIXED64, schema: SFixed64RulesSchema },
};

function checkElem(ctx: Ctx, path: string, elem: Elem, rules: FieldRules | undefined): void {
  if (elem.kind === 'message') {
    checkMessageElem(ctx, path, elem.desc, elem.value, rules);
    return;
  }
  if (rules === undefined) return;
  if (rules.message !== undefined)
    reportUnsupported(ctx, path, 'message', MessageRulesSchema, rules.message, ['skip', 'required']);
  const t = rules.type;
  if (t.case === undefined) return;
  if (elem.kind === 'enum') {
    if (t.case !== 'enum') {
      mismatch(ctx, path, rules, 'enum');
      return;
    }
    checkEnum(ctx, path, elem.desc, elem.value, t.value);
    return;
  }
  checkScalar(ctx, path, elem.scalar, elem.value, rules);
}

function checkScalar(
  ctx: Ctx,
  path: string,
  scalar: ScalarType,
  value: ScalarValue,
  rules: FieldRules,
): void {
  const t = rules.type;
  switch (t.case) {
    case 'string':
      if (scalar !== ScalarType.STRING) {
        mismatch(ctx, path, rules, ScalarType[scalar]);
        return;
      }
      checkString(ctx, path, value as string, t.value);
      return;
    case 'bytes':
      if (scalar !== ScalarType.BYTES) {
        mismatch(ctx, path, rules, ScalarType[scalar]);
        return;
      }
      checkBytes(ctx, path, value as Uint8Array, t.value);
      return;
    case 'bool':
      if (scalar !== ScalarType.BOOL) {
        mismatch(ctx, path, rules, ScalarType[scalar]);
        return;
      }
      checkBool(ctx, path, value as boolean, t.value);
      return;
    case undefined:
      return;
    default: {
      const num = NUMERIC[t.case];
      if (num === undefined || num.scalar !== scalar) {
        mismatch(ctx, path, rules, ScalarType[scalar]);
        return;
      }
      checkNumeric(ctx, path, t.case, num.schema, t.value as Message, value as Num);
    }
  }
}

function checkMessageElem(
  ctx: Ctx,
  path: string,
  desc: DescMessage,
  value: MessageValue | undefined,
  rules: FieldRules | undefined,
): void {
  const mrules = rules?.message;
  if (mrules !== undefined)
    reportUnsupported(ctx, path, 'message', MessageRulesSchema, mrules, ['skip', 'required']);
  const t = rules?.type ?? { case: undefined };
  if (value === undefined) {
    if (mrules?.required) push(ctx, path, 'message.required', 'value is required');
    else if ((t.case === 'any' || t.case === 'duration' || t.case === 'timestamp') && t.value.required) {
      push(ctx, path, `${t.case}.required`, 'value is required');
    }
    return;
  }
  // Any, Duration and Timestamp are always held as messages.
  const message = value.held === 'message' ? value.message : undefined;
  switch (t.case) {
    case undefined:
      break;
    case 'any':
      if (desc.typeName !== 'google.protobuf.Any') mismatch(ctx, path, rules!, desc.typeName);
      else checkAny(ctx, path, message as Any, t.value);
      break;
    case 'duration':
      if (desc.typeName !== 'google.protobuf.Duration') mismatch(ctx, path, rules!, desc.typeName);
      else checkDuration(ctx, path, message as Duration, t.value);
      break;
    case 'timestamp':
      if (desc.typeName !== 'google.protobuf.Timestamp') mismatch(ctx, path, rules!, desc.typeName);
      else checkTimestamp(ctx, path, message as Timestamp, t.value);
      break;
    default:
      if (isWrapperDesc(desc)) {
        const inner = desc.fields[0];
        const scalar =
          value.held === 'scalar'
            ? value.scalar
            : (message as unknown as Record<string, unknown>)[inner.localName];
        checkScalar(ctx, path, inner.scalar, normalizeScalar(inner.scalar, scalar), rules!);
      } else {
        mismatch(ctx, path, rules!, desc.typeName);
      }
  }
  if (mrules?.skip) return;
  // A wrapper's scalar and a Struct's JSON hold nothing with rules of its own.
  if (message !== undefined) validateFields(ctx, path, desc, message);
}

// ---------------------------------------------------------------------------------------------
// Rule kinds

function cmp(a: Num, b: Num): number {
  if (typeof a === 'bigint' || typeof b === 'bigint') {
    const x = typeof a === 'bigint' ? a : BigInt(Math.trunc(a));
    const y = typeof b === 'bigint' ? b : BigInt(Math.trunc(b));
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return a < b ? -1 : a > b ? 1 : a === b ? 0 : Number.NaN;
}

interface Bounds<T> {
  const?: T;
  lt?: T;
  lte?: T;
  gt?: T;
  gte?: T;
  in: T[];
  notIn: T[];
}

/** Shared numeric/duration/timestamp comparison logic, PGV semantics (incl. reversed ranges). */
function checkBounds<T>(
  ctx: Ctx,
  path: string,
  kind: string,
  value: T,
  b: Bounds<T>,
  compare: (a: T, b: T) => number,
  show: (v: T) => string,
): void {
  if (b.const !== undefined && compare(value, b.const) !== 0) {
    push(ctx, path, `${kind}.const`, `value must equal ${show(b.const)}`);
  }
  const lowerName = b.gt !== undefined ? 'gt' : b.gte !== undefined ? 'gte' : undefined;
  const upperName = b.lt !== undefined ? 'lt' : b.lte !== undefined ? 'lte' : undefined;
  const lower = b.gt ?? b.gte;
  const upper = b.lt ?? b.lte;
  const aboveLower =
    lower === undefined ? true : b.gt !== undefined ? compare(value, lower) > 0 : compare(value, lower) >= 0;
  const belowUpper =
    upper === undefined ? true : b.lt !== undefined ? compare(value, upper) < 0 : compare(value, upper) <= 0;
  if (lower !== undefined && upper !== undefined) {
    const open = b.gt !== undefined ? '(' : '[';
    const close = b.lt !== undefined ? ')' : ']';
    if (compare(upper, lower) > 0) {
      if (!(aboveLower && belowUpper)) {
        push(
          ctx,
          path,
          `${kind}.${lowerName}_${upperName}`,
          `value must be inside range ${open}${show(lower)}, ${show(upper)}${close}`,
        );
      }
    } else if (!(aboveLower || belowUpper)) {
      // Reversed bounds: the value must lie outside [upper, lower].
      const ropen = b.lt !== undefined ? '[' : '(';
      const rclose = b.gt !== undefined ? ']' : ')';
      push(
        ctx,
        path,
        `${kind}.${lowerName}_${upperName}`,
        `value must be outside range ${ropen}${show(upper)}, ${show(lower)}${rclose}`,
      );
    }
  } else if (lower !== undefined && !aboveLower) {
    const what = b.gt !== undefined ? 'greater than' : 'greater than or equal to';
    push(ctx, path, `${kind}.${lowerName}`, `value must be ${what} ${show(lower)}`);
  } else if (upper !== undefined && !belowUpper) {
    const what = b.lt !== undefined ? 'less than' : 'less than or equal to';
    push(ctx, path, `${kind}.${upperName}`, `value must be ${what} ${show(upper)}`);
  }
  if (b.in.length > 0 && !b.in.some((x) => compare(value, x) === 0)) {
    push(ctx, path, `${kind}.in`, `value must be in list [${b.in.map(show).join(', ')}]`);
  }
  if (b.notIn.length > 0 && b.notIn.some((x) => compare(value, x) === 0)) {
    push(ctx, path, `${kind}.not_in`, `value must not be in list [${b.notIn.map(show).join(', ')}]`);
  }
}

const boundsCache = new WeakMap<Message, Bounds<Num>>();

function checkNumeric(
  ctx: Ctx,
  path: string,
  kind: string,
  schema: DescMessage,
  r: Message,
  value: Num,
): void {
  reportUnsupported(ctx, path, kind, schema, r, ['const', 'lt', 'lte', 'gt', 'gte', 'in', 'not_in']);
  // The bounds depend only on the (unchanging) rules message: read once per rules object.
  let bounds = boundsCache.get(r);
  if (bounds === undefined) {
    const rr = reflect(schema, r as never);
    const get = (name: string): Num | undefined => {
      const f = fieldByName(schema, name);
      return rr.isSet(f) ? (rr.get(f) as Num) : undefined;
    };
    const list = (name: string): Num[] => [...(rr.get(fieldByName(schema, name)) as Iterable<Num>)];
    const b: Bounds<Num> = {
      in: list('in'),
      notIn: list('not_in'),
    };
    for (const k of ['const', 'lt', 'lte', 'gt', 'gte'] as const) {
      const v = get(k);
      if (v !== undefined) b[k] = v;
    }
    bounds = b;
    boundsCache.set(r, bounds);
  }
  checkBounds(ctx, path, kind, value, bounds, cmp, String);
}

function checkBool(ctx: Ctx, path: string, value: boolean, r: BoolRules): void {
  reportUnsupported(ctx, path, 'bool', BoolRulesSchema, r, ['const']);
  if (isFieldSet(r, fieldByName(BoolRulesSchema, 'const')) && value !== r.const) {
    push(ctx, path, 'bool.const', `value must equal ${r.const}`);
  }
}

function checkEnum(ctx: Ctx, path: string, desc: DescEnum, value: number, r: EnumRules): void {
  reportUnsupported(ctx, path, 'enum', EnumRulesSchema, r, ['const', 'defined_only', 'in', 'not_in']);
  const set = setFields(EnumRulesSchema, r);
  if (set.has('const') && value !== r.const) push(ctx, path, 'enum.const', `value must equal ${r.const}`);
  if (set.has('defined_only') && r.definedOnly && desc.values.every((v) => v.number !== value)) {
    push(ctx, path, 'enum.defined_only', `value must be one of the defined enum values (got ${value})`);
  }
  if (r.in.length > 0 && !r.in.includes(value))
    push(ctx, path, 'enum.in', `value must be in list [${r.in.join(', ')}]`);
  if (r.notIn.includes(value))
    push(ctx, path, 'enum.not_in', `value must not be in list [${r.notIn.join(', ')}]`);
}

const utf8 = new TextEncoder();

function runeCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

const regexCache = new Map<string, RegExp | Error>();

/** Compiles an RE2 pattern as a JS RegExp (`u` flag); leading RE2 flag groups become JS flags. */
function re2(pattern: string): RegExp | Error {
  const cached = regexCache.get(pattern);
  if (cached !== undefined) return cached;
  let source = pattern;
  let flags = 'u';
  const m = /^\(\?([ims]+)\)/.exec(source);
  if (m !== null) {
    source = source.slice(m[0].length);
    for (const f of new Set(m[1])) flags += f;
  }
  let result: RegExp | Error;
  try {
    result = new RegExp(source, flags);
  } catch (err) {
    result = err as Error;
  }
  regexCache.set(pattern, result);
  return result;
}

// From protoc-gen-validate (templates/goshared/known.go / the C++ validator Envoy links).
// `+-.` is a range (it admits `,`), exactly as in PGV.
const HEADER_NAME_STRICT = /^:?[0-9a-zA-Z!#$%&'*+-.^_|~`]+$/u;
// biome-ignore lint/suspicious/noControlCharactersInRegex: PGV's header regexes exclude control characters on purpose
const HEADER_VALUE_STRICT = /^[^\u0000-\u0008\u000A-\u001F\u007F]*$/u;
// Non-strict mode: PGV's HEADER_STRING, for names and values alike.
// biome-ignore lint/suspicious/noControlCharactersInRegex: PGV's header regexes exclude control characters on purpose
const HEADER_STRING = /^[^\u0000\u000A\u000D]*$/u;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/u;

function isHostname(s: string): boolean {
  const host = s.endsWith('.') ? s.slice(0, -1) : s;
  if (host.length === 0 || host.length > 253) return false;
  return host
    .split('.')
    .every(
      (label) =>
        label.length >= 1 && label.length <= 63 && /^[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?$/u.test(label),
    );
}

function isEmail(s: string): boolean {
  let addr = s;
  const angle = /<([^<>]*)>\s*$/u.exec(s);
  if (angle !== null) addr = angle[1];
  if (addr.length > 254) return false;
  const at = addr.lastIndexOf('@');
  if (at <= 0) return false;
  const local = addr.slice(0, at);
  if (local.length > 64 || /[\s<>]/u.test(local)) return false;
  return isHostname(addr.slice(at + 1));
}

function isUri(s: string): boolean {
  if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:/u.test(s)) return false;
  try {
    new URL(s);
    return true;
  } catch {
    return false;
  }
}

function isUriRef(s: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: a URI reference never contains control characters
  if (/[\s\u0000-\u001F\u007F]/u.test(s)) return false;
  try {
    new URL(s, 'http://uri-ref.invalid/');
    return true;
  } catch {
    return false;
  }
}

function checkString(ctx: Ctx, path: string, value: string, r: StringRules): void {
  const handled = [
    'const',
    'len',
    'min_len',
    'max_len',
    'len_bytes',
    'min_bytes',
    'max_bytes',
    'pattern',
    'prefix',
    'suffix',
    'contains',
    'not_contains',
    'in',
    'not_in',
    'email',
    'hostname',
    'ip',
    'ipv4',
    'ipv6',
    'uri',
    'uri_ref',
    'address',
    'uuid',
    'well_known_regex',
    'strict',
    'ignore_empty',
  ];
  reportUnsupported(ctx, path, 'string', StringRulesSchema, r, handled);
  const set = setFields(StringRulesSchema, r);
  if (set.has('ignore_empty') && r.ignoreEmpty && value === '') return;
  const k = 'string';
  if (set.has('const') && value !== r.const)
    push(ctx, path, `${k}.const`, `value must equal ${JSON.stringify(r.const)}`);
  // Lengths are counted only when a length rule asks for them.
  if (set.has('len') || set.has('min_len') || set.has('max_len')) {
    const runes = runeCount(value);
    if (set.has('len') && BigInt(runes) !== r.len)
      push(ctx, path, `${k}.len`, `value length must be ${r.len} runes`);
    if (set.has('min_len') && BigInt(runes) < r.minLen) {
      push(ctx, path, `${k}.min_len`, `value length must be at least ${r.minLen} runes`);
    }
    if (set.has('max_len') && BigInt(runes) > r.maxLen) {
      push(ctx, path, `${k}.max_len`, `value length must be at most ${r.maxLen} runes`);
    }
  }
  if (set.has('len_bytes') || set.has('min_bytes') || set.has('max_bytes')) {
    const bytes = utf8.encode(value).length;
    if (set.has('len_bytes') && BigInt(bytes) !== r.lenBytes) {
      push(ctx, path, `${k}.len_bytes`, `value length must be ${r.lenBytes} bytes`);
    }
    if (set.has('min_bytes') && BigInt(bytes) < r.minBytes) {
      push(ctx, path, `${k}.min_bytes`, `value length must be at least ${r.minBytes} bytes`);
    }
    if (set.has('max_bytes') && BigInt(bytes) > r.maxBytes) {
      push(ctx, path, `${k}.max_bytes`, `value length must be at most ${r.maxBytes} bytes`);
    }
  }
  if (set.has('pattern')) checkPattern(ctx, path, k, value, r.pattern);
  if (set.has('prefix') && !value.startsWith(r.prefix)) {
    push(ctx, path, `${k}.prefix`, `value does not have prefix ${JSON.stringify(r.prefix)}`);
  }
  if (set.has('suffix') && !value.endsWith(r.suffix)) {
    push(ctx, path, `${k}.suffix`, `value does not have suffix ${JSON.stringify(r.suffix)}`);
  }
  if (set.has('contains') && !value.includes(r.contains)) {
    push(ctx, path, `${k}.contains`, `value does not contain substring ${JSON.stringify(r.contains)}`);
  }
  if (set.has('not_contains') && value.includes(r.notContains)) {
    push(ctx, path, `${k}.not_contains`, `value contains substring ${JSON.stringify(r.notContains)}`);
  }
  if (r.in.length > 0 && !r.in.includes(value)) {
    push(ctx, path, `${k}.in`, `value must be in list ${JSON.stringify(r.in)}`);
  }
  if (r.notIn.includes(value))
    push(ctx, path, `${k}.not_in`, `value must not be in list ${JSON.stringify(r.notIn)}`);
  const wk = r.wellKnown;
  switch (wk.case) {
    case undefined:
      break;
    case 'wellKnownRegex': {
      const strict = r.strict; // proto2 default: true
      let re: RegExp;
      let what: string;
      if (wk.value === KnownRegex.HTTP_HEADER_NAME) {
        re = strict ? HEADER_NAME_STRICT : HEADER_STRING;
        what = 'HTTP header name';
      } else if (wk.value === KnownRegex.HTTP_HEADER_VALUE) {
        re = strict ? HEADER_VALUE_STRICT : HEADER_STRING;
        what = 'HTTP header value';
      } else {
        if (wk.value !== KnownRegex.UNKNOWN) {
          push(
            ctx,
            path,
            'unsupported.string.well_known_regex',
            `well-known regex ${wk.value} is not implemented`,
          );
        }
        break;
      }
      if (!re.test(value)) {
        push(ctx, path, `${k}.well_known_regex`, `value does not match regex pattern for a valid ${what}`);
      }
      break;
    }
    default: {
      if (!wk.value) break;
      const checks: Record<string, [(s: string) => boolean, string, string]> = {
        email: [isEmail, 'email', 'value must be a valid email address'],
        hostname: [isHostname, 'hostname', 'value must be a valid hostname'],
        ip: [(s) => isIP(s) !== 0, 'ip', 'value must be a valid IP address'],
        ipv4: [isIPv4, 'ipv4', 'value must be a valid IPv4 address'],
        ipv6: [isIPv6, 'ipv6', 'value must be a valid IPv6 address'],
        uri: [isUri, 'uri', 'value must be a valid URI'],
        uriRef: [isUriRef, 'uri_ref', 'value must be a valid URI reference'],
        address: [
          (s) => isIP(s) !== 0 || isHostname(s),
          'address',
          'value must be a valid hostname or IP address',
        ],
        uuid: [(s) => UUID.test(s), 'uuid', 'value must be a valid UUID'],
      };
      const c = checks[wk.case];
      if (c === undefined) {
        push(
          ctx,
          path,
          `unsupported.string.${wk.case}`,
          `well-known string rule ${wk.case} is not implemented`,
        );
      } else if (!c[0](value)) {
        push(ctx, path, `${k}.${c[1]}`, c[2]);
      }
    }
  }
}

function checkPattern(ctx: Ctx, path: string, kind: string, value: string, pattern: string): void {
  const re = re2(pattern);
  if (re instanceof Error) {
    push(
      ctx,
      path,
      `unsupported.${kind}.pattern`,
      `RE2 pattern ${JSON.stringify(pattern)} cannot be run: ${re.message}`,
    );
  } else if (!re.test(value)) {
    push(ctx, path, `${kind}.pattern`, `value does not match regex pattern ${JSON.stringify(pattern)}`);
  }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function indexOfBytes(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

function checkBytes(ctx: Ctx, path: string, value: Uint8Array, r: BytesRules): void {
  const handled = [
    'const',
    'len',
    'min_len',
    'max_len',
    'pattern',
    'prefix',
    'suffix',
    'contains',
    'in',
    'not_in',
    'ip',
    'ipv4',
    'ipv6',
    'ignore_empty',
  ];
  reportUnsupported(ctx, path, 'bytes', BytesRulesSchema, r, handled);
  const set = setFields(BytesRulesSchema, r);
  if (set.has('ignore_empty') && value.length === 0) {
    const f = fieldByName(BytesRulesSchema, 'ignore_empty');
    if (isTrue(reflect(BytesRulesSchema, r).get(f))) return;
  }
  const k = 'bytes';
  const n = BigInt(value.length);
  if (set.has('const') && !bytesEqual(value, r.const))
    push(ctx, path, `${k}.const`, `value must equal 0x${hex(r.const)}`);
  if (set.has('len') && n !== r.len) push(ctx, path, `${k}.len`, `value length must be ${r.len} bytes`);
  if (set.has('min_len') && n < r.minLen)
    push(ctx, path, `${k}.min_len`, `value length must be at least ${r.minLen} bytes`);
  if (set.has('max_len') && n > r.maxLen)
    push(ctx, path, `${k}.max_len`, `value length must be at most ${r.maxLen} bytes`);
  if (set.has('pattern')) checkPattern(ctx, path, k, Buffer.from(value).toString('utf8'), r.pattern);
  if (set.has('prefix') && indexOfBytes(value.subarray(0, r.prefix.length), r.prefix) !== 0) {
    push(ctx, path, `${k}.prefix`, `value does not have prefix 0x${hex(r.prefix)}`);
  }
  if (
    set.has('suffix') &&
    (value.length < r.suffix.length || !bytesEqual(value.subarray(value.length - r.suffix.length), r.suffix))
  ) {
    push(ctx, path, `${k}.suffix`, `value does not have suffix 0x${hex(r.suffix)}`);
  }
  if (set.has('contains') && indexOfBytes(value, r.contains) < 0) {
    push(ctx, path, `${k}.contains`, `value does not contain 0x${hex(r.contains)}`);
  }
  if (r.in.length > 0 && !r.in.some((x) => bytesEqual(x, value)))
    push(ctx, path, `${k}.in`, 'value must be in list');
  if (r.notIn.some((x) => bytesEqual(x, value))) push(ctx, path, `${k}.not_in`, 'value must not be in list');
  const wk = r.wellKnown;
  if (wk.case !== undefined && wk.value) {
    const ok =
      wk.case === 'ip'
        ? value.length === 4 || value.length === 16
        : wk.case === 'ipv4'
          ? value.length === 4
          : value.length === 16;
    if (!ok)
      push(ctx, path, `${k}.${wk.case}`, `value must be a valid ${wk.case.toUpperCase()} address in bytes`);
  }
}

function checkAny(ctx: Ctx, path: string, any: Any, r: AnyRules): void {
  reportUnsupported(ctx, path, 'any', AnyRulesSchema, r, ['required', 'in', 'not_in']);
  if (r.in.length > 0 && !r.in.includes(any.typeUrl)) {
    push(ctx, path, 'any.in', `type URL must be in list ${JSON.stringify(r.in)}`);
  }
  if (r.notIn.includes(any.typeUrl))
    push(ctx, path, 'any.not_in', `type URL must not be in list ${JSON.stringify(r.notIn)}`);
}

const NANOS = 1_000_000_000n;

function durationNanos(d: { seconds: bigint; nanos: number }): bigint {
  return d.seconds * NANOS + BigInt(d.nanos);
}

function showDuration(n: bigint): string {
  const neg = n < 0n;
  const a = neg ? -n : n;
  const s = a / NANOS;
  const frac = a % NANOS;
  const text = frac === 0n ? `${s}s` : `${s}.${frac.toString().padStart(9, '0').replace(/0+$/u, '')}s`;
  return neg ? `-${text}` : text;
}

function validDuration(d: Duration): boolean {
  const max = 315_576_000_000n;
  if (d.seconds < -max || d.seconds > max) return false;
  if (d.nanos <= -1_000_000_000 || d.nanos >= 1_000_000_000) return false;
  return !((d.seconds > 0n && d.nanos < 0) || (d.seconds < 0n && d.nanos > 0));
}

function durationBounds(r: DurationRules | TimestampRules, schema: DescMessage): Bounds<bigint> {
  const set = setFields(schema, r);
  const b: Bounds<bigint> = { in: [], notIn: [] };
  for (const k of ['const', 'lt', 'lte', 'gt', 'gte'] as const) {
    const v = r[k];
    if (set.has(k) && v !== undefined) b[k] = durationNanos(v);
  }
  return b;
}

function checkDuration(ctx: Ctx, path: string, d: Duration, r: DurationRules): void {
  reportUnsupported(ctx, path, 'duration', DurationRulesSchema, r, [
    'required',
    'const',
    'lt',
    'lte',
    'gt',
    'gte',
    'in',
    'not_in',
  ]);
  if (!validDuration(d)) {
    push(ctx, path, 'duration.valid', 'value is not a valid duration');
    return;
  }
  const b = durationBounds(r, DurationRulesSchema);
  b.in = r.in.map(durationNanos);
  b.notIn = r.notIn.map(durationNanos);
  checkBounds(ctx, path, 'duration', durationNanos(d), b, (x, y) => cmp(x, y), showDuration);
}

function showTimestamp(n: bigint): string {
  const ms = Number(n / 1_000_000n);
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? `${n}ns` : d.toISOString();
}

function checkTimestamp(ctx: Ctx, path: string, t: Timestamp, r: TimestampRules): void {
  const handled = ['required', 'const', 'lt', 'lte', 'gt', 'gte', 'lt_now', 'gt_now', 'within'];
  reportUnsupported(ctx, path, 'timestamp', TimestampRulesSchema, r, handled);
  if (
    t.nanos < 0 ||
    t.nanos >= 1_000_000_000 ||
    t.seconds < -62_135_596_800n ||
    t.seconds > 253_402_300_799n
  ) {
    push(ctx, path, 'timestamp.valid', 'value is not a valid timestamp');
    return;
  }
  const value = durationNanos(t);
  checkBounds(
    ctx,
    path,
    'timestamp',
    value,
    durationBounds(r, TimestampRulesSchema),
    (x, y) => cmp(x, y),
    showTimestamp,
  );
  const set = setFields(TimestampRulesSchema, r);
  const now = BigInt(Date.now()) * 1_000_000n;
  const within = set.has('within') && r.within !== undefined ? durationNanos(r.within) : undefined;
  if (set.has('lt_now') && r.ltNow) {
    if (within !== undefined) {
      if (value >= now || value < now - within)
        push(ctx, path, 'timestamp.lt_now_within', 'value must be less than now within the duration');
    } else if (value >= now) push(ctx, path, 'timestamp.lt_now', 'value must be less than now');
  } else if (set.has('gt_now') && r.gtNow) {
    if (within !== undefined) {
      if (value <= now || value > now + within)
        push(ctx, path, 'timestamp.gt_now_within', 'value must be greater than now within the duration');
    } else if (value <= now) push(ctx, path, 'timestamp.gt_now', 'value must be greater than now');
  } else if (within !== undefined) {
    const diff = value > now ? value - now : now - value;
    if (diff > within) push(ctx, path, 'timestamp.within', 'value must be within the duration of now');
  }
}

/** Rule kinds (`<kind>.<rule>` as in validate.proto) this validator implements; see the header. */
export const SUPPORTED_RULE_KINDS: ReadonlySet<string> = new Set([
  'message.required',
  'message.skip',
  'message.disabled',
  'oneof.required',
  ...FieldRulesSchema.fields
    .filter((f) => f.name in NUMERIC)
    .flatMap((f) => ['const', 'lt', 'lte', 'gt', 'gte', 'in', 'not_in'].map((r) => `${f.name}.${r}`)),
  'bool.const',
  ...StringRulesSchema.fields.map((f) => `string.${f.name}`),
  ...BytesRulesSchema.fields.map((f) => `bytes.${f.name}`),
  'enum.const',
  'enum.defined_only',
  'enum.in',
  'enum.not_in',
  'repeated.min_items',
  'repeated.max_items',
  'repeated.unique',
  'repeated.items',
  'repeated.ignore_empty',
  'map.min_pairs',
  'map.max_pairs',
  'map.no_sparse',
  'map.keys',
  'map.values',
  'map.ignore_empty',
  'any.required',
  'any.in',
  'any.not_in',
  ...DurationRulesSchema.fields.map((f) => `duration.${f.name}`),
  ...TimestampRulesSchema.fields.map((f) => `timestamp.${f.name}`),
]);
