import type { FastifyInstance } from 'fastify';
import { applyDocuments, exportDocuments } from '../apply.js';
import { type ApiContext, allow } from '../context.js';
import { invalid } from '../errors.js';

export function applyRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.post<{ Params: { project: string } }>('/v1/projects/:project/apply', async (req) => {
    allow(req, 'write', req.params.project);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const extra = Object.keys(body).filter((k) => k !== 'resources' && k !== 'dryRun');
    if (extra.length > 0)
      throw invalid(extra.map((k) => ({ reason: 'invalid', message: `unknown field '${k}'`, location: k })));
    if (body.dryRun !== undefined && typeof body.dryRun !== 'boolean') {
      throw invalid([{ reason: 'invalid', message: 'must be true or false', location: 'dryRun' }]);
    }
    const dryRun = body.dryRun === true;
    const { results, notes } = await applyDocuments(
      ctx.store,
      ctx.resources,
      req.params.project,
      body.resources,
      dryRun,
    );
    return { kind: 'vane#applyResult', dryRun, results, notes, revision: await ctx.store.revision() };
  });

  app.get<{ Params: { project: string } }>('/v1/projects/:project/export', async (req) => {
    allow(req, 'read', req.params.project);
    return {
      kind: 'vane#export',
      resources: await exportDocuments(ctx.store, ctx.resources, req.params.project),
    };
  });
}
