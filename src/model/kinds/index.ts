import type { Collection } from '../../store/types.js';
import type { KindSpec } from '../kind.js';
import { backendServiceKind } from './backend-service.js';
import { forwardingRuleKind } from './forwarding-rule.js';
import { healthCheckKind } from './health-check.js';
import { instanceKind } from './instance.js';
import { networkKind } from './network.js';
import { networkEndpointGroupKind } from './network-endpoint-group.js';
import { targetGrpcProxyKind, targetHttpProxyKind, targetTcpProxyKind } from './target-proxies.js';
import { urlMapKind } from './url-map.js';

/** Every resource kind, in dependency order: a kind only refers to kinds before it. */
export const KINDS: readonly KindSpec[] = [
  networkKind,
  healthCheckKind,
  instanceKind,
  networkEndpointGroupKind,
  backendServiceKind,
  urlMapKind,
  targetHttpProxyKind,
  targetGrpcProxyKind,
  targetTcpProxyKind,
  forwardingRuleKind,
] as unknown as KindSpec[];

const byCollection = new Map<string, KindSpec>(KINDS.map((k) => [k.collection, k]));
const byKind = new Map<string, KindSpec>(KINDS.map((k) => [k.kind, k]));

export function kindForCollection(collection: string): KindSpec | undefined {
  return byCollection.get(collection);
}

/**
 * Finds a kind by `compute#urlMap`, `urlMap`, `UrlMap`, `urlMaps` or `url-maps`, so that
 * documents written for gcloud, for the API, or by hand all work.
 */
export function kindByName(name: string): KindSpec | undefined {
  const exact = byKind.get(name) ?? byCollection.get(name);
  if (exact) return exact;
  const wanted = name
    .replace(/^compute#/, '')
    .replace(/[-_]/g, '')
    .toLowerCase();
  return KINDS.find((k) => {
    const singular = k.kind.replace('compute#', '').toLowerCase();
    return wanted === singular || wanted === k.collection.toLowerCase();
  });
}

export function dependencyRank(collection: Collection): number {
  return KINDS.findIndex((k) => k.collection === collection);
}
