import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

/** Log bytes held while the reader of stdout is slower than the server; beyond, lines are dropped. */
const MAX_BUFFERED_LOG_BYTES = 16 * 1024 * 1024;

/**
 * One JSON object per line; human-readable when the output is a terminal. JSON lines are
 * written asynchronously into a bounded buffer, so a stalled log reader can never block the
 * server (a synchronous write to a full pipe would stop the event loop, signals included).
 */
export function createLogger(
  level = process.env.VANE_LOG_LEVEL ?? 'info',
  human = process.stdout.isTTY === true,
): Logger {
  const options = { level, base: { service: 'vane' }, timestamp: pino.stdTimeFunctions.isoTime };
  if (!human) {
    destination = pino.destination({ dest: 1, sync: false, minLength: 0, maxLength: MAX_BUFFERED_LOG_BYTES });
    return pino(options, destination);
  }
  return pino(
    options,
    pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service', sync: true }),
  );
}

/** The asynchronous stdout destination, when logging JSON. */
let destination: ReturnType<typeof pino.destination> | undefined;

/**
 * Exits after giving the last lines a moment to reach stdout. What is still buffered then is
 * dropped: pino would otherwise flush synchronously at exit, and a stalled log reader would
 * hold the process forever.
 */
export function exitSoon(code: number): void {
  setTimeout(() => {
    destination?.destroy();
    process.exit(code);
  }, 200);
}
