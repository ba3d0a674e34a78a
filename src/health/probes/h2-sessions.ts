// Long-lived HTTP/2 client sessions, one per pool key, shared by the HTTP2 and GRPC probers.
import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  connect,
  constants,
  type SecureClientSessionOptions,
} from 'node:http2';
import type { ProbeResult } from '../types.js';
import { abortedResult, describeError, type Stopwatch } from './util.js';

export class SessionPool {
  private readonly sessions = new Map<string, ClientHttp2Session>();

  /** The live session for `key`, if there is one. */
  live(key: string | undefined): ClientHttp2Session | undefined {
    if (key === undefined) return undefined;
    const s = this.sessions.get(key);
    return s !== undefined && !s.closed && !s.destroyed ? s : undefined;
  }

  /**
   * The live session for `key`, or a new one (`key` undefined: always new, the caller destroys it).
   * Session errors are reported to the probes through their streams.
   */
  get(key: string | undefined, authority: string, options: SecureClientSessionOptions): ClientHttp2Session {
    if (key !== undefined) {
      const existing = this.sessions.get(key);
      if (existing !== undefined && !existing.closed && !existing.destroyed) return existing;
      this.sessions.delete(key);
    }
    const session = connect(authority, options);
    session.on('error', () => {});
    if (key !== undefined) {
      this.sessions.set(key, session);
      session.once('close', () => {
        if (this.sessions.get(key) === session) this.sessions.delete(key);
      });
    }
    return session;
  }

  /** Destroys the sessions with these keys. */
  release(keys: readonly string[]): void {
    for (const key of keys) {
      this.sessions.get(key)?.destroy();
      this.sessions.delete(key);
    }
  }

  /** Destroys every session; resolves once all are closed. */
  async close(): Promise<void> {
    const closing = [...this.sessions.values()].map(
      (s) =>
        new Promise<void>((resolve) => {
          if (s.destroyed) return resolve();
          s.once('close', () => resolve());
          s.destroy();
        }),
    );
    this.sessions.clear();
    await Promise.all(closing);
  }
}

/** One request's state on a (possibly shared) HTTP/2 session, for the prober that drives it. */
export interface Exchange {
  /** What the request was doing, for failure details ("connecting", "reading body", …). */
  phase: string;
  /** A response arrived: a later failure is the server's answer, not a stale session. */
  responded: boolean;
  readonly settled: boolean;
  finish(result: ProbeResult, keepSession: boolean): void;
}

/**
 * Runs one request on `session`: `send` issues it and wires the response. The exchange ends
 * on abort, session error or close, or stream error or close; every listener it added goes
 * with it, an unpooled (or failed) session is destroyed, and a request that failed on a reused
 * session before any response is retried once through `retry`.
 */
export function exchange(
  session: ClientHttp2Session,
  opts: {
    signal: AbortSignal;
    sw: Stopwatch;
    pooled: boolean;
    retry?: (() => Promise<ProbeResult>) | undefined;
  },
  send: (x: Exchange) => ClientHttp2Stream,
): Promise<ProbeResult> {
  const { signal, sw, pooled, retry } = opts;
  return new Promise<ProbeResult>((resolve) => {
    let stream: ClientHttp2Stream | undefined;
    const x: Exchange = {
      phase: session.connecting ? 'connecting' : 'waiting for response',
      responded: false,
      settled: false,
      finish(result, keepSession) {
        if (x.settled) return;
        (x as { settled: boolean }).settled = true;
        signal.removeEventListener('abort', onAbort);
        session.off('close', onSessionClose);
        session.off('error', onSessionError);
        session.off('connect', onConnect);
        if (stream !== undefined && !stream.closed) stream.close(constants.NGHTTP2_CANCEL);
        if (!keepSession || !pooled) session.destroy();
        if (retry !== undefined && !result.ok && !result.timedOut && !x.responded && !signal.aborted) {
          session.destroy();
          resolve(retry());
          return;
        }
        resolve(result);
      },
    };
    const onAbort = () => x.finish(abortedResult(sw, x.phase), false);
    const onSessionError = (err: Error) => x.finish(sw.fail(`${x.phase}: ${describeError(err)}`), false);
    const onSessionClose = () => x.finish(sw.fail(`${x.phase}: connection closed`), false);
    // Only a connecting session will emit 'connect'; the listener goes with the exchange.
    const onConnect = () => {
      x.phase = 'waiting for response';
    };
    signal.addEventListener('abort', onAbort, { once: true });
    session.on('error', onSessionError);
    session.once('close', onSessionClose);
    if (session.connecting) session.once('connect', onConnect);
    try {
      stream = send(x);
    } catch (err) {
      x.finish(sw.fail(`request: ${describeError(err)}`), false);
      return;
    }
    const s = stream;
    s.on('error', (err) => x.finish(sw.fail(`${x.phase}: ${describeError(err)}`), false));
    s.on('close', () => x.finish(sw.fail(`${x.phase}: stream closed (code ${s.rstCode ?? 0})`), false));
  });
}
