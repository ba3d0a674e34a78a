import type { FastifyInstance } from 'fastify';
import { configDump } from '../../xds/config-dump.js';
import { type ApiContext, allow } from '../context.js';
import { ApiError, invalid, notFound } from '../errors.js';

/**
 * What the control plane knows about connected proxies: per proxy and per type whether it
 * is in sync (SYNCED / STALE / NACKED / NOT_SENT) with the versions and the last NACK, what
 * Vane would send it now, refused streams, and translation problems.
 */
export function proxyRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const xds = ctx.xds;
  if (!xds) return;

  const projectNumber = async (project: string): Promise<string> => {
    const record = await ctx.store.getProject(project);
    if (!record) throw notFound(`projects/${project}`);
    return record.number;
  };

  app.get<{ Params: { project: string } }>('/v1/projects/:project/proxies', async (req) => {
    allow(req, 'read', req.params.project);
    const number = await projectNumber(req.params.project);
    const refused = xds.registry.refusals
      .filter((r) => r.nodeId.startsWith(`projects/${number}/`))
      .map((r) => ({ ...r, time: new Date(r.time).toISOString() }));
    return { kind: 'vane#proxyList', proxies: xds.registry.view({ projectNumber: number }), refused };
  });

  app.get<{ Params: { project: string; id: string } }>(
    '/v1/projects/:project/proxies/:id/config',
    async (req) => {
      allow(req, 'read', req.params.project);
      const number = await projectNumber(req.params.project);
      const stream = xds.registry
        .streams()
        .find(
          (s) => s.node?.projectNumber === number && (s.id === req.params.id || s.node.id === req.params.id),
        );
      if (!stream?.node) {
        throw new ApiError(
          404,
          `No connected proxy '${req.params.id}' in project '${req.params.project}' (use a stream id or node id from GET /v1/projects/${req.params.project}/proxies)`,
        );
      }
      const { view, config, endpoints } = await xds.cache.preview(stream.node);
      return {
        kind: 'vane#proxyConfig',
        streamId: stream.id,
        node: stream.node,
        view,
        issues: [...config.issues, ...endpoints.issues],
        configDump: configDump(config, endpoints),
        // What the proxy asked for, per type: a diff against its dump compares only that.
        subscriptions: Object.fromEntries(
          [...stream.types.values()].map((t) => [
            t.typeUrl,
            { wildcard: t.wildcard, names: [...t.names].sort() },
          ]),
        ),
      };
    },
  );

  // Load the proxies report over LRS, per backend service and locality, over a rolling window.
  app.get<{ Params: { project: string }; Querystring: { windowSeconds?: string } }>(
    '/v1/projects/:project/load',
    async (req) => {
      allow(req, 'read', req.params.project);
      const number = await projectNumber(req.params.project);
      const raw = req.query.windowSeconds;
      const windowSeconds = raw === undefined ? undefined : Number(raw);
      if (windowSeconds !== undefined && !(windowSeconds >= 1 && windowSeconds <= 60)) {
        throw invalid([
          {
            reason: 'invalid',
            message: 'must be a number of seconds from 1 to 60',
            location: 'windowSeconds',
          },
        ]);
      }
      return {
        kind: 'vane#load',
        services: xds.loads.summary(number, windowSeconds === undefined ? {} : { windowSeconds }),
      };
    },
  );

  app.get<{ Params: { project: string } }>('/v1/projects/:project/translation', async (req) => {
    allow(req, 'read', req.params.project);
    await projectNumber(req.params.project);
    const status = await xds.cache.status(req.params.project);
    return { kind: 'vane#translationStatus', issues: status?.issues ?? [], rejected: status?.errors ?? [] };
  });
}
