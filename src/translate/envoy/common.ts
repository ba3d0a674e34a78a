// Small builders shared by the Envoy modules: durations, the ADS config source, Any packing
// and the registry of every message this translator packs into an Any.
import {
  create,
  createRegistry,
  type DescField,
  type DescMessage,
  isMessage,
  type Message,
  type MessageInitShape,
  type MessageShape,
  type Registry,
  ScalarType,
} from '@bufbuild/protobuf';
import { type Any, AnySchema, type Duration, DurationSchema } from '@bufbuild/protobuf/wkt';
import {
  type Address,
  AddressSchema,
  SocketAddressSchema,
} from '../../gen/envoy/config/core/v3/address_pb.js';
import {
  ApiVersion,
  type ConfigSource,
  ConfigSourceSchema,
} from '../../gen/envoy/config/core/v3/config_source_pb.js';
import { FileAccessLogSchema } from '../../gen/envoy/extensions/access_loggers/file/v3/file_pb.js';
import { CorsPolicySchema, CorsSchema } from '../../gen/envoy/extensions/filters/http/cors/v3/cors_pb.js';
import { HTTPFaultSchema } from '../../gen/envoy/extensions/filters/http/fault/v3/fault_pb.js';
import { RouterSchema } from '../../gen/envoy/extensions/filters/http/router/v3/router_pb.js';
import { OriginalDstSchema } from '../../gen/envoy/extensions/filters/listener/original_dst/v3/original_dst_pb.js';
import { HttpConnectionManagerSchema } from '../../gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { TcpProxySchema } from '../../gen/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.js';
import { UuidRequestIdConfigSchema } from '../../gen/envoy/extensions/request_id/uuid/v3/uuid_pb.js';
import { HttpProtocolOptionsSchema } from '../../gen/envoy/extensions/upstreams/http/v3/http_protocol_options_pb.js';
import { encodeBinary } from '../../protobuf/binary-encoder.js';
import { heldAs, messageTypeOf } from '../../protobuf/representation.js';
import type { IrDuration } from '../ir/types.js';

export const FILTER = {
  fault: 'envoy.filters.http.fault',
  cors: 'envoy.filters.http.cors',
  router: 'envoy.filters.http.router',
  hcm: 'envoy.filters.network.http_connection_manager',
  tcpProxy: 'envoy.filters.network.tcp_proxy',
  originalDst: 'envoy.filters.listener.original_dst',
  fileAccessLog: 'envoy.access_loggers.file',
  uuid: 'envoy.request_id.uuid',
  httpProtocolOptions: 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
} as const;

export const STAT_PREFIX = 'trafficdirector';

/** Every message type the translator packs into an Any: for `toJson` and CSDS dumps. */
export const TYPE_REGISTRY: Registry = createRegistry(
  HttpConnectionManagerSchema,
  RouterSchema,
  HTTPFaultSchema,
  CorsSchema,
  CorsPolicySchema,
  OriginalDstSchema,
  TcpProxySchema,
  FileAccessLogSchema,
  UuidRequestIdConfigSchema,
  HttpProtocolOptionsSchema,
);

/**
 * Freezes a message that many resources share, and everything in it. Translation output is
 * not changed once built (a change is a new translation), so one instance can serve every
 * resource; frozen, an attempt to change it throws instead of changing them all.
 */
export function shared<T extends object>(message: T): T {
  for (const value of Object.values(message)) {
    if (typeof value === 'object' && value !== null && !ArrayBuffer.isView(value)) shared(value);
  }
  return Object.freeze(message);
}

const NO_ITEMS = Object.freeze([]) as unknown as never[];
const NO_ENTRIES = Object.freeze({});
const NO_CASE = Object.freeze({ case: undefined });

type Convert = (value: unknown) => unknown;

/**
 * Per message type: how to make its zero message, with every field an own property (fields
 * with explicit presence hold undefined: not set, to toBinary and reflection alike), and a
 * conversion per field whose init value may need one (a nested message given as a plain
 * object, a list or map of them, an empty list, map or oneof).
 */
interface Template {
  /**
   * Makes a zero message from an object literal: every copy has all fields in-object, and V8
   * makes it by copying the literal's boilerplate (the primitive values are in the source).
   */
  copy: () => Record<string, unknown>;
  convert: Map<string, Convert>;
  /**
   * The type keeps default values on a prototype (proto2, or editions with explicit presence):
   * such messages are left to create(). Envoy's are proto3.
   */
  prototyped: boolean;
}

const TEMPLATES = new WeakMap<DescMessage, Template>();

function templateOf(schema: DescMessage): Template {
  let found = TEMPLATES.get(schema);
  if (found !== undefined) return found;
  const made = create(schema);
  const zero = { ...(made as unknown as Record<string, unknown>) };
  const convert = new Map<string, Convert>();
  found = { convert, copy: () => ({}), prototyped: Object.getPrototypeOf(made) !== Object.prototype };
  // Before the fields: a message type can contain itself.
  TEMPLATES.set(schema, found);
  for (const oneof of schema.oneofs) {
    zero[oneof.localName] = NO_CASE;
    const cases = new Map<string, Convert | undefined>(oneof.fields.map((f) => [f.localName, toMessage(f)]));
    convert.set(oneof.localName, (value) => {
      const v = value as { case?: string; value?: unknown };
      if (v.case === undefined) return NO_CASE;
      const each = cases.get(v.case);
      return each === undefined ? v : { case: v.case, value: each(v.value) };
    });
  }
  for (const field of schema.fields) {
    if (field.oneof !== undefined) continue;
    const name = field.localName;
    if (field.fieldKind === 'list') {
      zero[name] = NO_ITEMS;
      const each = toMessage(field);
      convert.set(name, (value) =>
        (value as unknown[]).length === 0
          ? NO_ITEMS
          : each === undefined
            ? value
            : (value as unknown[]).map(each),
      );
    } else if (field.fieldKind === 'map') {
      zero[name] = NO_ENTRIES;
      const each = toMessage(field);
      convert.set(name, (value) => {
        const entries = Object.entries(value as Record<string, unknown>);
        if (entries.length === 0) return NO_ENTRIES;
        return each === undefined ? value : Object.fromEntries(entries.map(([k, v]) => [k, each(v)]));
      });
    } else {
      if (!(name in zero)) zero[name] = undefined;
      const each = toMessage(field);
      if (each !== undefined) convert.set(name, each);
    }
  }
  const objects: unknown[] = [];
  const fields = Object.entries(zero).map(([name, value]) => {
    let source: string;
    if (typeof value === 'bigint') source = `${value}n`;
    else if (value === undefined) source = 'undefined';
    else if (typeof value === 'object') source = `o[${objects.push(value) - 1}]`;
    else source = JSON.stringify(value);
    return `${JSON.stringify(name)}: ${source}`;
  });
  found.copy = new Function('o', `return () => ({${fields.join(',')}});`)(objects) as Template['copy'];
  return found;
}

/** How a field's value (or list item, map value, oneof case) becomes a message, if it may need to. */
function toMessage(field: DescField): Convert | undefined {
  const bytes =
    (field.fieldKind === 'scalar' || field.fieldKind === 'list' || field.fieldKind === 'map') &&
    field.scalar === ScalarType.BYTES;
  if (bytes) return (v) => (Array.isArray(v) ? new Uint8Array(v) : v);
  const schema = messageTypeOf(field);
  // As create() holds them: wrappers in singular fields unwrapped, Struct as a JSON object.
  if (schema === undefined || heldAs(field, schema) !== 'message') return undefined;
  return (v) => (typeof v !== 'object' || v === null || isMessage(v) ? v : message(schema, v as never));
}

/**
 * create(), for translation output, and faster: a copy of the type's zero message with the
 * given fields set. Every message of a type then has the same shape (the same fields, in the
 * same order), which keeps both building it and toBinary's field reads fast. List, map and
 * oneof fields left empty share one frozen empty value instead of each holding a fresh `[]`,
 * `{}` or `{ case: undefined }`: at 10,000 services the fresh ones are millions of long-lived
 * objects for the garbage collector to copy. Safe for the reason `shared` is. Nested messages
 * given as plain objects are made the same way.
 */
export function message<Desc extends DescMessage>(
  schema: Desc,
  init?: MessageInitShape<Desc>,
): MessageShape<Desc> {
  const { copy, convert, prototyped } = templateOf(schema);
  if (prototyped) return create(schema, init);
  const made = copy();
  if (init !== undefined) {
    const given = init as Record<string, unknown>;
    for (const name in given) {
      const value = given[name];
      if (value === undefined || value === null) continue;
      const each = convert.get(name);
      made[name] = each === undefined ? value : each(value);
    }
  }
  return made as unknown as MessageShape<Desc>;
}

/** Whole seconds up to an hour, shared: most durations are one of a few defaults. */
const WHOLE_SECONDS: Duration[] = [];
const MAX_SHARED_SECONDS = 3600;

export function duration(d: IrDuration): Duration {
  if (d.nanos === 0 && Number.isInteger(d.seconds) && d.seconds >= 0 && d.seconds <= MAX_SHARED_SECONDS) {
    WHOLE_SECONDS[d.seconds] ??= shared(message(DurationSchema, { seconds: BigInt(d.seconds) }));
    return WHOLE_SECONDS[d.seconds]!;
  }
  return message(DurationSchema, { seconds: BigInt(d.seconds), nanos: d.nanos });
}

/** `{ ads: {}, resource_api_version: V3 }` */
export const ADS_CONFIG_SOURCE: ConfigSource = shared(
  create(ConfigSourceSchema, {
    configSourceSpecifier: { case: 'ads', value: {} },
    resourceApiVersion: ApiVersion.V3,
  }),
);

/** `{ self: {} }`: the server the resource came from (for lrs_server). */
export const SELF_CONFIG_SOURCE: ConfigSource = shared(
  create(ConfigSourceSchema, { configSourceSpecifier: { case: 'self', value: {} } }),
);

/** Type URLs by message type: one string each, not one per packed message. */
const TYPE_URLS = new Map<string, string>();

/** Each Any this translator packed → the message it holds, which output validation reads. */
const PACKED_FROM = new WeakMap<Any, Message>();

/** anyPack(), with the type URL shared. */
export function pack<Desc extends DescMessage>(schema: Desc, packed: MessageShape<Desc>): Any {
  let typeUrl = TYPE_URLS.get(schema.typeName);
  if (typeUrl === undefined) {
    typeUrl = `type.googleapis.com/${schema.typeName}`;
    TYPE_URLS.set(schema.typeName, typeUrl);
  }
  const any = message(AnySchema, { typeUrl, value: encodeBinary(schema, packed) });
  PACKED_FROM.set(any, packed);
  return any;
}

/** The message a translated Any was packed from (its value is that message's encoding). */
export function packedFrom(any: Any): Message | undefined {
  return PACKED_FROM.get(any);
}

export function socketAddress(address: string, port: number): Address {
  return message(AddressSchema, {
    address: {
      case: 'socketAddress',
      value: message(SocketAddressSchema, { address, portSpecifier: { case: 'portValue', value: port } }),
    },
  });
}
