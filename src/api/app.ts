import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import type { HealthService } from '../health/service.js';
import type { Store } from '../store/store.js';
import { authenticate } from './auth.js';
import type { ApiContext, XdsHandles } from './context.js';
import { ApiError, isApiError } from './errors.js';
import { jsonErrorPosition } from './json-position.js';
import { OperationLog } from './operations.js';
import { ResourceService } from './resource-service.js';
import { agentRoutes } from './routes/agents.js';
import { analysisRoutes } from './routes/analysis.js';
import { applyRoutes } from './routes/apply.js';
import { computeRoutes } from './routes/compute.js';
import { consoleRoutes, isConsolePath } from './routes/console.js';
import { eventRoutes } from './routes/events.js';
import { explainRoutes } from './routes/explain.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { nodeDataRoutes } from './routes/node-data.js';
import { projectRoutes } from './routes/projects.js';
import { proxyRoutes } from './routes/proxies.js';
import { tokenRoutes } from './routes/tokens.js';

/** URL maps may serialise to 524 KB; leave room for the rest of a request. */
export const BODY_LIMIT = 1024 * 1024;

export interface AppOptions {
  store: Store;
  logger: Logger;
  publicUrl?: string;
  xds?: XdsHandles;
  health?: HealthService;
}

const UNAUTHENTICATED = new Set(['/healthz', '/readyz', '/metrics']);

/** The HTTP API: Compute-API-shaped resources under /compute/v1, Vane's own under /v1. */
export function buildApp(opts: AppOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: opts.logger as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT,
    // One line per request, from the onResponse hook below.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
  });
  const operations = new OperationLog();
  const ctx: ApiContext = {
    store: opts.store,
    operations,
    resources: new ResourceService(opts.store, operations),
    ...(opts.publicUrl === undefined ? {} : { publicUrl: opts.publicUrl.replace(/\/$/, '') }),
    ...(opts.xds === undefined ? {} : { xds: opts.xds }),
    ...(opts.health === undefined ? {} : { health: opts.health }),
  };

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, text, done) => {
    const body = String(text);
    if (body.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(body));
    } catch {
      const { offset, line, column } = jsonErrorPosition(body);
      const near = JSON.stringify(body.slice(Math.max(0, offset - 20), offset + 20));
      const message = `Malformed JSON at position ${offset} (line ${line}, column ${column}), near ${near}`;
      done(new ApiError(400, message, [{ reason: 'parseError', message }]), undefined);
    }
  });
  app.addContentTypeParser('*', { parseAs: 'string' }, (req, text, done) => {
    if (String(text).trim() === '') return done(null, undefined);
    done(
      new ApiError(415, `Unsupported Content-Type '${req.headers['content-type']}': send application/json`),
      undefined,
    );
  });

  app.addHook('onRequest', async (req) => {
    const path = req.url.split('?')[0]!;
    // The console's own files are public; the API calls it makes carry the user's token.
    if (UNAUTHENTICATED.has(path) || isConsolePath(path)) return;
    req.principal = await authenticate(opts.store, req.headers.authorization);
  });
  app.addHook('onResponse', async (req, reply) => {
    req.log.info(
      { method: req.method, url: req.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    );
  });

  app.setErrorHandler((err, req, reply) => {
    if (isApiError(err)) return reply.code(err.status).send(err.toJSON());
    const e = err as { statusCode?: number; code?: string; message: string };
    if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply
        .code(413)
        .send(new ApiError(413, `Request body is larger than ${BODY_LIMIT} bytes`).toJSON());
    }
    if (e.statusCode !== undefined && e.statusCode < 500) {
      return reply.code(e.statusCode).send(new ApiError(e.statusCode, e.message).toJSON());
    }
    req.log.error({ err }, 'request failed');
    return reply.code(500).send(new ApiError(500, 'Internal error; see the server log.').toJSON());
  });
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send(new ApiError(404, `No such API: ${req.method} ${req.url.split('?')[0]}`).toJSON());
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async () => ({ status: 'ok', revision: await opts.store.revision() }));
  projectRoutes(app, ctx);
  tokenRoutes(app, ctx);
  applyRoutes(app, ctx);
  computeRoutes(app, ctx);
  nodeDataRoutes(app, ctx);
  agentRoutes(app, ctx);
  proxyRoutes(app, ctx);
  explainRoutes(app, ctx);
  analysisRoutes(app, ctx);
  healthRoutes(app, ctx);
  metricsRoutes(app, ctx);
  eventRoutes(app, ctx);
  consoleRoutes(app);
  return app;
}
