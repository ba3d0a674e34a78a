// Long-lived HTTP/2 client sessions, one per pool key, shared by the HTTP2 and GRPC probers.
import { type ClientHttp2Session, connect, type SecureClientSessionOptions } from 'node:http2';

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
