import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { NetworkEndpoint } from '../../store/types.js';
import { type ApiContext, allow, rendererFor, userOf } from '../context.js';
import { ApiError, invalid, notFound } from '../errors.js';
import { parseEndpoints, renderEndpoint } from '../network-endpoints.js';

type NodeParams = { project: string; zone: string; name: string };

/** Data that lives beside resources: a NEG's endpoints and an instance's guest attributes. */
export function nodeDataRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { store, resources } = ctx;
  const negBase = '/compute/v1/projects/:project/zones/:zone/networkEndpointGroups/:name';
  const negPath = (p: NodeParams) => `projects/${p.project}/zones/${p.zone}/networkEndpointGroups/${p.name}`;

  const changeEndpoints =
    (verb: 'attach' | 'detach') => async (req: FastifyRequest<{ Params: NodeParams }>) => {
      const p = req.params;
      allow(req, 'write', p.project);
      const startTime = new Date().toISOString();
      const path = negPath(p);
      const neg = await store.write(async (tx) => {
        const rec = await tx.getResource(path);
        if (!rec) {
          await resources.requireProject(tx, p.project);
          throw notFound(path);
        }
        const body = (req.body ?? {}) as Record<string, unknown>;
        const extra = Object.keys(body).filter((k) => k !== 'networkEndpoints');
        if (extra.length > 0)
          throw invalid(
            extra.map((k) => ({ reason: 'invalid', message: `unknown field '${k}'`, location: k })),
          );
        const endpoints = await parseEndpoints(tx, rec, body.networkEndpoints);
        if (verb === 'attach') await tx.attachEndpoints(path, endpoints);
        else {
          const removed = await tx.detachEndpoints(path, endpoints);
          if (removed !== endpoints.length) {
            throw invalid([
              {
                reason: 'invalid',
                message: `${endpoints.length - removed} of the ${endpoints.length} endpoints are not attached to '${path}'; nothing was detached`,
                location: 'networkEndpoints',
              },
            ]);
          }
        }
        return rec;
      });
      return ctx.operations.record(rendererFor(ctx, req), {
        project: p.project,
        scope: `zones/${p.zone}`,
        type: `${verb}NetworkEndpoints`,
        targetPath: path,
        targetId: neg.id,
        user: userOf(req),
        startTime,
      });
    };
  app.post(`${negBase}/attachNetworkEndpoints`, changeEndpoints('attach'));
  app.post(`${negBase}/detachNetworkEndpoints`, changeEndpoints('detach'));

  const listEndpoints = async (
    req: FastifyRequest<{ Params: NodeParams; Querystring: { maxResults?: string; pageToken?: string } }>,
  ) => {
    const p = req.params;
    allow(req, 'read', p.project);
    const path = negPath(p);
    if (!(await store.getResource(path))) {
      await resources.requireProject(store, p.project);
      throw notFound(path);
    }
    const limit = req.query.maxResults === undefined ? 500 : Number(req.query.maxResults);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
      throw invalid([
        { reason: 'invalid', message: 'must be an integer between 1 and 500', location: 'maxResults' },
      ]);
    }
    const page = await store.listEndpoints(path, {
      limit,
      ...(req.query.pageToken ? { after: decodeCursor(req.query.pageToken) } : {}),
    });
    return {
      kind: 'compute#networkEndpointGroupsListNetworkEndpoints',
      id: path,
      items: page.items.map((ep) => ({ networkEndpoint: renderEndpoint(ep) })),
      ...(page.next ? { nextPageToken: Buffer.from(JSON.stringify(page.next)).toString('base64url') } : {}),
    };
  };
  app.post(`${negBase}/listNetworkEndpoints`, listEndpoints);
  app.get(`${negBase}/listNetworkEndpoints`, listEndpoints);

  const instanceBase = '/compute/v1/projects/:project/zones/:zone/instances/:name';
  const instancePath = (p: NodeParams) => `projects/${p.project}/zones/${p.zone}/instances/${p.name}`;

  app.get<{ Params: NodeParams; Querystring: { queryPath?: string; variableKey?: string } }>(
    `${instanceBase}/getGuestAttributes`,
    async (req) => {
      const p = req.params;
      allow(req, 'read', p.project);
      const path = instancePath(p);
      if (!(await store.getResource(path))) {
        await resources.requireProject(store, p.project);
        throw notFound(path);
      }
      const selfLink = `${rendererFor(ctx, req).url(path)}/guestAttributes`;
      const { variableKey, queryPath = '' } = req.query;
      if (variableKey !== undefined) {
        const [namespace, key] = splitKey(variableKey, 'variableKey');
        const attr = (await store.getGuestAttributes(path, namespace)).find((a) => a.key === key);
        if (!attr) throw notFound(`${path}/guestAttributes/${variableKey}`);
        return { kind: 'compute#guestAttributes', variableKey, variableValue: attr.value, selfLink };
      }
      const [namespace, key] = queryPath === '' ? [undefined, ''] : splitQueryPath(queryPath);
      const attrs = (await store.getGuestAttributes(path, namespace)).filter(
        (a) => key === '' || a.key === key,
      );
      return {
        kind: 'compute#guestAttributes',
        queryPath,
        queryValue: { items: attrs.map((a) => ({ namespace: a.namespace, key: a.key, value: a.value })) },
        selfLink,
      };
    },
  );

  // Agents report here (role `proxy` suffices): {items: [{namespace, key, value}]}; an empty value deletes the key.
  app.post<{ Params: NodeParams }>(`${instanceBase}/setGuestAttributes`, async (req) => {
    const p = req.params;
    allow(req, 'report', p.project);
    const items = (req.body as { items?: unknown } | null)?.items;
    if (!Array.isArray(items) || items.length === 0) {
      throw invalid([
        {
          reason: 'required',
          message: 'must be a non-empty list of {namespace, key, value}',
          location: 'items',
        },
      ]);
    }
    const issues: { reason: 'invalid'; message: string; location: string }[] = [];
    const attrs = items.map((item: unknown, i) => {
      const { namespace, key, value } = (item ?? {}) as Record<string, unknown>;
      for (const [field, v] of Object.entries({ namespace, key })) {
        if (typeof v !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(v)) {
          issues.push({
            reason: 'invalid',
            message: 'must be 1-64 of [A-Za-z0-9_-]',
            location: `items[${i}].${field}`,
          });
        }
      }
      if (typeof value !== 'string' || value.length > 64 * 1024) {
        issues.push({
          reason: 'invalid',
          message: 'must be a string of at most 64 KiB',
          location: `items[${i}].value`,
        });
      }
      return { namespace: String(namespace), key: String(key), value: String(value) };
    });
    if (issues.length > 0) throw invalid(issues);
    const path = instancePath(p);
    await store.write(async (tx) => {
      if (!(await tx.getResource(path))) {
        await resources.requireProject(tx, p.project);
        throw notFound(path);
      }
      const set = attrs.filter((a) => a.value !== '');
      if (set.length > 0) await tx.setGuestAttributes(path, set);
      for (const a of attrs.filter((x) => x.value === ''))
        await tx.deleteGuestAttributes(path, a.namespace, a.key);
    });
    return { kind: 'compute#guestAttributes', queryPath: '', queryValue: { items: attrs } };
  });
}

function splitQueryPath(queryPath: string): [string, string] {
  const i = queryPath.indexOf('/');
  if (i <= 0)
    throw new ApiError(400, "queryPath must be 'NAMESPACE/' or 'NAMESPACE/KEY'", [
      { reason: 'invalid', message: "must be 'NAMESPACE/' or 'NAMESPACE/KEY'", location: 'queryPath' },
    ]);
  return [queryPath.slice(0, i), queryPath.slice(i + 1)];
}

function splitKey(variableKey: string, location: string): [string, string] {
  const [ns, key] = splitQueryPath(variableKey);
  if (key === '') throw invalid([{ reason: 'invalid', message: "must be 'NAMESPACE/KEY'", location }]);
  return [ns, key];
}

function decodeCursor(token: string): NetworkEndpoint {
  try {
    const c = JSON.parse(Buffer.from(token, 'base64url').toString()) as NetworkEndpoint;
    if (typeof c.ipAddress === 'string' && Number.isInteger(c.port) && typeof c.instance === 'string')
      return c;
  } catch {
    // reported below
  }
  throw invalid([{ reason: 'invalid', message: 'is not a token this server issued', location: 'pageToken' }]);
}
