// Small builders shared by the Envoy modules: durations, the ADS config source, Any packing
// and the registry of every message this translator packs into an Any.
import {
  create,
  createRegistry,
  type DescMessage,
  type MessageInitShape,
  type MessageShape,
  type Registry,
  toBinary,
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

/** Per message type: its list, map and oneof fields (local names). */
const COLLECTIONS = new WeakMap<DescMessage, { lists: string[]; maps: string[]; oneofs: string[] }>();

function collectionsOf(schema: DescMessage) {
  let found = COLLECTIONS.get(schema);
  if (found === undefined) {
    found = {
      lists: schema.fields.filter((f) => f.fieldKind === 'list').map((f) => f.localName),
      maps: schema.fields.filter((f) => f.fieldKind === 'map').map((f) => f.localName),
      oneofs: schema.oneofs.map((o) => o.localName),
    };
    COLLECTIONS.set(schema, found);
  }
  return found;
}

/**
 * create(), for translation output: list, map and oneof fields left empty share one frozen
 * empty value instead of each holding a fresh `[]`, `{}` or `{ case: undefined }`. Envoy
 * messages have many such fields, and at 10,000 services the fresh ones are millions of
 * long-lived objects for the garbage collector to copy. Safe for the reason `shared` is.
 * Nested messages given as plain objects are made by create(): make hot ones with this.
 */
export function message<Desc extends DescMessage>(
  schema: Desc,
  init?: MessageInitShape<Desc>,
): MessageShape<Desc> {
  const made = create(schema, init);
  const fields = made as unknown as Record<string, unknown>;
  const { lists, maps, oneofs } = collectionsOf(schema);
  for (const name of lists) if ((fields[name] as unknown[]).length === 0) fields[name] = NO_ITEMS;
  for (const name of oneofs)
    if ((fields[name] as { case?: string }).case === undefined) fields[name] = NO_CASE;
  for (const name of maps) if (isEmpty(fields[name] as object)) fields[name] = NO_ENTRIES;
  return made;
}

function isEmpty(record: object): boolean {
  for (const _ in record) return false;
  return true;
}

/** Whole seconds up to an hour, shared: most durations are one of a few defaults. */
const WHOLE_SECONDS: Duration[] = [];
const MAX_SHARED_SECONDS = 3600;

export function duration(d: IrDuration): Duration {
  if (d.nanos === 0 && Number.isInteger(d.seconds) && d.seconds >= 0 && d.seconds <= MAX_SHARED_SECONDS) {
    WHOLE_SECONDS[d.seconds] ??= shared(create(DurationSchema, { seconds: BigInt(d.seconds) }));
    return WHOLE_SECONDS[d.seconds]!;
  }
  return create(DurationSchema, { seconds: BigInt(d.seconds), nanos: d.nanos });
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

/** anyPack(), with the type URL shared. */
export function pack<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): Any {
  let typeUrl = TYPE_URLS.get(schema.typeName);
  if (typeUrl === undefined) {
    typeUrl = `type.googleapis.com/${schema.typeName}`;
    TYPE_URLS.set(schema.typeName, typeUrl);
  }
  return create(AnySchema, { typeUrl, value: toBinary(schema, message) });
}

export function socketAddress(address: string, port: number): Address {
  return create(AddressSchema, {
    address: {
      case: 'socketAddress',
      value: create(SocketAddressSchema, { address, portSpecifier: { case: 'portValue', value: port } }),
    },
  });
}
