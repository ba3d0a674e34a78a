// HTTP2 probe: like GCP's HTTP2 health checks, HTTP/2 over TLS (ALPN h2, no certificate
// verification): GET requestPath with :authority = spec.host or ip:port; success is
// :status 200 exactly and, when `response` is set, the body's first 1024 bytes containing it.
// One session per endpoint is kept and reused; it is dropped on any error or timeout.
// PROXY_V1 writes the PROXY line before the TLS handshake of each new session.
import type { ClientHttp2Session } from 'node:http2';
import { connect as netConnect, Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { HttpProbeSpec, ProbeResult, Prober, ProbeTarget } from '../types.js';
import { exchange, SessionPool } from './h2-sessions.js';
import { USER_AGENT } from './http.js';
import {
  abortedResult,
  describeError,
  hostPort,
  MAX_READ_BYTES,
  preview,
  proxyV1Header,
  RESPONSE_MATCH_BYTES,
  Stopwatch,
} from './util.js';

export class Http2Prober implements Prober<HttpProbeSpec> {
  private readonly pool = new SessionPool();

  probe(target: ProbeTarget, spec: HttpProbeSpec, signal: AbortSignal): Promise<ProbeResult> {
    return this.attempt(target, spec, signal, new Stopwatch(), false);
  }

  /**
   * One request. A request that fails on a reused session before any response (the server
   * closed it while idle) is retried once on a new session.
   */
  private attempt(
    target: ProbeTarget,
    spec: HttpProbeSpec,
    signal: AbortSignal,
    sw: Stopwatch,
    retried: boolean,
  ): Promise<ProbeResult> {
    if (signal.aborted) return Promise.resolve(abortedResult(sw, 'before connect'));
    const proxy = spec.proxyHeader === 'PROXY_V1';
    const key = target.poolKey === undefined ? undefined : `${target.poolKey}|${proxy ? 'proxy' : 'plain'}`;
    const authority = `https://${hostPort(target.ip, target.port)}`;
    const existing = this.pool.live(key);
    if (existing !== undefined) {
      const retry = retried ? undefined : () => this.attempt(target, spec, signal, sw, true);
      return this.run(existing, target, spec, signal, sw, retry);
    }
    if (!proxy) {
      const session = this.pool.get(key, authority, {
        rejectUnauthorized: false,
        createConnection: () =>
          tlsConnect({
            host: target.ip,
            port: target.port,
            rejectUnauthorized: false,
            ALPNProtocols: ['h2'],
          }),
      });
      return this.run(session, target, spec, signal, sw);
    }
    // PROXY_V1: the line must precede the TLS handshake, so connect first.
    return connectWithProxyLine(target, signal).then((raw) => {
      if (!(raw instanceof Socket)) return raw.aborted ? abortedResult(sw, 'connecting') : sw.fail(raw.error);
      const session = this.pool.get(key, authority, {
        rejectUnauthorized: false,
        createConnection: () => tlsConnect({ socket: raw, rejectUnauthorized: false, ALPNProtocols: ['h2'] }),
      });
      return this.run(session, target, spec, signal, sw);
    });
  }

  private run(
    session: ClientHttp2Session,
    target: ProbeTarget,
    spec: HttpProbeSpec,
    signal: AbortSignal,
    sw: Stopwatch,
    retry?: () => Promise<ProbeResult>,
  ): Promise<ProbeResult> {
    if (signal.aborted) {
      if (target.poolKey === undefined) session.destroy();
      return Promise.resolve(abortedResult(sw, 'connecting'));
    }
    return exchange(session, { signal, sw, pooled: target.poolKey !== undefined, retry }, (x) => {
      const s = session.request({
        ':method': 'GET',
        ':path': spec.requestPath || '/',
        ':authority': spec.host || hostPort(target.ip, target.port),
        'user-agent': USER_AGENT,
      });
      s.on('response', (headers) => {
        x.responded = true;
        x.phase = 'reading body';
        const status = Number(headers[':status'] ?? 0);
        const expected = spec.response || undefined;
        const chunks: Buffer[] = [];
        let received = 0;
        const judge = (complete: boolean) => {
          if (status !== 200) {
            x.finish(sw.fail(`HTTP/2 ${status}`), true);
            return;
          }
          if (expected !== undefined) {
            const head = Buffer.concat(chunks).subarray(0, RESPONSE_MATCH_BYTES);
            if (!head.includes(expected)) {
              x.finish(sw.fail(`HTTP/2 200, body ${preview(head)} lacks ${preview(expected)}`), true);
              return;
            }
            x.finish(sw.ok('HTTP/2 200, response matched'), true);
            return;
          }
          x.finish(sw.ok(complete ? 'HTTP/2 200' : 'HTTP/2 200 (body truncated)'), true);
        };
        s.on('data', (chunk: Buffer) => {
          if (received < RESPONSE_MATCH_BYTES) chunks.push(chunk);
          received += chunk.length;
          if (received > MAX_READ_BYTES) judge(false);
        });
        s.on('end', () => judge(true));
      });
      s.end();
      return s;
    });
  }

  release(poolKey: string): void {
    this.pool.release([`${poolKey}|plain`, `${poolKey}|proxy`]);
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** A TCP connection with the PROXY v1 line written, or why there is none. */
function connectWithProxyLine(
  target: ProbeTarget,
  signal: AbortSignal,
): Promise<Socket | { error: string; aborted?: boolean }> {
  return new Promise((resolve) => {
    const raw = netConnect({ host: target.ip, port: target.port });
    const onAbort = () => {
      raw.destroy();
      resolve({ error: 'timeout connecting', aborted: true });
    };
    signal.addEventListener('abort', onAbort, { once: true });
    raw.once('error', (err) => {
      signal.removeEventListener('abort', onAbort);
      resolve({ error: `connecting: ${describeError(err)}` });
    });
    raw.once('connect', () => {
      signal.removeEventListener('abort', onAbort);
      raw.removeAllListeners('error');
      raw.write(proxyV1Header(raw.localAddress, raw.localPort, raw.remoteAddress, raw.remotePort));
      resolve(raw);
    });
  });
}
