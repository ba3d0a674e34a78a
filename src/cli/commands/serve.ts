import type { Command } from 'commander';
import { parseNonNegative, parsePort } from '../args.js';

export function serveCommand(program: Command): void {
  program
    .command('serve')
    .description('run the control plane: REST API, console and /metrics on --http-port, xDS on --xds-port')
    .option(
      '--data-dir <dir>',
      'where the embedded store and the admin token live (default: $VANE_DATA_DIR, else ./.vane)',
      process.env.VANE_DATA_DIR ?? './.vane',
    )
    .option(
      '--store <url>',
      'sqlite:<path> (default sqlite:<data-dir>/vane.db) or postgres://user@host:5432/db',
    )
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--http-port <port>', 'REST API port (0 picks a free one)', parsePort, 8080)
    .option('--xds-port <port>', 'xDS (gRPC) port', parsePort, 15010)
    .option('--public-url <url>', 'base URL for selfLinks (default: the URL each client used)')
    .option(
      '--debounce-ms <ms>',
      'quiet period: a change after one is pushed at once; closer changes are merged',
      parseNonNegative,
      100,
    )
    .option('--debounce-max-ms <ms>', 'longest a burst of changes can delay a push', parseNonNegative, 1000)
    .option('--lrs-interval <seconds>', 'load reporting interval asked of proxies', parseNonNegative, 10)
    .option('--max-streams <n>', 'xDS streams accepted at once (default: unlimited)', parseNonNegative)
    .option(
      '--new-streams-per-second <n>',
      'rate limit on new xDS streams, for connect storms (default: unlimited)',
      parseNonNegative,
    )
    .option(
      '--max-connection-age <seconds>',
      'send GOAWAY to xDS connections after this age, ±10 % jitter, so replicas rebalance',
      parseNonNegative,
    )
    .option('--log-level <level>', 'trace, debug, info, warn or error', process.env.VANE_LOG_LEVEL ?? 'info')
    .action(
      async (opts: {
        dataDir: string;
        store?: string;
        host: string;
        httpPort: number;
        xdsPort: number;
        publicUrl?: string;
        logLevel: string;
        debounceMs: number;
        debounceMaxMs: number;
        lrsInterval: number;
        maxStreams?: number;
        newStreamsPerSecond?: number;
        maxConnectionAge?: number;
      }) => {
        // Loaded here so that client commands do not pay for the server's modules.
        const { createLogger, exitSoon } = await import('../../server/logger.js');
        const { startServer } = await import('../../server/serve.js');
        const logger = createLogger(opts.logLevel);
        const server = await startServer(
          {
            dataDir: opts.dataDir,
            host: opts.host,
            httpPort: opts.httpPort,
            xdsPort: opts.xdsPort,
            debounceMs: opts.debounceMs,
            debounceMaxMs: opts.debounceMaxMs,
            lrsIntervalSeconds: opts.lrsInterval,
            xdsLimits: {
              ...(opts.maxStreams === undefined ? {} : { maxStreams: opts.maxStreams }),
              ...(opts.newStreamsPerSecond === undefined
                ? {}
                : { newStreamsPerSecond: opts.newStreamsPerSecond }),
              ...(opts.maxConnectionAge === undefined
                ? {}
                : { maxConnectionAgeSeconds: opts.maxConnectionAge }),
            },
            ...(opts.store === undefined ? {} : { store: opts.store }),
            ...(opts.publicUrl === undefined ? {} : { publicUrl: opts.publicUrl }),
            ...(process.env.VANE_ADMIN_TOKEN === undefined
              ? {}
              : { adminToken: process.env.VANE_ADMIN_TOKEN }),
          },
          logger,
        );
        let stopping = false;
        const stop = (signal: string) => {
          if (stopping) {
            logger.warn({ signal }, 'second signal: exiting now');
            exitSoon(1);
            return;
          }
          stopping = true;
          logger.info({ signal }, 'shutting down: finishing requests in flight');
          server.close().then(
            () => {
              logger.info('stopped');
              exitSoon(0);
            },
            (err: unknown) => {
              logger.error({ err }, 'shutdown failed');
              exitSoon(1);
            },
          );
        };
        process.on('SIGINT', () => stop('SIGINT'));
        process.on('SIGTERM', () => stop('SIGTERM'));
      },
    );
}
