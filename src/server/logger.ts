import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

/** One JSON object per line; human-readable when the output is a terminal. */
export function createLogger(
  level = process.env.VANE_LOG_LEVEL ?? 'info',
  human = process.stdout.isTTY === true,
): Logger {
  const options = { level, base: { service: 'vane' }, timestamp: pino.stdTimeFunctions.isoTime };
  if (!human) return pino(options);
  return pino(
    options,
    pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service', sync: true }),
  );
}
