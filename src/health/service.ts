import type { Logger } from 'pino';
import type { BackendService } from '../model/kinds/backend-service.js';
import type { HealthCheck } from '../model/kinds/health-check.js';
import type { NetworkEndpointGroup } from '../model/kinds/network-endpoint-group.js';
import { allEndpoints } from '../store/all-endpoints.js';
import type { Store } from '../store/store.js';
import type { Change, ResourceRecord } from '../store/types.js';
import { FAIL_OPEN_UNHEALTHY_FRACTION } from '../translate/ir/endpoints.js';
import type { HealthStatus } from '../translate/types.js';
import { HealthChecker } from './checker.js';
import type { CheckTarget, EndpointHealth } from './types.js';

/** Kinds whose changes can change what is health checked. */
const RELEVANT = new Set([
  'backendServices',
  'healthChecks',
  'networkEndpointGroups',
  'networkEndpoints',
  'projects',
]);

export type HealthListener = (projectId: string, negPaths: ReadonlySet<string>) => void;

/**
 * Health checks every endpoint of every backend service that names a health check, in all
 * projects, and tells listeners which NEGs' health changed. Targets follow the store's change
 * feed. An endpoint used by several backend services is checked with the first one's health
 * check (the health that EDS reads is per endpoint).
 */
export class HealthService {
  readonly checker: HealthChecker;
  private readonly listeners = new Set<HealthListener>();
  private readonly pending = new Map<string, Set<string>>();
  /** Endpoint keys checked for each backend service (`projects/P/global/backendServices/NAME`). */
  private serviceEndpoints = new Map<string, string[]>();
  private unsubscribe: (() => void) | undefined;
  private refresh: NodeJS.Timeout | undefined;
  private work: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    opts: { maxConcurrentProbes?: number } = {},
  ) {
    this.checker = new HealthChecker({
      logger,
      ...(opts.maxConcurrentProbes === undefined ? {} : { maxConcurrentProbes: opts.maxConcurrentProbes }),
    });
    this.checker.onTransition((key, from, to) => {
      const neg = key.slice(0, key.indexOf('|'));
      const project = neg.split('/')[1]!;
      const negs = this.pending.get(project) ?? new Set<string>();
      negs.add(neg);
      this.pending.set(project, negs);
      this.logger.debug({ endpoint: key, from, to }, 'endpoint health changed');
      if (this.pending.size === 1 && negs.size === 1) setImmediate(() => this.notify());
    });
  }

  async start(): Promise<void> {
    this.unsubscribe = this.store.subscribe((changes: Change[]) => {
      if (changes.some((c) => RELEVANT.has(c.kind))) this.scheduleRefresh();
    });
    await this.refreshTargets();
  }

  onChange(listener: HealthListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Health by `<negPath>|<ip>|<port>` for one project: what translation reads. */
  healthMap(projectId: string): ReadonlyMap<string, HealthStatus> {
    const prefix = `projects/${projectId}/`;
    const out = new Map<string, HealthStatus>();
    for (const [key, status] of this.checker.healthMap()) if (key.startsWith(prefix)) out.set(key, status);
    return out;
  }

  /** Backend services whose endpoints are at least 99 % unhealthy: proxies are told to ignore health (fail-open). */
  failOpenServices(): string[] {
    const out: string[] = [];
    for (const [service, keys] of this.serviceEndpoints) {
      if (keys.length === 0) continue;
      const unhealthy = keys.filter((k) => this.checker.status(k).state === 'UNHEALTHY').length;
      if (unhealthy / keys.length >= FAIL_OPEN_UNHEALTHY_FRACTION) out.push(service);
    }
    return out.sort();
  }

  endpoint(key: string): EndpointHealth {
    return this.checker.status(key);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe?.();
    clearTimeout(this.refresh);
    await this.work;
    await this.checker.close();
  }

  private notify(): void {
    const batch = new Map(this.pending);
    this.pending.clear();
    for (const [project, negs] of batch) {
      for (const listener of this.listeners) {
        try {
          listener(project, negs);
        } catch (err) {
          this.logger.error({ err }, 'health listener failed');
        }
      }
    }
  }

  private scheduleRefresh(): void {
    clearTimeout(this.refresh);
    this.refresh = setTimeout(() => {
      this.work = this.work.then(() => this.refreshTargets());
    }, 200);
  }

  private async refreshTargets(): Promise<void> {
    if (this.closed) return;
    try {
      const targets: CheckTarget[] = [];
      const seen = new Set<string>();
      const serviceEndpoints = new Map<string, string[]>();
      for (const project of await this.store.listProjects()) {
        const checks = new Map(
          (await this.store.listResources(project.id, 'healthChecks')).map((r) => [pathOf(r), r]),
        );
        const negs = new Map(
          (await this.store.listResources(project.id, 'networkEndpointGroups')).map((r) => [pathOf(r), r]),
        );
        for (const bs of await this.store.listResources(project.id, 'backendServices')) {
          const body = bs.body as BackendService;
          const checkPath = body.healthChecks?.[0];
          const check = checkPath === undefined ? undefined : checks.get(checkPath);
          if (checkPath === undefined || check === undefined) continue;
          const keys: string[] = [];
          serviceEndpoints.set(pathOf(bs), keys);
          for (const backend of body.backends ?? []) {
            if (backend.capacityScaler === 0) continue;
            const neg = negs.get(backend.group);
            if (!neg) continue;
            const defaultPort = (neg.body as NetworkEndpointGroup).defaultPort;
            for (const ep of await allEndpoints(this.store, backend.group)) {
              const port = ep.port > 0 ? ep.port : defaultPort;
              if (port === undefined) continue;
              const key = `${backend.group}|${ep.ipAddress}|${port}`;
              keys.push(key);
              if (seen.has(key)) continue;
              seen.add(key);
              targets.push({
                key,
                ip: ep.ipAddress,
                servingPort: port,
                check: { name: check.name, ...check.body } as HealthCheck,
                checkPath,
              });
            }
          }
        }
      }
      if (!this.closed) {
        this.checker.setTargets(targets);
        this.serviceEndpoints = serviceEndpoints;
      }
    } catch (err) {
      this.logger.error({ err }, 'refreshing health check targets failed');
    }
  }
}

function pathOf(r: ResourceRecord): string {
  return `projects/${r.project}/${r.scope}/${r.collection}/${r.name}`;
}
