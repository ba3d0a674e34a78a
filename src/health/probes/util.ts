import { isIPv6 } from 'node:net';
import type { ProbeResult } from '../types.js';

/** Bytes read at most from a TCP/SSL response or an HTTP body. */
export const MAX_READ_BYTES = 64 * 1024;
/** HTTP response matching looks at the body's first this many bytes (GCP semantics). */
export const RESPONSE_MATCH_BYTES = 1024;

export function hostPort(ip: string, port: number): string {
  return isIPv6(ip) ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Measures one probe and builds its result. */
export class Stopwatch {
  private readonly start = performance.now();
  ok(detail: string): ProbeResult {
    return { ok: true, detail, latencyMs: this.elapsed() };
  }
  fail(detail: string, timedOut = false): ProbeResult {
    return timedOut
      ? { ok: false, detail, latencyMs: this.elapsed(), timedOut }
      : { ok: false, detail, latencyMs: this.elapsed() };
  }
  elapsed(): number {
    return Math.round((performance.now() - this.start) * 1000) / 1000;
  }
}

export function abortedResult(sw: Stopwatch, phase: string): ProbeResult {
  return sw.fail(`timeout ${phase}`, true);
}

/** A short, single-line description of an error. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    // node:http2 wraps connection errors: report the cause
    if ((err as NodeJS.ErrnoException).code === 'ERR_HTTP2_STREAM_CANCEL' && err.cause instanceof Error) {
      return describeError(err.cause);
    }
    const code = (err as NodeJS.ErrnoException).code;
    const msg = err.message.split('\n')[0]!.slice(0, 160);
    return code !== undefined && !msg.includes(code) ? `${code}: ${msg}` : msg;
  }
  return String(err).slice(0, 160);
}

/** Quotes bytes for a detail message, at most 40 characters. */
export function preview(bytes: Buffer | string): string {
  const s = typeof bytes === 'string' ? bytes : bytes.toString('latin1');
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
}

/** PROXY protocol v1 line for a connection from local to remote. */
export function proxyV1Header(
  localAddress: string | undefined,
  localPort: number | undefined,
  remoteAddress: string | undefined,
  remotePort: number | undefined,
): string {
  if (localAddress === undefined || remoteAddress === undefined || localPort === undefined || !remotePort) {
    return 'PROXY UNKNOWN\r\n';
  }
  const strip = (a: string) => (a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a);
  const src = strip(localAddress);
  const dst = strip(remoteAddress);
  const family = isIPv6(src) ? 'TCP6' : 'TCP4';
  return `PROXY ${family} ${src} ${dst} ${localPort} ${remotePort}\r\n`;
}
