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

/** One index per input: see `Resources.of`. */
const shared = new WeakMap<TranslateInput['resources'], Resources>();

export class Resources {
  /** Records by collection, then path: `get` checks the kind by where it looks. */
  private readonly byPath = new Map<Collection, Map<string, Loaded<KnownCollection>>>();
  private readonly byCollection = new Map<Collection, Loaded<KnownCollection>[]>();

  /**
   * The index of an input's resources, built once and shared by every translation of that
   * input (config and endpoints, every node view). Safe because an input is not changed once
   * built: a change makes a new input, with a new `resources` object.
   */
  static of(input: TranslateInput): Resources {
    let res = shared.get(input.resources);
    if (res === undefined) {
      res = new Resources(input);
      shared.set(input.resources, res);
    }
    return res;
  }

  private constructor(input: TranslateInput) {
    for (const [collection, records] of Object.entries(input.resources) as [
      Collection,
      readonly ResourceRecord[],
    ][]) {
      const loaded: Loaded<KnownCollection>[] = [];
      for (const r of records) {
        const l = {
          path: resourcePath(r.project, r.scope, r.collection, r.name),
          name: r.name,
          scope: r.scope,
          body: r.body as unknown as BodyOf[KnownCollection],
        };
        loaded.push(l);
        let paths = this.byPath.get(r.collection);
        if (paths === undefined) {
          paths = new Map();
          this.byPath.set(r.collection, paths);
        }
        paths.set(l.path, l);
      }
      this.byCollection.set(
        collection,
        loaded.sort((a, b) => compare(a.path, b.path)),
      );
    }
  }

  /** The resource at `path` when it is of `collection`. */
  get<C extends KnownCollection>(collection: C, path: string): Loaded<C> | undefined {
    return this.byPath.get(collection)?.get(path) as Loaded<C> | undefined;
  }

  /** Every resource of a collection, sorted by path. */
  list<C extends KnownCollection>(collection: C): readonly Loaded<C>[] {
    return (this.byCollection.get(collection) ?? []) as Loaded<C>[];
  }
}

/** `projects/P/global/urlMaps/x` → `urlMaps`. */
export function collectionOf(path: string): string | undefined {
  const last = path.lastIndexOf('/');
  if (last < 0) return undefined;
  return path.slice(path.lastIndexOf('/', last - 1) + 1, last);
}

/** The last segment of a resource path: the resource name. */
export function nameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Code-point string comparison: the same order everywhere, independent of locale. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
