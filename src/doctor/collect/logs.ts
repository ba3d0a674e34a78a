// Proxy and agent logs, found where the guide says they are ($LOG_DIR/envoy.err.log,
// /var/log/envoy/, the agent's console log) plus the files named with --log.
import { join } from 'node:path';
import type { FileText } from '../evidence.js';
import { isFile, readTail } from './files.js';
import { errorText, type Unavailable } from './options.js';

export function standardLogs(logDir: string | undefined, consoleLog: string | undefined): string[] {
  const out = [
    ...(logDir === undefined ? [] : [join(logDir, 'envoy.err.log')]),
    '/var/log/envoy/envoy.err.log',
    ...(consoleLog === undefined ? [] : [consoleLog]),
    '/var/lib/vane-agent/console.log',
  ];
  return [...new Set(out)];
}

/** The tail of every standard log that exists and of every named one (named ones must exist). */
export function collectLogs(
  named: readonly string[],
  standard: readonly string[],
  unavailable: Unavailable[],
): FileText[] {
  const out: FileText[] = [];
  const seen = new Set<string>();
  for (const path of named) {
    seen.add(path);
    try {
      out.push({ source: path, text: readTail(path) });
    } catch (err) {
      unavailable.push({ input: `log ${path}`, why: errorText(err) });
    }
  }
  for (const path of standard) {
    if (seen.has(path) || !isFile(path)) continue;
    seen.add(path);
    try {
      out.push({ source: path, text: readTail(path) });
    } catch (err) {
      unavailable.push({ input: `log ${path}`, why: errorText(err) });
    }
  }
  return out;
}
