import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import type { ServiceDefinition } from '@grpc/grpc-js';
import type { GrpcProbeSpec, ProbeResult, Prober, ProbeTarget } from '../types.js';
import { exchange, SessionPool } from './h2-sessions.js';
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

/**
 * grpc.health.v1.Health/Check as a grpc-js service definition with these codecs, for gRPC
 * servers that answer Vane's checks (the demo's backends, the health benchmark).
 */
export const HEALTH_SERVICE_DEFINITION = {
  check: {
    path: HEALTH_CHECK_METHOD,
    requestStream: false,
    responseStream: false,
    requestSerialize: (v: HealthCheckRequest) => encodeHealthCheckRequest(v),
    requestDeserialize: (b: Buffer) => decodeHealthCheckRequest(b),
    responseSerialize: (v: HealthCheckResponse) => encodeHealthCheckResponse(v),
    responseDeserialize: (b: Buffer) => decodeHealthCheckResponse(b),
  },
} satisfies ServiceDefinition;

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
    const retry = canRetry ? () => this.attempt(target, spec, signal, sw, true) : undefined;
    return exchange(session, { signal, sw, pooled: target.poolKey !== undefined, retry }, (x) => {
      const s = session.request({
        ':method': 'POST',
        ':path': HEALTH_CHECK_METHOD,
        ':scheme': 'http',
        ':authority': authority,
        'content-type': 'application/grpc',
        te: 'trailers',
        'grpc-timeout': grpcTimeout(target.timeoutMs),
        'user-agent': 'vane-health/1.0',
      });
      let status = 0;
      let headers: Record<string, string | string[] | undefined> = {};
      let trailers: Record<string, string | string[] | undefined> | undefined;
      const chunks: Buffer[] = [];
      let received = 0;
      s.on('response', (h) => {
        x.responded = true;
        x.phase = 'reading response';
        headers = h;
        status = Number(h[':status'] ?? 0);
      });
      s.on('trailers', (t) => {
        trailers = t;
      });
      s.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > MAX_RESPONSE_BYTES) {
          x.finish(sw.fail(`response larger than ${MAX_RESPONSE_BYTES} bytes`), false);
          return;
        }
        chunks.push(chunk);
      });
      s.on('end', () => {
        const { result, keepSession } = judgeResponse(sw, status, headers, trailers, chunks);
        x.finish(result, keepSession);
      });
      s.end(frame(encodeHealthCheckRequest({ service: spec.grpcServiceName ?? '' })));
      return s;
    });
  }

  release(poolKey: string): void {
    this.pool.release([`${poolKey}|grpc`]);
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** What a finished Health/Check exchange says, and whether its session is worth keeping. */
function judgeResponse(
  sw: Stopwatch,
  status: number,
  headers: Record<string, string | string[] | undefined>,
  trailers: Record<string, string | string[] | undefined> | undefined,
  chunks: Buffer[],
): { result: ProbeResult; keepSession: boolean } {
  if (status !== 200) return { result: sw.fail(`HTTP/2 ${status} (not a gRPC server?)`), keepSession: true };
  const contentType = header(headers, 'content-type') ?? '';
  if (!contentType.startsWith('application/grpc')) {
    return {
      result: sw.fail(`content-type ${preview(contentType)} (not a gRPC server?)`),
      keepSession: true,
    };
  }
  // Trailers-Only responses carry grpc-status in the headers.
  const meta = trailers ?? headers;
  const code = Number(header(meta, 'grpc-status') ?? Number.NaN);
  if (Number.isNaN(code)) return { result: sw.fail('response without grpc-status'), keepSession: false };
  if (code !== 0) {
    let message = header(meta, 'grpc-message') ?? '';
    try {
      message = decodeURIComponent(message);
    } catch {}
    return {
      result: sw.fail(`${GRPC_CODES[code] ?? code}: ${message}`.slice(0, 200), code === 4),
      keepSession: true,
    };
  }
  const body = Buffer.concat(chunks);
  if (body.length < 5 || body[0] !== 0 || body.readUInt32BE(1) !== body.length - 5) {
    return { result: sw.fail(`malformed response message (${body.length} bytes)`), keepSession: false };
  }
  let st: ServingStatus | number;
  try {
    st = decodeHealthCheckResponse(body.subarray(5)).status;
  } catch (err) {
    return { result: sw.fail(`undecodable HealthCheckResponse: ${describeError(err)}`), keepSession: true };
  }
  return { result: st === 'SERVING' ? sw.ok('SERVING') : sw.fail(`status ${st}`), keepSession: true };
}
