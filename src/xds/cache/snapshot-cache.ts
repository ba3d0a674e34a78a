import type { Message } from '@bufbuild/protobuf';
import { status } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { ClusterLoadAssignment } from '../../gen/envoy/config/endpoint/v3/endpoint_pb.js';
import type { Store } from '../../store/store.js';
import type { Change, ProjectRecord } from '../../store/types.js';
import { cluster } from '../../translate/envoy/cluster.js';
import { clusterLoadAssignment } from '../../translate/envoy/endpoint.js';
import { listener } from '../../translate/envoy/listener.js';
import { routeConfiguration } from '../../translate/envoy/route.js';
import {
  buildConfigIr,
  buildEndpointsIr,
  type IrConfig,
  type IrEndpoints,
  SERVER_LISTENER_PREFIX,
  serverListenerNames,
  translateConfig,
  translateEndpoints,
  translateServerListener,
} from '../../translate/index.js';
import type {
  ConfigOutput,
  EndpointsOutput,
  NodeView,
  TranslateInput,
  TranslateIssue,
} from '../../translate/types.js';
import {
  type ConfigSource,
  type EncodedResource,
  type NodeInfo,
  type Snapshot,
  type SnapshotChange,
  type Subscription,
  TYPE_URL,
  type TypeUrl,
  XdsRefusal,
} from '../types.js';
import { EmittedResources, sameIr } from './emitted.js';
import { Encoder, SCHEMA_OF, typeVersion } from './encode.js';
import { nodeViewOf } from './node-view.js';
import { type DemandSource, type Dirt, type HealthSource, ProjectState } from './project-state.js';
import { snapshotChange } from './snapshot-change.js';
import { OutputValidator } from './validate-output.js';

export interface SnapshotCacheOptions {
  logger: Logger;
  /**
   * Quiet period (default 100 ms, istiod's): a change after one is translated at once, the
   * changes that follow it closely are merged until one passes without a change.
   */
  debounceMs?: number;
  /** Upper bound on how long a continuous burst can delay translation. */
  debounceMaxMs?: number;
  /**
   * Check every view's output against Envoy's validation rules and for consistency before
   * publishing it (default true). Problems keep the view's last good snapshot in place.
   */
  validate?: boolean;
  /** Endpoint health (default: none, every endpoint UNKNOWN). */
  health?: HealthSource;
  /** Load clients report, for capacity spillover (default: none). */
  demand?: DemandSource;
}

/** One rebuild of a project's snapshots, for metrics and the debug log. */
export interface Rebuild {
  /**
   * `configuration`: every view translated again; `endpoints`: an endpoint, health or load
   * change, which re-translates only the affected ClusterLoadAssignments.
   */
  trigger: 'configuration' | 'endpoints';
  views: number;
  /** Translating, encoding and validating the new snapshots, publication excluded. */
  rebuildSeconds: number;
  /** Handing them to every subscribed stream, each building and queuing its responses. */
  publishSeconds: number;
}

/** Why a view's newest configuration was not published. */
export interface ViewError {
  view: NodeView;
  problems: string[];
  at: string;
}

interface Subscriber {
  node: NodeInfo;
  onChange: (snapshot: Snapshot, change?: SnapshotChange) => void;
  key: string;
}

interface View {
  view: NodeView;
  config: ConfigOutput;
  endpoints: EndpointsOutput;
  snapshot: Snapshot;
  subscribers: Set<Subscriber>;
  /** Stage two of the last rebuilds, per resource: a rebuild redoes only what changed. */
  emitted: EmittedResources;
  /** The gRPC server listeners the published snapshot carries. */
  serverListenerNames: readonly string[];
}

/**
 * The ConfigSource behind the xDS server: keeps each project's resources in memory from
 * the store's change feed, translates once per distinct node view, encodes each resource
 * once, and publishes a snapshot only when it differs. Configuration changes are debounced;
 * endpoint changes re-translate only the affected ClusterLoadAssignments.
 */
export class SnapshotCache implements ConfigSource {
  private readonly entries = new Map<string, Promise<ProjectEntry>>();
  /** Projects found by number: each stream of a connect storm would otherwise read the store. */
  private readonly projectsByNumber = new Map<string, ProjectRecord>();
  private readonly unsubscribe: () => void;
  /** Observers of every rebuild (the metrics route). */
  readonly rebuilds = new Set<(rebuild: Rebuild) => void>();

  constructor(
    private readonly store: Store,
    private readonly opts: SnapshotCacheOptions,
  ) {
    this.unsubscribe = store.subscribe((changes) => this.onChanges(changes));
  }

  async subscribe(
    node: NodeInfo,
    onChange: (snapshot: Snapshot, change?: SnapshotChange) => void,
  ): Promise<Subscription> {
    const entry = await this.admit(node);
    return entry.add(node, onChange);
  }

  async check(node: NodeInfo): Promise<void> {
    await this.admit(node);
  }

  /** Translation problems and refused publications, per loaded project. */
  async status(projectId: string): Promise<{ issues: TranslateIssue[]; errors: ViewError[] } | undefined> {
    const entry = this.entries.get(projectId);
    if (!entry) return undefined;
    return (await entry).status();
  }

  /** What a node would be sent now, without subscribing (for visibility). */
  async preview(
    node: NodeInfo,
  ): Promise<{ view: NodeView; config: ConfigOutput; endpoints: EndpointsOutput }> {
    const entry = await this.admit(node);
    return entry.preview(node);
  }

  /** Endpoint health changed in these NEGs: re-translate the affected ClusterLoadAssignments. */
  healthChanged(projectId: string, negs: ReadonlySet<string>): void {
    void this.entries.get(projectId)?.then((e) => e.healthChanged(negs));
  }

  /** A load report arrived for a project: re-evaluate capacity spillover (at most once a second). */
  loadReported(projectNumber: string): void {
    for (const entry of this.entries.values()) {
      void entry.then((e) => {
        if (e.state.project.number === projectNumber) e.loadReported();
      });
    }
  }

  close(): void {
    this.unsubscribe();
    for (const entry of this.entries.values()) void entry.then((e) => e.close());
  }

  private async admit(node: NodeInfo): Promise<ProjectEntry> {
    let project = this.projectsByNumber.get(node.projectNumber);
    if (project === undefined) {
      project = await this.store.getProjectByNumber(node.projectNumber);
      if (project) this.projectsByNumber.set(node.projectNumber, project);
    }
    if (!project) throw new XdsRefusal(status.NOT_FOUND, 'Requested entity was not found.');
    const entry = await this.entry(project);
    if (!entry.state.hasMeshForwardingRule(node.network)) {
      throw new XdsRefusal(
        status.NOT_FOUND,
        `Vane configuration was not found for network "${node.network}" in project "${node.projectNumber}".`,
      );
    }
    return entry;
  }

  private entry(project: ProjectRecord): Promise<ProjectEntry> {
    let entry = this.entries.get(project.id);
    if (!entry) {
      entry = ProjectState.load(this.store, project, this.opts).then(
        (state) => new ProjectEntry(this.store, state, this.opts, this.rebuilds),
      );
      this.entries.set(project.id, entry);
      entry.catch(() => this.entries.delete(project.id));
    }
    return entry;
  }

  private onChanges(changes: Change[]): void {
    if (changes.some((c) => c.kind === 'projects')) this.projectsByNumber.clear();
    const byProject = new Map<string, Change[]>();
    for (const c of changes) {
      const list = byProject.get(c.project) ?? [];
      list.push(c);
      byProject.set(c.project, list);
    }
    for (const [project, list] of byProject) {
      const entry = this.entries.get(project);
      if (!entry) continue;
      if (list.some((c) => c.kind === 'projects')) {
        // Deleted (or re-created): start again from the store.
        this.entries.delete(project);
        void entry.then(async (e) => {
          const record = await this.store.getProject(project);
          e.replaceState(
            record
              ? await ProjectState.load(this.store, record, this.opts)
              : ProjectState.empty(e.state.project),
          );
        });
        continue;
      }
      void entry.then((e) => e.changed(list));
    }
  }
}

class ProjectEntry {
  private readonly views = new Map<string, View>();
  private readonly encoder = new Encoder();
  private readonly validator = new OutputValidator();
  private serverListeners = new Map<string, EncodedResource>();
  /** The previous configuration's server listeners: reused, then dropped at the next one. */
  private previousServerListeners = new Map<string, EncodedResource>();
  private readonly serverListenerNameCache = new WeakMap<TranslateInput, Map<string, readonly string[]>>();
  private pending: Dirt = { config: false, negs: new Set() };
  private timer: NodeJS.Timeout | undefined;
  /** A flush queued for the end of the current event-loop turn: the first change after a quiet period. */
  private leading: NodeJS.Immediate | undefined;
  private burstStart = 0;
  /** When the last change was scheduled: a change after `debounceMs` of quiet is pushed at once. */
  private lastChangeAt = Number.NEGATIVE_INFINITY;
  private loadTimer: NodeJS.Timeout | undefined;
  /** When the first change of the pending burst arrived. */
  private pendingSince: number | undefined;
  private work: Promise<void> = Promise.resolve();
  private errors: ViewError[] = [];
  private labels: Set<string>;

  /** Time spent in publish() during the current rebuild. */
  private publishMs = 0;

  constructor(
    private readonly store: Store,
    public state: ProjectState,
    private readonly opts: SnapshotCacheOptions,
    private readonly rebuilds: ReadonlySet<(rebuild: Rebuild) => void>,
  ) {
    this.labels = state.filterLabels();
  }

  add(node: NodeInfo, onChange: (snapshot: Snapshot, change?: SnapshotChange) => void): Subscription {
    const view = nodeViewOf(node, this.labels);
    const key = JSON.stringify(view);
    const sub: Subscriber = { node, onChange, key };
    const entry = this.views.get(key) ?? this.build(view, key);
    entry.subscribers.add(sub);
    return {
      current: () => this.views.get(sub.key)?.snapshot ?? EMPTY,
      close: () => {
        const v = this.views.get(sub.key);
        v?.subscribers.delete(sub);
        if (v && v.subscribers.size === 0) this.views.delete(sub.key);
      },
    };
  }

  preview(node: NodeInfo): { view: NodeView; config: ConfigOutput; endpoints: EndpointsOutput } {
    const view = nodeViewOf(node, this.labels);
    const input = this.state.input();
    return { view, config: translateConfig(input, view), endpoints: translateEndpoints(input, view) };
  }

  status(): { issues: TranslateIssue[]; errors: ViewError[] } {
    const seen = new Set<string>();
    const issues: TranslateIssue[] = [];
    for (const v of this.views.values()) {
      for (const issue of [...v.config.issues, ...v.endpoints.issues]) {
        const key = `${issue.resource}|${issue.location}|${issue.message}`;
        if (!seen.has(key)) {
          seen.add(key);
          issues.push(issue);
        }
      }
    }
    return { issues, errors: [...this.errors] };
  }

  changed(changes: Change[]): void {
    const seenAt = Date.now();
    this.work = this.work
      .then(async () => {
        const dirt = await this.state.apply(this.store, changes);
        this.schedule(dirt, seenAt);
      })
      .catch((err: unknown) =>
        this.opts.logger.error({ err, project: this.state.project.id }, 'applying changes failed'),
      );
  }

  healthChanged(negs: ReadonlySet<string>): void {
    this.state.sourcesChanged();
    this.schedule({ config: false, negs: new Set(negs) }, Date.now());
  }

  loadReported(): void {
    if (this.loadTimer !== undefined) return;
    this.loadTimer = setTimeout(() => {
      this.loadTimer = undefined;
      const negs = this.state.rateLimitedNegs();
      if (negs.size === 0) return;
      // Output that does not change (no spill before or after) is not pushed.
      this.state.sourcesChanged();
      this.schedule({ config: false, negs }, Date.now());
    }, 1000);
  }

  replaceState(state: ProjectState): void {
    this.state = state;
    this.schedule({ config: true, negs: new Set() }, Date.now());
  }

  close(): void {
    clearTimeout(this.timer);
    clearImmediate(this.leading);
    clearTimeout(this.loadTimer);
  }

  /**
   * Leading-edge debounce. The first change after `debounceMs` without one is pushed at once
   * (at the end of this event-loop turn, so changes made together still go together); changes
   * that follow it closely are merged until `debounceMs` pass without one, at most
   * `debounceMaxMs` after the first of them. An isolated change (a health flip, one REST call)
   * pays no quiet period; a burst still costs one rebuild after its first change.
   */
  private schedule(dirt: Dirt, seenAt: number): void {
    if (!dirt.config && dirt.negs.size === 0) return;
    this.pendingSince ??= seenAt;
    this.pending.config ||= dirt.config;
    for (const neg of dirt.negs) this.pending.negs.add(neg);
    const quiet = this.opts.debounceMs ?? 100;
    const max = this.opts.debounceMaxMs ?? 1000;
    const now = Date.now();
    const wasQuiet = now - this.lastChangeAt >= quiet;
    this.lastChangeAt = now;
    if (this.leading !== undefined) return;
    if (this.timer === undefined && wasQuiet) {
      this.leading = setImmediate(() => this.flush());
      return;
    }
    if (this.timer === undefined) this.burstStart = now;
    clearTimeout(this.timer);
    const wait = Math.max(0, Math.min(quiet, this.burstStart + max - now));
    this.timer = setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.leading = undefined;
    const dirt = this.pending;
    const changedAt = this.pendingSince;
    this.pending = { config: false, negs: new Set() };
    this.pendingSince = undefined;
    this.work = this.work.then(() => this.rebuild(dirt, changedAt));
  }

  private rebuild(dirt: Dirt, changedAt: number | undefined): void {
    const start = performance.now();
    this.publishMs = 0;
    const trigger = this.rebuildViews(dirt, changedAt);
    if (trigger === undefined) return;
    const totalMs = performance.now() - start;
    const rebuild: Rebuild = {
      trigger,
      views: this.views.size,
      rebuildSeconds: (totalMs - this.publishMs) / 1000,
      publishSeconds: this.publishMs / 1000,
    };
    this.opts.logger.debug(
      {
        project: this.state.project.id,
        trigger,
        views: rebuild.views,
        rebuildMs: Math.round(totalMs - this.publishMs),
        publishMs: Math.round(this.publishMs),
      },
      'snapshots rebuilt',
    );
    for (const observe of this.rebuilds) observe(rebuild);
  }

  /** Rebuilds and publishes the views the dirt concerns; what triggered it, if anything was. */
  private rebuildViews(dirt: Dirt, changedAt: number | undefined): Rebuild['trigger'] | undefined {
    this.encoder.nextGeneration();
    if (dirt.config) {
      this.previousServerListeners = this.serverListeners;
      this.serverListeners = new Map();
      const labels = this.state.filterLabels();
      const relabel = labels.size !== this.labels.size || [...labels].some((l) => !this.labels.has(l));
      this.labels = labels;
      const old = new Map(this.views);
      this.views.clear();
      if (relabel) {
        // Metadata filters changed which labels matter: re-key every subscriber.
        for (const sub of [...old.values()].flatMap((v) => [...v.subscribers])) {
          const view = nodeViewOf(sub.node, labels);
          sub.key = JSON.stringify(view);
          const before = old.get(sub.key);
          const entry =
            this.views.get(sub.key) ??
            this.build(view, sub.key, before?.snapshot, changedAt, before?.emitted);
          entry.subscribers.add(sub);
        }
      } else {
        // Views are keyed by the labels that matter, which did not change: each keeps its subscribers.
        for (const [key, before] of old) {
          const entry = this.build(before.view, key, before.snapshot, changedAt, before.emitted);
          entry.subscribers = before.subscribers;
        }
      }
      for (const [key, v] of this.views) this.publish(v, old.get(key)?.snapshot);
      return 'configuration';
    }
    const clusters = this.state.servicesUsing(dirt.negs);
    if (clusters.size === 0) return undefined;
    const input = this.state.input();
    for (const v of this.views.values()) {
      const previous = v.snapshot;
      if (this.errors.some((e) => JSON.stringify(e.view) === JSON.stringify(v.view))) {
        // The published snapshot is an older good one: rebuild it whole.
        this.assemble(v, buildConfigIr(input, v.view), buildEndpointsIr(input, v.view), previous, changedAt);
      } else {
        this.assembleEndpoints(v, buildEndpointsIr(input, v.view, clusters), clusters, previous, changedAt);
      }
      this.publish(v, previous);
    }
    return 'endpoints';
  }

  /**
   * The endpoint fast path: listeners (but the gRPC server ones), routes and clusters are
   * taken from the previous snapshot as they are; only the changed clusters'
   * ClusterLoadAssignments are encoded and validated.
   */
  private assembleEndpoints(
    v: View,
    fresh: IrEndpoints,
    changed: ReadonlySet<string>,
    previous: Snapshot,
    changedAt: number | undefined,
  ): void {
    const problems: string[] = [];
    const validate = this.opts.validate !== false;
    const eds = new Map(previous.resources.get(TYPE_URL.endpoint));
    for (const name of changed) eds.delete(name);
    const messages = new Map<string, ClusterLoadAssignment>();
    for (const ir of fresh.endpoints) {
      const e = v.emitted.emit(TYPE_URL.endpoint, ir.clusterName, ir, clusterLoadAssignment);
      problems.push(...e.problems);
      eds.set(ir.clusterName, e.encoded);
      messages.set(ir.clusterName, e.message);
    }
    v.endpoints = {
      endpoints: [
        ...v.endpoints.endpoints.filter((m) => !changed.has(m.clusterName)),
        ...messages.values(),
      ].sort((a, b) => (a.clusterName < b.clusterName ? -1 : 1)),
      issues: fresh.issues,
    };
    const resources = new Map(previous.resources);
    const versions = new Map(previous.versions);
    // gRPC server listeners follow endpoint addresses: a health change leaves them (and so
    // the whole LDS type, thousands of names at scale) as they were.
    const serverListenerNames = this.serverListenerNamesOf(v.view);
    if (!sameIr(serverListenerNames, v.serverListenerNames)) {
      const listeners = new Map(
        [...(previous.resources.get(TYPE_URL.listener) ?? [])].filter(
          ([name]) => !name.startsWith(SERVER_LISTENER_PREFIX),
        ),
      );
      this.addServerListeners(v.view, serverListenerNames, listeners, validate ? problems : undefined);
      resources.set(TYPE_URL.listener, listeners);
      versions.set(TYPE_URL.listener, typeVersion(listeners));
    }
    if (problems.length > 0) {
      this.refuse(v, problems);
      return;
    }
    resources.set(TYPE_URL.endpoint, eds);
    versions.set(TYPE_URL.endpoint, typeVersion(eds));
    // What is carried over stays in the encoder's generation: the next rebuild then finds the
    // same objects (already validated, their wire encodings cached) instead of new ones.
    // Server listeners are kept by their own maps, not the encoder's: of LDS, only the view's
    // own listeners are walked, not the thousands of server listeners beside them.
    for (const [typeUrl, byName] of resources) {
      if (typeUrl !== TYPE_URL.listener) for (const r of byName.values()) this.encoder.retain(r);
    }
    const lds = resources.get(TYPE_URL.listener);
    for (const l of v.config.listeners) {
      const r = lds?.get(l.name);
      if (r !== undefined) this.encoder.retain(r);
    }
    v.serverListenerNames = serverListenerNames;
    v.snapshot = { resources, versions, ...(changedAt === undefined ? {} : { changedAt }) };
  }

  /** Records why a view's newest configuration was not published; its snapshot stays as it was. */
  private refuse(v: View, problems: string[]): void {
    const key = JSON.stringify(v.view);
    this.errors = [
      ...this.errors.filter((e) => JSON.stringify(e.view) !== key),
      { view: v.view, problems, at: new Date().toISOString() },
    ].slice(-50);
    this.opts.logger.error(
      { project: this.state.project.id, view: v.view, problems: problems.slice(0, 10) },
      'configuration failed validation; keeping the last good snapshot',
    );
  }

  /** Translates and encodes a view; a view whose output fails validation keeps `fallback`. */
  private build(
    view: NodeView,
    key: string,
    fallback?: Snapshot,
    changedAt?: number,
    emitted = new EmittedResources(this.encoder, this.opts.validate === false ? undefined : this.validator),
  ): View {
    const input = this.state.input();
    const entry: View = {
      view,
      config: { listeners: [], routes: [], clusters: [], issues: [] },
      endpoints: { endpoints: [], issues: [] },
      snapshot: fallback ?? EMPTY,
      subscribers: new Set(),
      emitted,
      serverListenerNames: [],
    };
    this.assemble(
      entry,
      buildConfigIr(input, view),
      buildEndpointsIr(input, view),
      fallback ?? EMPTY,
      changedAt,
    );
    this.views.set(key, entry);
    return entry;
  }

  private assemble(
    v: View,
    config: IrConfig,
    endpoints: IrEndpoints,
    fallback: Snapshot,
    changedAt?: number,
  ): void {
    const validate = this.opts.validate !== false;
    const problems: string[] = [];
    const resources = new Map<TypeUrl, Map<string, EncodedResource>>();
    v.emitted.begin();
    const add = <I extends object, M extends Message>(
      typeUrl: TypeUrl,
      irs: readonly I[],
      nameOf: (ir: I) => string,
      translate: (ir: I) => M,
    ): M[] => {
      const byName = new Map<string, EncodedResource>();
      const messages: M[] = [];
      for (const ir of irs) {
        const name = nameOf(ir);
        const e = v.emitted.emit(typeUrl, name, ir, translate);
        problems.push(...e.problems);
        byName.set(name, e.encoded);
        messages.push(e.message);
      }
      resources.set(typeUrl, byName);
      return messages;
    };
    v.config = {
      listeners: add(TYPE_URL.listener, config.listeners, (l) => l.name, listener),
      routes: add(TYPE_URL.route, config.routeConfigs, (r) => r.name, routeConfiguration),
      clusters: add(TYPE_URL.cluster, config.clusters, (c) => c.name, cluster),
      issues: config.issues,
    };
    v.endpoints = {
      endpoints: add(TYPE_URL.endpoint, endpoints.endpoints, (e) => e.clusterName, clusterLoadAssignment),
      issues: endpoints.issues,
    };
    v.emitted.commit();
    const serverListenerNames = this.serverListenerNamesOf(v.view);
    this.addServerListeners(
      v.view,
      serverListenerNames,
      resources.get(TYPE_URL.listener)!,
      validate ? problems : undefined,
    );
    if (validate) problems.push(...this.validator.snapshot({ ...v.config, ...v.endpoints }));
    if (problems.length > 0) {
      this.refuse(v, problems);
      v.snapshot = fallback;
      return;
    }
    if (this.errors.length > 0)
      this.errors = this.errors.filter((e) => JSON.stringify(e.view) !== JSON.stringify(v.view));
    v.serverListenerNames = serverListenerNames;
    const published = new Map<TypeUrl, ReadonlyMap<string, EncodedResource>>(resources);
    const versions = new Map<TypeUrl, string>();
    for (const [typeUrl, byName] of resources) {
      // A type whose resources are all the ones the previous snapshot held keeps its map and
      // version: no sorting and hashing of thousands of names (server listeners, at scale).
      const before = fallback.resources.get(typeUrl);
      const version = fallback.versions.get(typeUrl);
      if (before !== undefined && version !== undefined && sameResources(before, byName)) {
        published.set(typeUrl, before);
        versions.set(typeUrl, version);
      } else {
        versions.set(typeUrl, typeVersion(byName));
      }
    }
    v.snapshot = { resources: published, versions, ...(changedAt === undefined ? {} : { changedAt }) };
  }

  /**
   * gRPC server listeners, one per endpoint address: their content depends only on their
   * name, so each is translated, validated and encoded once and reused by every view.
   */
  private addServerListeners(
    view: NodeView,
    names: readonly string[],
    listeners: Map<string, EncodedResource>,
    problems: string[] | undefined,
  ): void {
    for (const name of names) {
      let encoded = this.serverListeners.get(name) ?? this.previousServerListeners.get(name);
      if (encoded) this.serverListeners.set(name, encoded);
      else {
        const message = translateServerListener(view, name);
        if (!message) continue;
        encoded = this.encoder.encode(TYPE_URL.listener, SCHEMA_OF[TYPE_URL.listener], name, message);
        const found = this.validator.resource(encoded, SCHEMA_OF[TYPE_URL.listener], message);
        if (found.length > 0) {
          problems?.push(...found);
          continue;
        }
        this.serverListeners.set(name, encoded);
      }
      listeners.set(name, encoded);
    }
  }

  /** serverListenerNames, once per input and network (every view of a network shares them). */
  private serverListenerNamesOf(view: NodeView): readonly string[] {
    const input = this.state.input();
    let byNetwork = this.serverListenerNameCache.get(input);
    if (byNetwork === undefined) {
      byNetwork = new Map();
      this.serverListenerNameCache.set(input, byNetwork);
    }
    const key = `${view.kind}\u0000${view.network}`;
    let names = byNetwork.get(key);
    if (names === undefined) {
      names = serverListenerNames(input, view);
      byNetwork.set(key, names);
    }
    return names;
  }

  private publish(v: View, previous: Snapshot | undefined): void {
    if (previous && sameVersions(previous, v.snapshot)) return;
    const start = performance.now();
    // Computed once per view, so that each of its streams evaluates only what it subscribes to.
    const change = previous === undefined ? undefined : snapshotChange(previous, v.snapshot);
    for (const sub of v.subscribers) {
      try {
        sub.onChange(v.snapshot, change);
      } catch (err) {
        this.opts.logger.error({ err, node: sub.node.id }, 'snapshot subscriber failed');
      }
    }
    this.publishMs += performance.now() - start;
  }
}

const EMPTY: Snapshot = {
  resources: new Map(Object.values(TYPE_URL).map((t) => [t, new Map()])),
  versions: new Map(Object.values(TYPE_URL).map((t) => [t, typeVersion(new Map())])),
};

function sameVersions(a: Snapshot, b: Snapshot): boolean {
  for (const t of Object.values(TYPE_URL)) if (a.versions.get(t) !== b.versions.get(t)) return false;
  return true;
}

/** Whether two maps hold the same resource objects under the same names. */
function sameResources(
  a: ReadonlyMap<string, EncodedResource>,
  b: ReadonlyMap<string, EncodedResource>,
): boolean {
  if (a.size !== b.size) return false;
  for (const [name, r] of b) if (a.get(name) !== r) return false;
  return true;
}
