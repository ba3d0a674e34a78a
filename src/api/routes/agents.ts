import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { type ForwardingRule, forwardingRulePort } from '../../model/kinds/forwarding-rule.js';
import type { Store } from '../../store/store.js';
import type { Change } from '../../store/types.js';
import { metadataFiltersMatch } from '../../translate/ir/visibility.js';
import { type ApiContext, allow, rendererFor } from '../context.js';
import { invalid, notFound } from '../errors.js';

/** One service address a node's proxy handles: a forwarding rule's VIP and port. */
export interface InterceptionTarget {
  ip: string;
  port: number;
  forwardingRule: string;
}

export interface InterceptionTargets {
  kind: 'vane#interceptionTargets';
  network: string;
  /** Content hash of `targets`: pass it back as `waitForChange` to wait for the next change. */
  version: string;
  targets: InterceptionTarget[];
}

const MAX_WAIT_SEC = 60;

/**
 * What node agents need beyond guest attributes: registering their instance with the
 * `proxy` role, and the service VIPs to intercept, as a long poll so that thousands of
 * agents learn about a new service within a second without polling.
 */
export function agentRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const waiters = new ProjectWaiters(ctx.store);
  app.addHook('preClose', async () => waiters.releaseAll());

  app.post<{ Params: { project: string; zone: string; name: string } }>(
    '/v1/projects/:project/zones/:zone/instances/:name/register',
    async (req) => {
      const p = req.params;
      allow(req, 'report', p.project);
      const loc = { project: p.project, scope: `zones/${p.zone}`, collection: 'instances' as const };
      const body = req.body;
      if (body === null || typeof body !== 'object' || Array.isArray(body))
        throw invalid([{ reason: 'invalid', message: 'the request body must be a JSON object' }]);
      const { result, record } = await ctx.store.write(async (tx) => {
        await ctx.resources.requireProject(tx, p.project);
        return ctx.resources.writeInTx(tx, loc, { ...body, name: p.name }, { mode: 'upsert' });
      });
      const rendered = await ctx.resources.render(
        rendererFor(ctx, req),
        ctx.resources.spec('instances'),
        record,
      );
      return { result, instance: rendered };
    },
  );

  app.get<{
    Params: { project: string; network: string };
    Querystring: { label?: string | string[]; waitForChange?: string; timeoutSec?: string };
  }>('/v1/projects/:project/networks/:network/interceptionTargets', async (req, reply) => {
    const { project, network } = req.params;
    allow(req, 'read', project);
    if (!(await ctx.store.getProject(project))) throw notFound(`projects/${project}`);
    const labels = parseLabels(req.query.label);
    const timeoutSec = req.query.timeoutSec === undefined ? 30 : Number(req.query.timeoutSec);
    if (!Number.isFinite(timeoutSec) || timeoutSec < 0 || timeoutSec > MAX_WAIT_SEC) {
      throw invalid([
        {
          reason: 'invalid',
          message: `must be a number of seconds from 0 to ${MAX_WAIT_SEC}`,
          location: 'timeoutSec',
        },
      ]);
    }
    let generation = waiters.generation(project);
    let current = await waiters.targets(project, network, labels);
    const known = req.query.waitForChange;
    if (known === undefined || known !== current.version) return current;

    const deadline = Date.now() + timeoutSec * 1000;
    while (current.version === known) {
      const remaining = deadline - Date.now();
      if (remaining <= 0 || waiters.closed || reply.raw.destroyed) break;
      await waiters.next(project, generation, remaining, reply.raw);
      generation = waiters.generation(project);
      current = await waiters.targets(project, network, labels);
    }
    return current;
  });
}

function parseLabels(raw: string | string[] | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  list.forEach((item, i) => {
    const eq = item.indexOf('=');
    if (eq <= 0)
      throw invalid([{ reason: 'invalid', message: "must be 'KEY=VALUE'", location: `label[${i}]` }]);
    labels[item.slice(0, eq)] = item.slice(eq + 1);
  });
  return labels;
}

/**
 * The VIPs a proxy with these labels in `network` handles: what `SERVICE_PROXY_SERVICE_CIDRS`
 * must hold. Rules on 0.0.0.0 match by port only and have no VIP to intercept.
 */
export async function interceptionTargets(
  store: Store,
  project: string,
  network: string,
  labels: Readonly<Record<string, string>>,
): Promise<InterceptionTargets> {
  const targets: InterceptionTarget[] = [];
  for (const rec of await store.listResources(project, 'forwardingRules')) {
    const fr = rec.body as unknown as ForwardingRule;
    if (fr.loadBalancingScheme !== 'INTERNAL_SELF_MANAGED') continue;
    if (fr.network.slice(fr.network.lastIndexOf('/') + 1) !== network) continue;
    if (fr.IPAddress === '0.0.0.0' || fr.IPAddress === '::') continue;
    if (!metadataFiltersMatch(fr.metadataFilters, labels)) continue;
    const port = forwardingRulePort(fr);
    if (port === undefined) continue;
    targets.push({
      ip: fr.IPAddress,
      port,
      forwardingRule: `projects/${project}/global/forwardingRules/${rec.name}`,
    });
  }
  targets.sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : a.port - b.port));
  const version = createHash('sha256').update(JSON.stringify(targets)).digest('base64url').slice(0, 16);
  return { kind: 'vane#interceptionTargets', network, version, targets };
}

/**
 * Per project: the interception targets, computed once per state of its forwarding rules
 * and shared by every agent asking the same question (thousands wake on one change), and
 * the long polls to wake when the rules change (or the project goes).
 */
class ProjectWaiters {
  private readonly waiting = new Map<string, Set<() => void>>();
  private readonly computed = new Map<string, Map<string, Promise<InterceptionTargets>>>();
  /** Changes seen per project: a poll that read an older state does not start waiting. */
  private readonly generations = new Map<string, number>();
  private unsubscribe: (() => void) | undefined;
  closed = false;

  constructor(private readonly store: Store) {}

  generation(project: string): number {
    return this.generations.get(project) ?? 0;
  }

  targets(
    project: string,
    network: string,
    labels: Readonly<Record<string, string>>,
  ): Promise<InterceptionTargets> {
    this.subscribe();
    const key = JSON.stringify([network, Object.entries(labels).sort()]);
    const byKey = this.computed.get(project) ?? new Map<string, Promise<InterceptionTargets>>();
    this.computed.set(project, byKey);
    let result = byKey.get(key);
    if (result === undefined) {
      result = interceptionTargets(this.store, project, network, labels);
      byKey.set(key, result);
      result.catch(() => byKey.delete(key));
    }
    return result;
  }

  /** Resolves at the project's next change after `generation` (at once if one came already), or the timeout. */
  next(project: string, generation: number, timeoutMs: number, response: ServerResponse): Promise<void> {
    this.subscribe();
    if (this.generation(project) !== generation) return Promise.resolve();
    return new Promise((resolve) => {
      const set = this.waiting.get(project) ?? new Set<() => void>();
      this.waiting.set(project, set);
      const wake = () => {
        clearTimeout(timer);
        response.off('close', wake);
        set.delete(wake);
        if (set.size === 0) this.waiting.delete(project);
        resolve();
      };
      const timer = setTimeout(wake, timeoutMs);
      // A client that hangs up stops waiting at once.
      response.once('close', wake);
      set.add(wake);
    });
  }

  releaseAll(): void {
    this.closed = true;
    for (const set of [...this.waiting.values()]) for (const wake of [...set]) wake();
    this.unsubscribe?.();
  }

  private subscribe(): void {
    if (this.unsubscribe === undefined && !this.closed)
      this.unsubscribe = this.store.subscribe((c) => this.onChanges(c));
  }

  private onChanges(changes: Change[]): void {
    const projects = new Set(
      changes.filter((c) => c.kind === 'forwardingRules' || c.kind === 'projects').map((c) => c.project),
    );
    for (const project of projects) {
      this.computed.delete(project);
      this.generations.set(project, this.generation(project) + 1);
      for (const wake of [...(this.waiting.get(project) ?? [])]) wake();
    }
  }
}
