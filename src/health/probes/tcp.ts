// TCP and SSL probes: connect (TLS without certificate verification for SSL), send
// `request` when set, and when `response` is set require the first bytes received to
// start with it. Without `response`, a completed connect (and handshake) is success.
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { ProbeResult, Prober, ProbeTarget, TcpProbeSpec } from '../types.js';
import { abortedResult, describeError, MAX_READ_BYTES, preview, proxyV1Header, Stopwatch } from './util.js';

export function probeTcp(target: ProbeTarget, spec: TcpProbeSpec, signal: AbortSignal): Promise<ProbeResult> {
  return probeStream(target, spec, signal, false);
}

export function probeSsl(target: ProbeTarget, spec: TcpProbeSpec, signal: AbortSignal): Promise<ProbeResult> {
  return probeStream(target, spec, signal, true);
}

function probeStream(
  target: ProbeTarget,
  spec: TcpProbeSpec,
  signal: AbortSignal,
  tls: boolean,
): Promise<ProbeResult> {
  const sw = new Stopwatch();
  if (signal.aborted) return Promise.resolve(abortedResult(sw, 'before connect'));
  return new Promise<ProbeResult>((resolve) => {
    let phase = 'connecting';
    let settled = false;
    const raw = netConnect({ host: target.ip, port: target.port });
    let sock: Socket = raw;
    const finish = (result: ProbeResult) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      // Destroy the outermost socket only: a TLS socket tears down the one under it (also
      // destroying the TCP socket under a live TLS socket crashes node).
      sock.destroy();
      resolve(result);
    };
    const onAbort = () => finish(abortedResult(sw, phase));
    signal.addEventListener('abort', onAbort, { once: true });
    raw.on('error', (err) => finish(sw.fail(`${phase}: ${describeError(err)}`)));

    const onReady = () => {
      if (spec.request !== undefined && spec.request !== '') sock.write(spec.request);
      const expected =
        spec.response !== undefined && spec.response !== '' ? Buffer.from(spec.response) : undefined;
      if (expected === undefined) {
        if (spec.request !== undefined && spec.request !== '') {
          phase = 'sending request';
          sock.end(() =>
            finish(sw.ok(tls ? 'handshake completed, request sent' : 'connected, request sent')),
          );
        } else {
          finish(sw.ok(tls ? 'handshake completed' : 'connected'));
        }
        return;
      }
      phase = 'reading response';
      const chunks: Buffer[] = [];
      let received = 0;
      const check = (ended: boolean) => {
        const got = Buffer.concat(chunks, received);
        const n = Math.min(got.length, expected.length);
        if (!got.subarray(0, n).equals(expected.subarray(0, n))) {
          finish(sw.fail(`response mismatch: got ${preview(got.subarray(0, expected.length))}`));
        } else if (got.length >= expected.length) {
          finish(sw.ok('response matched'));
        } else if (ended) {
          finish(sw.fail(`connection closed after ${got.length} of ${expected.length} expected bytes`));
        }
      };
      sock.on('data', (chunk: Buffer) => {
        if (received < MAX_READ_BYTES) {
          chunks.push(chunk);
          received += chunk.length;
        }
        check(false);
      });
      sock.on('end', () => check(true));
      sock.on('close', () => check(true));
    };

    raw.once('connect', () => {
      if (spec.proxyHeader === 'PROXY_V1') {
        raw.write(proxyV1Header(raw.localAddress, raw.localPort, raw.remoteAddress, raw.remotePort));
      }
      if (!tls) {
        onReady();
        return;
      }
      phase = 'TLS handshake';
      const secure = tlsConnect({ socket: raw, rejectUnauthorized: false });
      sock = secure;
      secure.on('error', (err) => finish(sw.fail(`${phase}: ${describeError(err)}`)));
      secure.once('secureConnect', onReady);
    });
  });
}

/** TCP/SSL probes open a connection per probe: nothing is pooled. */
export function tcpProber(tls: boolean): Prober<TcpProbeSpec> {
  return {
    probe: tls ? probeSsl : probeTcp,
    release() {},
    close: async () => {},
  };
}
