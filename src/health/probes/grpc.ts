// GRPC probe: unary grpc.health.v1.Health/Check {service: grpcServiceName ?? ''} over an
// insecure (cleartext, HTTP/2 prior-knowledge) channel — one long-lived HTTP/2 session per
// endpoint, reused — with grpc-timeout = the probe timeout. Success is grpc-status 0 with
// status SERVING. The gRPC wire protocol is spoken directly on node:http2 rather than
// through @grpc/grpc-js, so that every socket is under the prober's control: grpc-js 1.14
// only close()s (never destroys) a session whose HTTP/2 handshake is pending, which leaks the
// socket of a peer that accepts and never answers. The two messages are encoded by hand.
import { type ClientHttp2Stream, constants } from 'node:http2';
import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import type { GrpcProbeSpec, ProbeResult, Prober, ProbeTarget } from '../types.js';
import { SessionPool } from './h2-sessions.js';
import { abortedResult, describeError, hostPort, preview, Stopwatch } from './util.js';

export const HEALTH_CHECK_METHOD = '/grpc.health.v1.Health/Check';

export const SERVING_STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'] as const;
export type ServingStatus = (typeof SERVING_STATUS)[number];

export interface HealthCheckRequest {
  service: string;
}
export interface HealthCheckResponse {
  status: ServingStatus | number;
}

export function encodeHealthCheckRequest(req: HealthCheckRequest): Buffer {
  const w = new BinaryWriter();
  if (req.service !== '') w.tag(1, WireType.LengthDelimited).string(req.service);
  return Buffer.from(w.finish());
}

export function decodeHealthCheckRequest(bytes: Uint8Array): HealthCheckRequest {
  const r = new BinaryReader(bytes);
  const out: HealthCheckRequest = { service: '' };
  while (r.pos < r.len) {
    const [field, wireType] = r.tag();
    if (field === 1 && wireType === WireType.LengthDelimited) out.service = r.string();
    else r.skip(wireType);
  }
  return out;
}

export function encodeHealthCheckResponse(res: HealthCheckResponse): Buffer {
  const w = new BinaryWriter();
  const n = typeof res.status === 'number' ? res.status : SERVING_STATUS.indexOf(res.status);
  if (n !== 0) w.tag(1, WireType.Varint).int32(n);
  return Buffer.from(w.finish());
}

export function decodeHealthCheckResponse(bytes: Uint8Array): HealthCheckResponse {
  const r = new BinaryReader(bytes);
  let n = 0;
  while (r.pos < r.len) {
    const [field, wireType] = r.tag();
    if (field === 1 && wireType === WireType.Varint) n = r.int32();
    else r.skip(wireType);
  }
  return { status: SERVING_STATUS[n] ?? n };
}

const GRPC_CODES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
];

/** A response larger than this is not a HealthCheckResponse. */
const MAX_RESPONSE_BYTES = 4096;

function frame(message: Buffer): Buffer {
  const out = Buffer.alloc(5 + message.length);
  out.writeUInt32BE(message.length, 1);
  message.copy(out, 5);
  return out;
}

/** grpc-timeout header value (at most 8 digits). */
function grpcTimeout(ms: number): string {
  const n = Math.max(1, Math.ceil(ms));
  return n < 1e8 ? `${n}m` : `${Math.ceil(n / 1000)}S`;
}

function header(h: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

export class GrpcProber implements Prober<GrpcProbeSpec> {
  private readonly pool = new SessionPool();

  probe(target: ProbeTarget, spec: GrpcProbeSpec, signal: AbortSignal): Promise<ProbeResult> {
    return this.attempt(target, spec, signal, new Stopwatch(), false);
  }

  /**
   * One call. A call that fails on a reused session before any response (the server closed
   * it while idle) is retried once on a new session.
   */
  private attempt(
    target: ProbeTarget,
    spec: GrpcProbeSpec,
    signal: AbortSignal,
    sw: Stopwatch,
    retried: boolean,
  ): Promise<ProbeResult> {
    if (signal.aborted) return Promise.resolve(abortedResult(sw, 'before call'));
    const authority = hostPort(target.ip, target.port);
    const key = target.poolKey === undefined ? undefined : `${target.poolKey}|grpc`;
    const canRetry = !retried && this.pool.live(key) !== undefined;
    const session = this.pool.get(key, `http://${authority}`, {});
    const pooled = target.poolKey !== undefined;
    return new Promise<ProbeResult>((resolve) => {
      let phase = session.connecting ? 'connecting' : 'waiting for response';
      let settled = false;
      let stream: ClientHttp2Stream | undefined;
      let responded = false;
      const finish = (result: ProbeResult, keepSession: boolean) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        session.off('close', onSessionClose);
        session.off('error', onSessionError);
        session.off('connect', onConnect);
        if (stream !== undefined && !stream.closed) stream.close(constants.NGHTTP2_CANCEL);
        if (!keepSession || !pooled) session.destroy();
        if (canRetry && !result.ok && !result.timedOut && !responded && !signal.aborted) {
          session.destroy();
          resolve(this.attempt(target, spec, signal, sw, true));
          return;
        }
        resolve(result);
      };
      const onAbort = () => finish(abortedResult(sw, phase), false);
      const onSessionError = (err: Error) => finish(sw.fail(`${phase}: ${describeError(err)}`), false);
      const onSessionClose = () => finish(sw.fail(`${phase}: connection closed`), false);
      signal.addEventListener('abort', onAbort, { once: true });
      session.on('error', onSessionError);
      session.once('close', onSessionClose);
      // Only a connecting session will emit 'connect'; the listener goes with the probe.
      const onConnect = () => {
        phase = 'waiting for response';
      };
      if (session.connecting) session.once('connect', onConnect);
      try {
        stream = session.request({
          ':method': 'POST',
          ':path': HEALTH_CHECK_METHOD,
          ':scheme': 'http',
          ':authority': authority,
          'content-type': 'application/grpc',
          te: 'trailers',
          'grpc-timeout': grpcTimeout(target.timeoutMs),
          'user-agent': 'vane-health/1.0',
        });
      } catch (err) {
        finish(sw.fail(`request: ${describeError(err)}`), false);
        return;
      }
      const s = stream;
      let status = 0;
      let headers: Record<string, string | string[] | undefined> = {};
      let trailers: Record<string, string | string[] | undefined> | undefined;
      const chunks: Buffer[] = [];
      let received = 0;
      s.on('error', (err) => finish(sw.fail(`${phase}: ${describeError(err)}`), false));
      s.on('response', (h) => {
        responded = true;
        phase = 'reading response';
        headers = h;
        status = Number(h[':status'] ?? 0);
      });
      s.on('trailers', (t) => {
        trailers = t;
      });
      s.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > MAX_RESPONSE_BYTES) {
          finish(sw.fail(`response larger than ${MAX_RESPONSE_BYTES} bytes`), false);
          return;
        }
        chunks.push(chunk);
      });
      s.on('end', () => {
        if (status !== 200) {
          finish(sw.fail(`HTTP/2 ${status} (not a gRPC server?)`), true);
          return;
        }
        const contentType = header(headers, 'content-type') ?? '';
        if (!contentType.startsWith('application/grpc')) {
          finish(sw.fail(`content-type ${preview(contentType)} (not a gRPC server?)`), true);
          return;
        }
        // Trailers-Only responses carry grpc-status in the headers.
        const meta = trailers ?? headers;
        const code = Number(header(meta, 'grpc-status') ?? Number.NaN);
        if (Number.isNaN(code)) {
          finish(sw.fail('response without grpc-status'), false);
          return;
        }
        if (code !== 0) {
          let message = header(meta, 'grpc-message') ?? '';
          try {
            message = decodeURIComponent(message);
          } catch {}
          finish(sw.fail(`${GRPC_CODES[code] ?? code}: ${message}`.slice(0, 200), code === 4), true);
          return;
        }
        const body = Buffer.concat(chunks);
        if (body.length < 5 || body[0] !== 0 || body.readUInt32BE(1) !== body.length - 5) {
          finish(sw.fail(`malformed response message (${body.length} bytes)`), false);
          return;
        }
        let st: ServingStatus | number;
        try {
          st = decodeHealthCheckResponse(body.subarray(5)).status;
        } catch (err) {
          finish(sw.fail(`undecodable HealthCheckResponse: ${describeError(err)}`), true);
          return;
        }
        finish(st === 'SERVING' ? sw.ok('SERVING') : sw.fail(`status ${st}`), true);
      });
      s.on('close', () => {
        if (!settled) finish(sw.fail(`${phase}: stream closed (code ${s.rstCode ?? 0})`), false);
      });
      s.end(frame(encodeHealthCheckRequest({ service: spec.grpcServiceName ?? '' })));
    });
  }

  release(poolKey: string): void {
    this.pool.release([`${poolKey}|grpc`]);
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
