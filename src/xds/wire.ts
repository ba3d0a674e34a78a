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

/** DiscoveryResponse {version_info = 1, resources = 2, type_url = 4, nonce = 5}. */
export function discoveryResponseBytes(
  versionInfo: string,
  typeUrl: string,
  nonce: string,
  resources: readonly EncodedResource[],
): Uint8Array {
  const w = new BinaryWriter().uint32(10).string(versionInfo);
  for (const r of resources) w.uint32(18).bytes(anyBytes(r));
  return w.uint32(34).string(typeUrl).uint32(42).string(nonce).finish();
}

/** DeltaDiscoveryResponse {system_version_info = 1, resources = 2, type_url = 4, nonce = 5, removed_resources = 6}. */
export function deltaResponseBytes(
  systemVersionInfo: string,
  typeUrl: string,
  nonce: string,
  resources: readonly EncodedResource[],
  removed: readonly string[],
): Uint8Array {
  const w = new BinaryWriter().uint32(10).string(systemVersionInfo);
  for (const r of resources) w.uint32(18).bytes(deltaResourceBytes(r));
  w.uint32(34).string(typeUrl).uint32(42).string(nonce);
  for (const name of removed) w.uint32(50).string(name);
  return w.finish();
}
