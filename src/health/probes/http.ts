// HTTP and HTTPS probes: GET requestPath (default '/') with Host = spec.host or ip:port.
// Success is status 200 exactly; when `response` is set the body's first 1024 bytes must
// contain it. The body is read to its end (at most MAX_READ_BYTES, then the connection is
// dropped) so that a keep-alive connection can be reused by the endpoint's next probe.
// HTTPS does not verify certificates. PROXY_V1 writes the PROXY line first on each new
// connection (before TLS for HTTPS).
import {
  type ClientRequest,
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import type { HttpProbeSpec, ProbeResult, Prober, ProbeTarget } from '../types.js';
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

export const USER_AGENT = 'GoogleHC/1.0';

type AnyAgent = HttpAgent | HttpsAgent;

type ConnCallback = (err: Error | null, stream: Duplex) => void;

interface ConnOptions {
  host?: string | null;
  port?: number | string | null;
}

/**
 * Connects, writes the PROXY v1 line, and only then hands the socket (wrapped in TLS for
 * HTTPS) to the agent, so the line precedes everything the request writes. Sockets still
 * connecting are tracked so that destroy() cannot leak them.
 */
function proxyConnect(options: ConnOptions, tls: boolean, pending: Set<Socket>, cb: ConnCallback): undefined {
  const raw = netConnect({ host: options.host ?? undefined, port: Number(options.port) });
  pending.add(raw);
  const fail = (err: Error) => {
    pending.delete(raw);
    cb(err, raw);
  };
  raw.once('error', fail);
  raw.once('connect', () => {
    pending.delete(raw);
    raw.off('error', fail);
    raw.write(proxyV1Header(raw.localAddress, raw.localPort, raw.remoteAddress, raw.remotePort));
    cb(null, tls ? tlsConnect({ socket: raw, rejectUnauthorized: false }) : raw);
  });
  return undefined;
}

class ProxyHttpAgent extends HttpAgent {
  private readonly pending = new Set<Socket>();
  override createConnection(options: ConnOptions, cb?: ConnCallback): Duplex | undefined {
    return proxyConnect(options, false, this.pending, cb ?? (() => {}));
  }
  override destroy(): void {
    for (const s of this.pending) s.destroy();
    super.destroy();
  }
}

class ProxyHttpsAgent extends HttpsAgent {
  private readonly pending = new Set<Socket>();
  override createConnection(options: ConnOptions, cb?: ConnCallback): Duplex | undefined {
    return proxyConnect(options, true, this.pending, cb ?? (() => {}));
  }
  override destroy(): void {
    for (const s of this.pending) s.destroy();
    super.destroy();
  }
}

export class HttpProber implements Prober<HttpProbeSpec> {
  private readonly agents = new Map<string, AnyAgent>();

  constructor(private readonly tls: boolean) {}

  private agent(target: ProbeTarget, proxy: boolean): AnyAgent {
    const opts = { keepAlive: true, maxSockets: 1, maxFreeSockets: 1, rejectUnauthorized: false };
    const make = (): AnyAgent =>
      this.tls
        ? proxy
          ? new ProxyHttpsAgent(opts)
          : new HttpsAgent(opts)
        : proxy
          ? new ProxyHttpAgent(opts)
          : new HttpAgent(opts);
    if (target.poolKey === undefined) return make();
    const key = `${target.poolKey}|${proxy ? 'proxy' : 'plain'}`;
    let agent = this.agents.get(key);
    if (agent === undefined) {
      agent = make();
      this.agents.set(key, agent);
    }
    return agent;
  }

  probe(target: ProbeTarget, spec: HttpProbeSpec, signal: AbortSignal): Promise<ProbeResult> {
    return this.attempt(target, spec, signal, new Stopwatch(), false);
  }

  /**
   * One request. A request that fails on a reused keep-alive connection before any response
   * (the server closed it while idle) is retried once on a new connection.
   */
  private attempt(
    target: ProbeTarget,
    spec: HttpProbeSpec,
    signal: AbortSignal,
    sw: Stopwatch,
    retried: boolean,
  ): Promise<ProbeResult> {
    if (signal.aborted) return Promise.resolve(abortedResult(sw, 'before connect'));
    const agent = this.agent(target, spec.proxyHeader === 'PROXY_V1');
    const pooled = target.poolKey !== undefined;
    return new Promise<ProbeResult>((resolve) => {
      let phase = 'waiting for response';
      let settled = false;
      let req: ClientRequest | undefined;
      let res: IncomingMessage | undefined;
      const finish = (result: ProbeResult, destroy: boolean) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        if (destroy) {
          res?.destroy();
          req?.destroy();
        }
        if (!pooled) agent.destroy();
        resolve(result);
      };
      const onAbort = () => finish(abortedResult(sw, phase), true);
      signal.addEventListener('abort', onAbort, { once: true });

      const options = {
        host: target.ip,
        port: target.port,
        method: 'GET',
        path: spec.requestPath || '/',
        agent,
        headers: {
          host: spec.host || hostPort(target.ip, target.port),
          'user-agent': USER_AGENT,
          accept: '*/*',
        },
        rejectUnauthorized: false,
      };
      try {
        req = this.tls ? httpsRequest(options) : httpRequest(options);
      } catch (err) {
        finish(sw.fail(`request: ${describeError(err)}`), true);
        return;
      }
      const sent = req;
      req.on('error', (err) => {
        if (!settled && !retried && sent.reusedSocket && res === undefined && !signal.aborted) {
          settled = true;
          signal.removeEventListener('abort', onAbort);
          sent.destroy();
          resolve(this.attempt(target, spec, signal, sw, true));
          return;
        }
        finish(sw.fail(`${phase}: ${describeError(err)}`), true);
      });
      req.on('response', (r) => {
        res = r;
        phase = 'reading body';
        const status = r.statusCode ?? 0;
        const expected = spec.response || undefined;
        const chunks: Buffer[] = [];
        let received = 0;
        r.on('data', (chunk: Buffer) => {
          if (received < RESPONSE_MATCH_BYTES) chunks.push(chunk);
          received += chunk.length;
          if (received > MAX_READ_BYTES) judge(false);
        });
        r.on('end', () => judge(true));
        r.on('aborted', () => finish(sw.fail('connection closed while reading body'), true));
        r.on('error', (err) => finish(sw.fail(`${phase}: ${describeError(err)}`), true));
        const judge = (complete: boolean) => {
          if (status !== 200) {
            finish(sw.fail(`HTTP ${status}`), !complete);
            return;
          }
          if (expected !== undefined) {
            const head = Buffer.concat(chunks).subarray(0, RESPONSE_MATCH_BYTES);
            if (!head.includes(expected)) {
              finish(sw.fail(`HTTP 200, body ${preview(head)} lacks ${preview(expected)}`), !complete);
              return;
            }
            finish(sw.ok('HTTP 200, response matched'), !complete);
            return;
          }
          finish(sw.ok('HTTP 200'), !complete);
        };
      });
      req.end();
    });
  }

  release(poolKey: string): void {
    // Direct lookups: the only keys a pool key has (a scan would make releasing n endpoints O(n²)).
    for (const key of [`${poolKey}|plain`, `${poolKey}|proxy`]) {
      this.agents.get(key)?.destroy();
      this.agents.delete(key);
    }
  }

  async close(): Promise<void> {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }
}
