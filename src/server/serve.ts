import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApp } from '../api/app.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/store.js';
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
}

export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  httpUrl: string;
  close(): Promise<void>;
}

export async function startServer(opts: ServeOptions, logger: Logger): Promise<RunningServer> {
  const dataDir = resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const storeUrl = opts.store ?? `sqlite:${resolve(dataDir, 'vane.db')}`;
  const store = await openStore(storeUrl);
  logger.info(
    { store: redact(storeUrl), driver: store.driver, revision: await store.revision() },
    'store open',
  );
  try {
    await ensureAdminToken(store, dataDir, logger, opts.adminToken);
    const app = buildApp({
      store,
      logger,
      ...(opts.publicUrl === undefined ? {} : { publicUrl: opts.publicUrl }),
    });
    await app.listen({ host: opts.host, port: opts.httpPort });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : opts.httpPort;
    const httpUrl = `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`;
    logger.info({ http: httpUrl, xdsPort: opts.xdsPort }, 'vane is serving');
    let closing: Promise<void> | undefined;
    return {
      app,
      store,
      httpUrl,
      close: () => {
        closing ??= (async () => {
          await app.close();
          await store.close();
        })();
        return closing;
      },
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]+@/, '//$1:***@');
}
