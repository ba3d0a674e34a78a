import type { FastifyInstance, FastifyRequest } from 'fastify';
import { NAME_PATTERN, ZONAL_COLLECTIONS } from '../../model/references.js';
import { type ApiContext, allow, rendererFor, userOf } from '../context.js';
import { ApiError, notFound } from '../errors.js';
import type { Location } from '../resource-service.js';

type Params = { project: string; zone?: string; collection: string; name?: string };
type ListQuery = { maxResults?: string; pageToken?: string; filter?: string; orderBy?: string };

/** The Compute API's CRUD verbs for every collection, global and zonal. */
export function computeRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { resources } = ctx;

  const locate = (params: Params): Location => {
    const spec = resources.spec(params.collection);
    const zonal = ZONAL_COLLECTIONS.has(spec.collection);
    if (zonal !== (params.zone !== undefined)) {
      throw new ApiError(
        404,
        `${spec.collection} are ${zonal ? 'zonal: use …/zones/ZONE/' : 'global: use …/global/'}${spec.collection}`,
      );
    }
    if (params.zone !== undefined && !NAME_PATTERN.test(params.zone)) {
      throw new ApiError(400, `Invalid zone '${params.zone}'`, [
        { reason: 'invalid', message: 'is not a valid zone name', location: 'zone' },
      ]);
    }
    return {
      project: params.project,
      scope: params.zone ? `zones/${params.zone}` : 'global',
      collection: spec.collection,
    };
  };

  const list = async (
    req: FastifyRequest<{ Params: Params; Querystring: ListQuery }>,
    scope: string | undefined,
  ) => {
    allow(req, 'read', req.params.project);
    const spec = resources.spec(req.params.collection);
    const q = req.query;
    if (q.orderBy !== undefined && q.orderBy !== 'name' && q.orderBy !== 'name asc') {
      throw new ApiError(400, "orderBy supports only 'name'", [
        { reason: 'invalid', message: "supports only 'name'", location: 'orderBy' },
      ]);
    }
    const page = await resources.list(req.params.project, spec.collection, scope, {
      ...(q.maxResults === undefined ? {} : { maxResults: Number(q.maxResults) }),
      ...(q.pageToken === undefined ? {} : { pageToken: q.pageToken }),
      ...(q.filter === undefined ? {} : { filter: q.filter }),
    });
    const renderer = rendererFor(ctx, req);
    const items = await Promise.all(page.items.map((r) => resources.render(renderer, spec, r)));
    return { items, nextPageToken: page.nextPageToken, spec, renderer };
  };

  const collectionPaths = [
    '/compute/v1/projects/:project/global/:collection',
    '/compute/v1/projects/:project/zones/:zone/:collection',
  ];
  const itemPaths = collectionPaths.map((p) => `${p}/:name`);

  for (const path of collectionPaths) {
    app.get<{ Params: Params; Querystring: ListQuery }>(path, async (req) => {
      const loc = locate(req.params);
      const { items, nextPageToken, spec, renderer } = await list(req, loc.scope);
      return renderer.list(spec, loc.project, loc.scope, items, nextPageToken);
    });
    app.post<{ Params: Params }>(path, async (req, reply) => {
      const loc = locate(req.params);
      allow(req, 'write', loc.project);
      const op = await resources.insert(rendererFor(ctx, req), loc, req.body, userOf(req));
      return reply.send(op);
    });
  }

  for (const path of itemPaths) {
    app.get<{ Params: Params }>(path, async (req) => {
      const loc = locate(req.params);
      allow(req, 'read', loc.project);
      const rec = await resources.get(loc, req.params.name!);
      return resources.render(rendererFor(ctx, req), resources.spec(loc.collection), rec);
    });
    app.put<{ Params: Params }>(path, async (req) => {
      const loc = locate(req.params);
      allow(req, 'write', loc.project);
      return resources.update(rendererFor(ctx, req), loc, req.params.name!, req.body, userOf(req));
    });
    app.patch<{ Params: Params }>(path, async (req) => {
      const loc = locate(req.params);
      allow(req, 'write', loc.project);
      return resources.patch(rendererFor(ctx, req), loc, req.params.name!, req.body, userOf(req));
    });
    app.delete<{ Params: Params }>(path, async (req) => {
      const loc = locate(req.params);
      allow(req, 'write', loc.project);
      return resources.delete(rendererFor(ctx, req), loc, req.params.name!, userOf(req));
    });
  }

  // Aggregated list of a zonal collection: items grouped by zone, as the Compute API does.
  app.get<{ Params: Params; Querystring: ListQuery }>(
    '/compute/v1/projects/:project/aggregated/:collection',
    async (req) => {
      const spec = resources.spec(req.params.collection);
      if (!ZONAL_COLLECTIONS.has(spec.collection))
        throw new ApiError(404, `${spec.collection} are global: list them under …/global/`);
      const { items, nextPageToken, renderer } = await list(req, undefined);
      const grouped: Record<string, { [key: string]: unknown[] }> = {};
      for (const item of items) {
        const zone = `zones/${String(item.zone).replace(/^.*\/zones\//, '')}`;
        grouped[zone] ??= { [spec.collection]: [] };
        grouped[zone][spec.collection]!.push(item);
      }
      return {
        kind: `${spec.kind}AggregatedList`,
        id: `projects/${req.params.project}/aggregated/${spec.collection}`,
        items: grouped,
        ...(nextPageToken === undefined ? {} : { nextPageToken }),
        selfLink: renderer.url(`projects/${req.params.project}/aggregated/${spec.collection}`),
      };
    },
  );

  // Operations complete before the response; these let pollers find them.
  const operation = async (req: FastifyRequest<{ Params: { project: string; op: string } }>) => {
    allow(req, 'read', req.params.project);
    const op = ctx.operations.get(req.params.project, req.params.op);
    if (!op) throw notFound(`projects/${req.params.project}/operations/${req.params.op}`);
    return op;
  };
  for (const base of [
    '/compute/v1/projects/:project/global/operations/:op',
    '/compute/v1/projects/:project/zones/:zone/operations/:op',
  ]) {
    app.get(base, operation);
    app.post(`${base}/wait`, operation);
  }
}
