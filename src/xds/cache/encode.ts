import * as crypto from 'node:crypto';
import type { DescMessage, Message } from '@bufbuild/protobuf';
import { ClusterSchema } from '../../gen/envoy/config/cluster/v3/cluster_pb.js';
import { ClusterLoadAssignmentSchema } from '../../gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { ListenerSchema } from '../../gen/envoy/config/listener/v3/listener_pb.js';
import { RouteConfigurationSchema } from '../../gen/envoy/config/route/v3/route_pb.js';
import { encodeBinary } from '../../protobuf/binary-encoder.js';
import { type EncodedResource, TYPE_URL, type TypeUrl } from '../types.js';

export const SCHEMA_OF: Record<TypeUrl, DescMessage> = {
  [TYPE_URL.listener]: ListenerSchema,
  [TYPE_URL.route]: RouteConfigurationSchema,
  [TYPE_URL.cluster]: ClusterSchema,
  [TYPE_URL.endpoint]: ClusterLoadAssignmentSchema,
};

/** crypto.hash (Node ≥ 20.12) hashes in one call, without a Hash object per resource. */
const sha256: (bytes: Uint8Array) => string =
  typeof crypto.hash === 'function'
    ? (bytes) => crypto.hash('sha256', bytes, 'base64url')
    : (bytes) => crypto.createHash('sha256').update(bytes).digest('base64url');

/** A short content hash: equal bytes, equal version, on every restart and every replica. */
export function contentHash(bytes: Uint8Array): string {
  return sha256(bytes).slice(0, 16);
}

/**
 * Encodes resources once: an identical resource (same type, name and bytes) already
 * encoded for another view, or for the previous snapshot, is reused as the same object, so
 * its bytes are shared and transports can cache per-object encodings.
 */
export class Encoder {
  /**
   * By version (the content hash): a resource's bytes carry its name, so equal versions are
   * equal resources; the type and name are checked all the same, and a resource that does not
   * match is simply not shared.
   */
  private previous = new Map<string, EncodedResource>();
  private current = new Map<string, EncodedResource>();

  encode(typeUrl: TypeUrl, schema: DescMessage, name: string, message: Message): EncodedResource {
    const bytes = encodeBinary(schema, message);
    const version = contentHash(bytes);
    let resource = this.current.get(version);
    if (resource === undefined || resource.typeUrl !== typeUrl || resource.name !== name) {
      const known = this.previous.get(version);
      resource =
        known !== undefined && known.typeUrl === typeUrl && known.name === name
          ? known
          : { name, typeUrl, version, bytes };
      this.current.set(version, resource);
    }
    return resource;
  }

  /**
   * Keeps a resource of the previous generation in the current one without encoding it again
   * (a snapshot that carries it over as it is), so the next generation still finds it.
   */
  retain(resource: EncodedResource): void {
    this.current.set(resource.version, resource);
  }

  /** Starts a generation: resources not encoded again since the last call are dropped. */
  nextGeneration(): void {
    this.previous = this.current;
    this.current = new Map();
  }
}

/** Per type: a hash of all (name, version) pairs in name order. */
export function typeVersion(resources: ReadonlyMap<string, EncodedResource>): string {
  const hash = crypto.createHash('sha256');
  for (const name of [...resources.keys()].sort())
    hash.update(`${name}\u0000${resources.get(name)!.version}\u0000`);
  return hash.digest('base64url').slice(0, 16);
}
