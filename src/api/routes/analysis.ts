import type { FastifyInstance } from 'fastify';
import { NAMESPACE } from '../../doctor/analyze/agents.js';
import { analyze } from '../../doctor/analyze/index.js';
import type { GuestAttribute } from '../../store/types.js';
import { ProjectState } from '../../xds/cache/project-state.js';
import { type ApiContext, allow } from '../context.js';
import { notFound } from '../errors.js';

/**
 * `vane analyze`: findings over a project's configuration and what the control plane sees
 * live (connected proxies and their NACKs, refused streams, translation and validation
 * problems, endpoint health, agents' guest attributes). Gathers the input; the analysis is pure.
 */
export function analysisRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Params: { project: string } }>('/v1/projects/:project/analysis', async (req) => {
    const { project } = req.params;
    allow(req, 'read', project);
    const record = await ctx.store.getProject(project);
    if (!record) throw notFound(`projects/${project}`);
    const health = ctx.health;
    // The same input translation reads, with the health checker's current view.
    const state = await ProjectState.load(
      ctx.store,
      record,
      health === undefined ? {} : { health: (id) => health.healthMap(id) },
    );
    const config = state.input();
    const guestAttributes = new Map<string, GuestAttribute[]>();
    for (const i of config.resources.instances ?? []) {
      const path = `projects/${i.project}/${i.scope}/instances/${i.name}`;
      guestAttributes.set(path, await ctx.store.getGuestAttributes(path, NAMESPACE));
    }
    const xds = ctx.xds;
    const translation = await xds?.cache.status(project);
    const now = Date.now();
    const findings = analyze({
      config,
      ...(translation === undefined ? {} : { translation }),
      proxies: xds?.registry.view({ projectNumber: record.number }) ?? [],
      refusals: (xds?.registry.refusals ?? []).filter((r) =>
        r.nodeId.startsWith(`projects/${record.number}/`),
      ),
      guestAttributes,
      now,
    });
    return { kind: 'vane#analysis', findings, analyzedAt: new Date(now).toISOString() };
  });
}
