// Pre-assembled response bytes: each resource's Any (and delta Resource) encoding is built once
// per EncodedResource object and shared by every stream that is sent it.
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import type { EncodedResource } from './types.js';

const anyCache = new WeakMap<EncodedResource, Uint8Array>();
const deltaResourceCache = new WeakMap<EncodedResource, Uint8Array>();

/** google.protobuf.Any {type_url = 1, value = 2} for one resource, cached per resource object. */
export function anyBytes(resource: EncodedResource): Uint8Array {
  let bytes = anyCache.get(resource);
  if (bytes === undefined) {
    bytes = new BinaryWriter().uint32(10).string(resource.typeUrl).uint32(18).bytes(resource.bytes).finish();
    anyCache.set(resource, bytes);
  }
  return bytes;
}

/** envoy.service.discovery.v3.Resource {version = 1, resource = 2, name = 3}, cached per resource object. */
export function deltaResourceBytes(resource: EncodedResource): Uint8Array {
  let bytes = deltaResourceCache.get(resource);
  if (bytes === undefined) {
    bytes = new BinaryWriter()
      .uint32(10)
      .string(resource.version)
      .uint32(18)
      .bytes(anyBytes(resource))
      .uint32(26)
      .string(resource.name)
      .finish();
    deltaResourceCache.set(resource, bytes);
  }
  return bytes;
}

const utf8 = new TextEncoder();

function varintSize(n: number): number {
  let size = 1;
  while (n > 0x7f) {
    n >>>= 7;
    size++;
  }
  return size;
}

/**
 * A response assembled into one buffer of its exact size: the fields (each a one-byte tag and
 * a length-delimited value) are measured first, then copied once. BinaryWriter would grow its
 * buffer by doubling and copy it again at the end, which at a connect storm was most of the
 * cost of writing responses. The bytes are the same.
 */
function lengthDelimited(fields: readonly (readonly [tag: number, value: Uint8Array])[]): Uint8Array {
  let size = 0;
  for (const [, value] of fields) size += 1 + varintSize(value.byteLength) + value.byteLength;
  // Every byte is written below, so the buffer need not be zeroed first.
  const out = Buffer.allocUnsafe(size);
  let pos = 0;
  for (const [tag, value] of fields) {
    out[pos++] = tag;
    let n = value.byteLength;
    while (n > 0x7f) {
      out[pos++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    out[pos++] = n;
    out.set(value, pos);
    pos += value.byteLength;
  }
  return out;
}

/**
 * UTF-8 of strings that recur from response to response (type URLs, type versions): a storm
 * writes tens of thousands of responses with a handful of distinct values.
 */
const recurring = new Map<string, Uint8Array>();
function recurringUtf8(value: string): Uint8Array {
  let bytes = recurring.get(value);
  if (bytes === undefined) {
    if (recurring.size >= 1024) recurring.clear();
    bytes = utf8.encode(value);
    recurring.set(value, bytes);
  }
  return bytes;
}

/** DiscoveryResponse {version_info = 1, resources = 2, type_url = 4, nonce = 5}. */
export function discoveryResponseBytes(
  versionInfo: string,
  typeUrl: string,
  nonce: string,
  resources: readonly EncodedResource[],
): Uint8Array {
  const fields: (readonly [number, Uint8Array])[] = [[10, recurringUtf8(versionInfo)]];
  for (const r of resources) fields.push([18, anyBytes(r)]);
  fields.push([34, recurringUtf8(typeUrl)], [42, utf8.encode(nonce)]);
  return lengthDelimited(fields);
}

/** DeltaDiscoveryResponse {system_version_info = 1, resources = 2, type_url = 4, nonce = 5, removed_resources = 6}. */
export function deltaResponseBytes(
  systemVersionInfo: string,
  typeUrl: string,
  nonce: string,
  resources: readonly EncodedResource[],
  removed: readonly string[],
): Uint8Array {
  const fields: (readonly [number, Uint8Array])[] = [[10, recurringUtf8(systemVersionInfo)]];
  for (const r of resources) fields.push([18, deltaResourceBytes(r)]);
  fields.push([34, recurringUtf8(typeUrl)], [42, utf8.encode(nonce)]);
  for (const name of removed) fields.push([50, utf8.encode(name)]);
  return lengthDelimited(fields);
}
