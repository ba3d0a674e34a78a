import type { FastifyInstance } from 'fastify';
import { diffConfigs, readProxyConfig } from '../../doctor/diff/index.js';
import { explain, parseTarget } from '../../doctor/explain/index.js';
import type { ProjectRecord } from '../../store/types.js';
import { ProjectState } from '../../xds/cache/project-state.js';
import { configDump } from '../../xds/config-dump.js';
import { type NodeInfo, XdsRefusal } from '../../xds/types.js';
import { type ApiContext, allow, type XdsHandles } from '../context.js';
import { ApiError, notFound } from '../errors.js';

interface ExplainBody {
  to?: unknown;
  headers?: unknown;
  /** A node that is not connected: what it would be sent decides the answer. */
  node?: {
    id?: string;
    network?: string;
    zone?: string;
    kind?: 'envoy' | 'grpc';
    labels?: Record<string, string>;
  };
}

/**
 * `vane explain` and `vane proxy-config --diff` on the server: one request's routing decision
 * for a connected (or hypothetical) node, and Vane's configuration for a proxy compared with
 * a dump of what the proxy holds.
 */
export function explainRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const xds = ctx.xds;
  if (!xds) return;

  const project = async (id: string): Promise<ProjectRecord> => {
    const record = await ctx.store.getProject(id);
    if (!record) throw notFound(`projects/${id}`);
    return record;
  };

  app.post<{ Params: { project: string; id: string }; Body: ExplainBody }>(
    '/v1/projects/:project/proxies/:id/explain',
    async (req) => {
      allow(req, 'read', req.params.project);
      const record = await project(req.params.project);
      const node = connectedNode(xds, record, req.params.id);
      return run(ctx, xds, record, node, req.body ?? {});
    },
  );

  app.post<{ Params: { project: string }; Body: ExplainBody }>(
    '/v1/projects/:project/explain',
    async (req) => {
      allow(req, 'read', req.params.project);
      const record = await project(req.params.project);
      const n = req.body?.node;
      if (n === undefined || typeof n.network !== 'string' || n.network === '')
        throw new ApiError(400, 'node.network is required for a node that is not connected');
      const kind = n.kind ?? 'grpc';
      const metadata: Record<string, unknown> = { ...(n.labels ?? {}) };
      const node: NodeInfo = {
        id: n.id ?? `projects/${record.number}/networks/${n.network}/nodes/explain`,
        cluster: '',
        userAgentName: kind === 'grpc' ? 'gRPC' : 'envoy',
        userAgentVersion: '',
        locality: { region: '', zone: n.zone ?? '', subZone: '' },
        metadata,
        clientFeatures: [],
        projectNumber: record.number,
        network: n.network,
        kind,
      };
      return run(ctx, xds, record, node, req.body);
    },
  );

  // The body is the proxy's /config_dump or CSDS JSON.
  app.post<{ Params: { project: string; id: string }; Body: unknown }>(
    '/v1/projects/:project/proxies/:id/config::diff',
    async (req) => {
      allow(req, 'read', req.params.project);
      const record = await project(req.params.project);
      const node = connectedNode(xds, record, req.params.id);
      const { config, endpoints } = await preview(xds, node);
      let proxy: ReturnType<typeof readProxyConfig>;
      try {
        proxy = readProxyConfig(req.body, { nodeId: node.id });
      } catch (e) {
        throw new ApiError(400, `the body is not a proxy config dump: ${(e as Error).message}`);
      }
      return diffConfigs(readProxyConfig({ configDump: configDump(config, endpoints) }), proxy);
    },
  );
}

function connectedNode(xds: XdsHandles, record: ProjectRecord, id: string): NodeInfo {
  const stream = xds.registry
    .streams()
    .find((s) => s.node?.projectNumber === record.number && (s.id === id || s.node.id === id));
  if (!stream?.node) {
    throw new ApiError(
      404,
      `No connected proxy '${id}' in project '${record.id}' (use a stream id or node id from GET /v1/projects/${record.id}/proxies)`,
    );
  }
  return stream.node;
}

async function preview(xds: XdsHandles, node: NodeInfo) {
  try {
    return await xds.cache.preview(node);
  } catch (e) {
    if (e instanceof XdsRefusal) throw new ApiError(404, e.message);
    throw e;
  }
}

async function run(
  ctx: ApiContext,
  xds: XdsHandles,
  record: ProjectRecord,
  node: NodeInfo,
  body: ExplainBody,
) {
  if (typeof body.to !== 'string') throw new ApiError(400, "'to' is required: HOST[:PORT][/PATH][?QUERY]");
  const headers: Record<string, string> = {};
  if (body.headers !== undefined) {
    if (body.headers === null || typeof body.headers !== 'object' || Array.isArray(body.headers))
      throw new ApiError(400, "'headers' must be an object of header names to values");
    for (const [k, v] of Object.entries(body.headers)) headers[k] = String(v);
  }
  let request: ReturnType<typeof parseTarget>;
  try {
    request = parseTarget(body.to, headers);
  } catch (e) {
    throw new ApiError(400, (e as Error).message);
  }
  const { view, config, endpoints } = await preview(xds, node);
  // The same resources, endpoints and health the cache translates from: provenance and reasons.
  const state = await ProjectState.load(ctx.store, record, {
    health: (id) => ctx.health?.healthMap(id) ?? new Map(),
    demand: (n) => xds.loads.demand(n),
  });
  const health = ctx.health;
  return explain({
    input: state.input(),
    view,
    config,
    endpoints,
    request,
    nodeId: node.id,
    ...(health === undefined
      ? {}
      : {
          healthDetail: (key: string) => {
            const r = health.endpoint(key).lastResult;
            return r === undefined ? undefined : `${r.ok ? 'ok' : 'failed'}: ${r.detail}`;
          },
        }),
  });
}
