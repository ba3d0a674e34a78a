import { KINDS } from '../../model/kinds/index.js';
import { allEndpoints } from '../../store/all-endpoints.js';
import type { Store } from '../../store/store.js';
import type {
  Change,
  Collection,
  NetworkEndpoint,
  ProjectRecord,
  ResourceRecord,
} from '../../store/types.js';
import type { HealthStatus, TranslateInput } from '../../translate/types.js';

/** Endpoint health of a project, keyed `<negPath>|<ip>|<port>` (the health checker's view). */
export type HealthSource = (projectId: string) => ReadonlyMap<string, HealthStatus>;

/** Requests per second per `<backendService>|<clientZone>` of a project, by project number (load reports). */
export type DemandSource = (projectNumber: string) => ReadonlyMap<string, number>;

export interface StateSources {
  health?: HealthSource;
  demand?: DemandSource;
}

/** What a batch of changes touched: configuration (anything but endpoints) and/or the endpoints of some NEGs. */
export interface Dirt {
  config: boolean;
  /** NEG paths whose endpoints changed. */
  negs: Set<string>;
}

/**
 * One project's resources and endpoints, kept in memory and updated from the change
 * feed, so translation never waits on the store. Health comes from outside (the health
 * checker) through `setHealth`.
 */
export class ProjectState {
  private resources = new Map<Collection, Map<string, ResourceRecord>>();
  private endpoints = new Map<string, readonly NetworkEndpoint[]>();
  private cached: TranslateInput | undefined;
  /**
   * The input's resources, kept while no resource changes: an endpoint, health or load change
   * makes a new input with the same resources object, so translation's index of them and
   * each view's visibility (both kept per resources object) carry over.
   */
  private cachedResources: TranslateInput['resources'] | undefined;

  private constructor(
    readonly project: ProjectRecord,
    private readonly sources: StateSources,
  ) {}

  static async load(store: Store, project: ProjectRecord, sources: StateSources = {}): Promise<ProjectState> {
    const state = new ProjectState(project, sources);
    for (const spec of KINDS) {
      const records = await store.listResources(project.id, spec.collection);
      state.resources.set(spec.collection, new Map(records.map((r) => [pathOf(r), r])));
    }
    for (const neg of state.resources.get('networkEndpointGroups')?.keys() ?? []) {
      state.endpoints.set(neg, await allEndpoints(store, neg));
    }
    return state;
  }

  /** A project that no longer exists: nothing to serve. */
  static empty(project: ProjectRecord): ProjectState {
    return new ProjectState(project, {});
  }

  /** Re-reads what `changes` name; returns what became dirty. */
  async apply(store: Store, changes: readonly Change[]): Promise<Dirt> {
    const dirt: Dirt = { config: false, negs: new Set() };
    for (const change of changes) {
      if (change.kind === 'guestAttributes' || change.kind === 'projects') continue;
      if (change.kind === 'networkEndpoints') {
        const neg = `projects/${change.project}/${change.scope}/networkEndpointGroups/${change.name}`;
        dirt.negs.add(neg);
        continue;
      }
      const path = `projects/${change.project}/${change.scope}/${change.kind}/${change.name}`;
      const rec = await store.getResource(path);
      const byPath = this.resources.get(change.kind) ?? new Map<string, ResourceRecord>();
      this.resources.set(change.kind, byPath);
      if (rec) byPath.set(path, rec);
      else byPath.delete(path);
      this.cachedResources = undefined;
      if (change.kind === 'networkEndpointGroups') dirt.negs.add(path);
      if (change.kind !== 'instances') dirt.config = true;
    }
    for (const neg of dirt.negs) {
      if (this.resources.get('networkEndpointGroups')?.has(neg))
        this.endpoints.set(neg, await allEndpoints(store, neg));
      else this.endpoints.delete(neg);
    }
    if (dirt.config || dirt.negs.size > 0) this.cached = undefined;
    return dirt;
  }

  /** Health or load changed: the next input() reads them again. */
  sourcesChanged(): void {
    this.cached = undefined;
  }

  /** NEGs of backend services with a RATE capacity: the ones load can spill. */
  rateLimitedNegs(): Set<string> {
    const out = new Set<string>();
    for (const rec of this.resources.get('backendServices')?.values() ?? []) {
      const backends = (rec.body.backends ?? []) as { group: string; balancingMode?: string }[];
      if (backends.some((b) => b.balancingMode === 'RATE')) for (const b of backends) out.add(b.group);
    }
    return out;
  }

  /** The translation input; the same object until something changes. */
  input(): TranslateInput {
    if (this.cached !== undefined) return this.cached;
    this.cachedResources ??= Object.fromEntries(
      [...this.resources].map(([collection, byPath]) => [collection, [...byPath.values()]]),
    );
    this.cached = {
      project: { id: this.project.id, number: this.project.number },
      resources: this.cachedResources,
      endpoints: new Map(this.endpoints),
      health: this.sources.health?.(this.project.id) ?? new Map(),
      ...(this.sources.demand === undefined ? {} : { demand: this.sources.demand(this.project.number) }),
    };
    return this.cached;
  }

  /** Whether a forwarding rule of the mesh scheme exists in the network (Traffic Director's admission rule). */
  hasMeshForwardingRule(network: string): boolean {
    const networkPath = `projects/${this.project.id}/global/networks/${network}`;
    for (const rec of this.resources.get('forwardingRules')?.values() ?? []) {
      if (rec.body.network === networkPath && rec.body.loadBalancingScheme === 'INTERNAL_SELF_MANAGED')
        return true;
    }
    return false;
  }

  /** Metadata keys that any metadataFilter of the project names. */
  filterLabels(): Set<string> {
    const out = new Set<string>();
    const visit = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(visit);
      else if (value !== null && typeof value === 'object') {
        for (const [key, v] of Object.entries(value)) {
          if (key === 'filterLabels' && Array.isArray(v)) {
            for (const label of v)
              if (typeof (label as { name?: unknown }).name === 'string')
                out.add((label as { name: string }).name);
          } else visit(v);
        }
      }
    };
    for (const collection of ['forwardingRules', 'urlMaps'] as const) {
      for (const rec of this.resources.get(collection)?.values() ?? []) visit(rec.body);
    }
    return out;
  }

  /** Backend services (cluster names) that use any of `negs`. */
  servicesUsing(negs: ReadonlySet<string>): Set<string> {
    const out = new Set<string>();
    for (const rec of this.resources.get('backendServices')?.values() ?? []) {
      const backends = (rec.body.backends ?? []) as { group?: string }[];
      if (backends.some((b) => b.group !== undefined && negs.has(b.group))) out.add(rec.name);
    }
    return out;
  }
}

function pathOf(r: ResourceRecord): string {
  return `projects/${r.project}/${r.scope}/${r.collection}/${r.name}`;
}
