import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Change } from '../../store/types.js';
import { type ApiContext, allow } from '../context.js';
import { notFound } from '../errors.js';

/** How often the stream carries load (so charts move) and checks proxies for changes. */
export const TICK_MS = 2000;
/** A comment-free event that keeps proxies from closing an idle stream and tells the client it is live. */
export const HEARTBEAT_MS = 15_000;

type Send = (event: string, data: unknown) => void;

/**
 * Live updates for the console as server-sent events on an authenticated GET (clients read
 * it with fetch, since EventSource cannot send a bearer token): `change` per store change
 * of the project, `health` when endpoint health flips, `proxies` when the set of proxies or
 * their sync status changes, `load` every 2 s and `heartbeat` every 15 s.
 */
export function eventRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const open = new Set<() => void>();
  // Long-lived responses would hold app.close() open: end them first.
  app.addHook('preClose', async () => {
    for (const close of [...open]) close();
  });

  app.get<{ Params: { project: string } }>('/v1/projects/:project/events', async (req, reply) => {
    const { project } = req.params;
    allow(req, 'read', project);
    const record = await ctx.store.getProject(project);
    if (!record) throw notFound(`projects/${project}`);

    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // Tells nginx-style proxies not to buffer the stream.
      'x-accel-buffering': 'no',
    });
    const send: Send = (event, data) => {
      if (!res.writableEnded) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };

    const stops: (() => void)[] = [];
    const close = () => {
      if (!open.delete(close)) return;
      for (const stop of stops) stop();
      if (!res.writableEnded) res.end();
    };
    open.add(close);
    res.once('close', close);

    stops.push(
      ctx.store.subscribe((changes: Change[]) => {
        for (const c of changes) {
          if (c.project !== project) continue;
          send('change', { kind: c.kind, scope: c.scope, name: c.name, op: c.op, revision: c.revision });
        }
      }),
    );
    if (ctx.health) {
      stops.push(
        ctx.health.onChange((projectId, negs) => {
          if (projectId === project) send('health', { networkEndpointGroups: [...negs].sort() });
        }),
      );
    }
    stops.push(tick(ctx, record.number, send));
    const heartbeat = setInterval(() => send('heartbeat', { time: new Date().toISOString() }), HEARTBEAT_MS);
    stops.push(() => clearInterval(heartbeat));

    send('hello', { project, revision: await ctx.store.revision() });
    keepOpen(res);
  });
}

/** Every tick: the load summary, and a `proxies` event when connections or their sync state changed. */
function tick(ctx: ApiContext, projectNumber: string, send: Send): () => void {
  const xds = ctx.xds;
  if (!xds) return () => {};
  let last = proxiesFingerprint(ctx, projectNumber);
  const timer = setInterval(() => {
    // A short window: the console shows what traffic does now, within seconds of a change.
    send('load', { services: xds.loads.summary(projectNumber, { windowSeconds: 10 }) });
    const now = proxiesFingerprint(ctx, projectNumber);
    if (now !== last) {
      last = now;
      send('proxies', { connected: xds.registry.view({ projectNumber }).length });
    }
  }, TICK_MS);
  return () => clearInterval(timer);
}

/** The registry has no listener hook; a cheap digest of what the proxies page shows will do. */
function proxiesFingerprint(ctx: ApiContext, projectNumber: string): string {
  const views = ctx.xds?.registry.view({ projectNumber }) ?? [];
  return views
    .map((p) => `${p.streamId}:${p.types.map((t) => `${t.status}/${t.ackedVersion}/${t.nack?.time ?? ''}`)}`)
    .join('|');
}

/** Sockets default to a 72 s idle timeout for keep-alive; a stream is never idle by design. */
function keepOpen(res: ServerResponse): void {
  res.socket?.setTimeout(0);
  res.socket?.setKeepAlive(true);
}
