import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApp } from '../api/app.js';
import { HealthService } from '../health/service.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/store.js';
import { SnapshotCache } from '../xds/cache/snapshot-cache.js';
import { LoadWindow } from '../xds/lrs.js';
import { startXdsServer, type XdsLimits, type XdsServer } from '../xds/server.js';
import { ensureAdminToken } from './admin-token.js';

export interface ServeOptions {
  dataDir: string;
  /** `sqlite:<path>` or `postgres://…`; default `sqlite:<dataDir>/vane.db`. */
  store?: string;
  host: string;
  httpPort: number;
  xdsPort: number;
  publicUrl?: string;
  adminToken?: string;
  /** Quiet period: a change after one is pushed at once; closely following ones are merged. */
  debounceMs?: number;
  /** Longest a continuous burst of changes can delay a push. */
  debounceMaxMs?: number;
  /** load_reporting_interval asked of LRS clients, in seconds. */
  lrsIntervalSeconds?: number;
  /** Admission control and stream limits of the xDS server. */
  xdsLimits?: XdsLimits;
}

export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  httpUrl: string;
  xds: XdsServer;
  close(): Promise<void>;
}

/** Opens the store and starts the xDS server and the HTTP API; `close()` stops them in reverse. */
export async function startServer(opts: ServeOptions, logger: Logger): Promise<RunningServer> {
  const dataDir = resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const storeUrl = opts.store ?? `sqlite:${resolve(dataDir, 'vane.db')}`;
  const store = await openStore(storeUrl);
  logger.info(
    { store: redact(storeUrl), driver: store.driver, revision: await store.revision() },
    'store open',
  );
  const cleanup: (() => Promise<void>)[] = [() => store.close()];
  try {
    await ensureAdminToken(store, dataDir, logger, opts.adminToken);
    const health = new HealthService(store, logger.child({ component: 'health' }));
    cleanup.push(() => health.close());
    const loads = new LoadWindow();
    const cache = new SnapshotCache(store, {
      logger: logger.child({ component: 'snapshots' }),
      health: (projectId) => health.healthMap(projectId),
      demand: (projectNumber) => loads.demand(projectNumber),
      ...(opts.debounceMs === undefined ? {} : { debounceMs: opts.debounceMs }),
      ...(opts.debounceMaxMs === undefined ? {} : { debounceMaxMs: opts.debounceMaxMs }),
    });
    cleanup.push(async () => cache.close());
    health.onChange((projectId, negs) => cache.healthChanged(projectId, negs));
    await health.start();
    loads.onReport((projectNumber) => cache.loadReported(projectNumber));
    const xds = await startXdsServer({
      host: opts.host,
      port: opts.xdsPort,
      source: cache,
      logger: logger.child({ component: 'xds' }),
      lrs: loads,
      ...(opts.lrsIntervalSeconds === undefined ? {} : { lrsIntervalSeconds: opts.lrsIntervalSeconds }),
      ...(opts.xdsLimits === undefined ? {} : { limits: opts.xdsLimits }),
    });
    cleanup.push(() => xds.close());
    const app = buildApp({
      store,
      logger,
      xds: { registry: xds.registry, cache, loads },
      health,
      ...(opts.publicUrl === undefined ? {} : { publicUrl: opts.publicUrl }),
    });
    cleanup.push(() => app.close());
    await app.listen({ host: opts.host, port: opts.httpPort });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : opts.httpPort;
    const hostPart = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
    const httpUrl = `http://${hostPart}:${port}`;
    logger.info({ http: httpUrl, xds: `${hostPart}:${xds.port}` }, 'vane is serving');
    let closing: Promise<void> | undefined;
    return {
      app,
      store,
      httpUrl,
      xds,
      close: () => {
        closing ??= shutDown(cleanup);
        return closing;
      },
    };
  } catch (err) {
    await shutDown(cleanup);
    throw err;
  }
}

/** Runs the cleanup steps newest first: API, xDS streams, snapshot cache, store. */
async function shutDown(cleanup: (() => Promise<void>)[]): Promise<void> {
  for (const step of cleanup.splice(0).reverse()) await step();
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]+@/, '//$1:***@');
}
