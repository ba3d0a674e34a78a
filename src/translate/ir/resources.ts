// Typed, path-indexed access to a project's resources. Stored bodies are already validated
// and normalised by the API (references are `projects/P/global/…` paths, defaults applied),
// so reading them as their kind's type is safe.
import type { BackendService } from '../../model/kinds/backend-service.js';
import type { ForwardingRule } from '../../model/kinds/forwarding-rule.js';
import type { NetworkEndpointGroup } from '../../model/kinds/network-endpoint-group.js';
import type { TargetGrpcProxy, TargetHttpProxy, TargetTcpProxy } from '../../model/kinds/target-proxies.js';
import type { UrlMap } from '../../model/kinds/url-map.js';
import { type Collection, type ResourceRecord, resourcePath } from '../../store/types.js';
import type { TranslateInput } from '../types.js';

export interface BodyOf {
  forwardingRules: ForwardingRule;
  targetGrpcProxies: TargetGrpcProxy;
  targetHttpProxies: TargetHttpProxy;
  targetTcpProxies: TargetTcpProxy;
  urlMaps: UrlMap;
  backendServices: BackendService;
  networkEndpointGroups: NetworkEndpointGroup;
}
export type KnownCollection = keyof BodyOf;

/** One resource with its path and typed body. */
export interface Loaded<C extends KnownCollection> {
  path: string;
  name: string;
  /** `global` or `zones/<zone>`. */
  scope: string;
  body: BodyOf[C];
}

export class Resources {
  private readonly byPath = new Map<string, Loaded<KnownCollection>>();
  private readonly byCollection = new Map<Collection, Loaded<KnownCollection>[]>();

  constructor(input: TranslateInput) {
    for (const [collection, records] of Object.entries(input.resources) as [
      Collection,
      readonly ResourceRecord[],
    ][]) {
      const loaded = records
        .map((r) => ({
          path: resourcePath(r.project, r.scope, r.collection, r.name),
          name: r.name,
          scope: r.scope,
          body: r.body as unknown as BodyOf[KnownCollection],
        }))
        .sort((a, b) => compare(a.path, b.path));
      this.byCollection.set(collection, loaded);
      for (const l of loaded) this.byPath.set(l.path, l);
    }
  }

  /** The resource at `path` when it is of `collection`. */
  get<C extends KnownCollection>(collection: C, path: string): Loaded<C> | undefined {
    const found = this.byPath.get(path);
    return found !== undefined && collectionOf(path) === collection ? (found as Loaded<C>) : undefined;
  }

  /** Every resource of a collection, sorted by path. */
  list<C extends KnownCollection>(collection: C): readonly Loaded<C>[] {
    return (this.byCollection.get(collection) ?? []) as Loaded<C>[];
  }
}

/** `projects/P/global/urlMaps/x` → `urlMaps`. */
export function collectionOf(path: string): string | undefined {
  const parts = path.split('/');
  return parts.length >= 2 ? parts[parts.length - 2] : undefined;
}

/** The last segment of a resource path: the resource name. */
export function nameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Code-point string comparison: the same order everywhere, independent of locale. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
