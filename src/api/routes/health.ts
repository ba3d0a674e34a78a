import type { FastifyInstance } from 'fastify';
import type { BackendService } from '../../model/kinds/backend-service.js';
import type { NetworkEndpointGroup } from '../../model/kinds/network-endpoint-group.js';
import { parseRef, refPath } from '../../model/references.js';
import { allEndpoints } from '../../store/all-endpoints.js';
import type { ResourceRecord } from '../../store/types.js';
import { FAIL_OPEN_UNHEALTHY_FRACTION } from '../../translate/ir/endpoints.js';
import { type ApiContext, allow } from '../context.js';
import { invalid, notFound } from '../errors.js';

type Params = { project: string; name: string };

interface EndpointView {
  group: string;
  zone: string;
  ipAddress: string;
  port: number;
  instance?: string;
  /** What the health checker decided (UNKNOWN without a health check or before the thresholds decide). */
  state: 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN';
  lastProbeAt?: string;
  lastResult?: { ok: boolean; detail: string; latencyMs: number };
  lastTransitionAt?: string;
  transitions: number;
  /** What proxies are told, and why when it differs from `state`. */
  effective: 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN' | 'DRAINED';
  why?: string;
}

/**
 * Health of a backend service's endpoints: GCP's `getHealth`, and Vane's richer view with
 * probe results, transitions and what proxies are told (fail-open, drained).
 */
export function healthRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { store, resources } = ctx;

  const view = async (
    project: string,
    name: string,
  ): Promise<{ bs: ResourceRecord; endpoints: EndpointView[]; failOpen: boolean }> => {
    const bs = await resources.get({ project, scope: 'global', collection: 'backendServices' }, name);
    const body = bs.body as BackendService;
    const checked = body.healthChecks?.[0] !== undefined;
    const endpoints: EndpointView[] = [];
    for (const backend of body.backends ?? []) {
      const neg = await store.getResource(backend.group);
      if (!neg) continue;
      const defaultPort = (neg.body as NetworkEndpointGroup).defaultPort;
      for (const ep of await allEndpoints(store, backend.group)) {
        const port = ep.port > 0 ? ep.port : defaultPort;
        if (port === undefined) continue;
        const h = ctx.health?.endpoint(`${backend.group}|${ep.ipAddress}|${port}`);
        const state = checked && h ? h.state : 'UNKNOWN';
        endpoints.push({
          group: backend.group,
          zone: neg.scope.replace('zones/', ''),
          ipAddress: ep.ipAddress,
          port,
          ...(ep.instance ? { instance: ep.instance } : {}),
          state,
          ...(h?.lastProbeAt === undefined ? {} : { lastProbeAt: new Date(h.lastProbeAt).toISOString() }),
          ...(h?.lastResult === undefined
            ? {}
            : {
                lastResult: {
                  ok: h.lastResult.ok,
                  detail: h.lastResult.detail,
                  latencyMs: Math.round(h.lastResult.latencyMs),
                },
              }),
          ...(h?.lastTransitionAt === undefined
            ? {}
            : { lastTransitionAt: new Date(h.lastTransitionAt).toISOString() }),
          transitions: h?.transitions ?? 0,
          effective: backend.capacityScaler === 0 ? 'DRAINED' : state,
          ...(backend.capacityScaler === 0 ? { why: 'capacityScaler is 0: the backend is drained' } : {}),
        });
      }
    }
    const live = endpoints.filter((e) => e.effective !== 'DRAINED');
    const unhealthy = live.filter((e) => e.state === 'UNHEALTHY').length;
    const failOpen = live.length > 0 && unhealthy / live.length >= FAIL_OPEN_UNHEALTHY_FRACTION;
    if (failOpen) {
      for (const e of live) {
        e.effective = 'UNKNOWN';
        e.why = `fail-open: ${unhealthy} of ${live.length} endpoints are unhealthy, so health is ignored and all are used`;
      }
    }
    return { bs, endpoints, failOpen };
  };

  // GCP's shape: {"group": NEG} → {"healthStatus": [{ipAddress, port, instance, healthState}]}.
  app.post<{ Params: Params }>(
    '/compute/v1/projects/:project/global/backendServices/:name/getHealth',
    async (req) => {
      allow(req, 'read', req.params.project);
      const raw = (req.body as { group?: unknown } | undefined)?.group;
      const ref = parseRef(raw, ['networkEndpointGroups'], req.params.project);
      if ('error' in ref) throw invalid([{ reason: 'invalid', message: ref.error, location: 'group' }]);
      const group = refPath(ref);
      const { bs, endpoints } = await view(req.params.project, req.params.name);
      if (!((bs.body as BackendService).backends ?? []).some((b) => b.group === group)) {
        throw invalid([
          {
            reason: 'invalid',
            message: `'${group}' is not a backend of this backend service`,
            location: 'group',
          },
        ]);
      }
      return {
        kind: 'compute#backendServiceGroupHealth',
        healthStatus: endpoints
          .filter((e) => e.group === group)
          .map((e) => ({
            ipAddress: e.ipAddress,
            port: e.port,
            ...(e.instance ? { instance: e.instance } : {}),
            healthState: e.state,
          })),
      };
    },
  );

  app.get<{ Params: Params }>('/v1/projects/:project/backendServices/:name/health', async (req) => {
    allow(req, 'read', req.params.project);
    const { bs, endpoints, failOpen } = await view(req.params.project, req.params.name);
    const body = bs.body as BackendService;
    if (!(await store.getProject(req.params.project))) throw notFound(`projects/${req.params.project}`);
    return {
      kind: 'vane#backendServiceHealth',
      backendService: bs.name,
      healthCheck: body.healthChecks?.[0] ?? null,
      failOpen,
      endpoints,
    };
  });
}
