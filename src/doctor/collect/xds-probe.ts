// Reaching Vane's xDS server the way the proxy would: resolve the bootstrap's host, connect,
// then open an ADS stream as the bootstrap's node and ask for listeners. The first step that
// fails explains the rest, so later steps are skipped.
import { lookup } from 'node:dns/promises';
import { connect, isIP } from 'node:net';
import { create, fromBinary, fromJson, type JsonValue, toBinary } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import { NodeSchema } from '../../gen/envoy/config/core/v3/base_pb.js';
import {
  type DiscoveryRequest,
  DiscoveryRequestSchema,
  type DiscoveryResponse,
  DiscoveryResponseSchema,
} from '../../gen/envoy/service/discovery/v3/discovery_pb.js';
import type { XdsProbe } from '../evidence.js';
import { errorText } from './options.js';

const STEP_MS = 2500;
const ADS_PATH = '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources';
const LDS = 'type.googleapis.com/envoy.config.listener.v3.Listener';

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`${what}: no answer within ${STEP_MS} ms`)), STEP_MS).unref(),
    ),
  ]);
}

function splitAddress(address: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(address);
  if (!m) throw new Error(`'${address}' is not host:port`);
  return { host: m[1] ?? m[2]!, port: Number(m[3]) };
}

function tcpConnect(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host, port });
    sock.setTimeout(STEP_MS, () => {
      sock.destroy();
      reject(new Error(`connect ${host}:${port}: timed out after ${STEP_MS} ms`));
    });
    sock.once('connect', () => {
      sock.destroy();
      resolve();
    });
    sock.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(`connect ${host}:${port}: ${err.code ?? err.message}`)),
    );
  });
}

/** One ADS stream: the first response (resource count) or the status it closed with. */
function adsRequest(address: string, node: JsonValue, kind: 'envoy' | 'grpc'): Promise<XdsProbe['ads']> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: NonNullable<XdsProbe['ads']>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      call.cancel();
      client.close();
      resolve(r);
    };
    const call = client.makeBidiStreamRequest<DiscoveryRequest, DiscoveryResponse>(
      ADS_PATH,
      (m) => Buffer.from(toBinary(DiscoveryRequestSchema, m)),
      (b) => fromBinary(DiscoveryResponseSchema, b),
      new grpc.Metadata(),
      { deadline: Date.now() + STEP_MS * 2 },
    );
    const timer = setTimeout(
      () =>
        finish({
          ok: false,
          code: grpc.status.DEADLINE_EXCEEDED,
          message: `no response within ${STEP_MS} ms`,
        }),
      STEP_MS,
    );
    call.on('data', (res: DiscoveryResponse) => finish({ ok: true, resources: res.resources.length }));
    call.on('error', () => {
      /* the status event carries it */
    });
    call.on('status', (s: grpc.StatusObject) => {
      if (s.code !== grpc.status.OK) finish({ ok: false, code: s.code, message: s.details });
      else finish({ ok: false, code: s.code, message: 'the stream ended without a response' });
    });
    const n = fromJson(NodeSchema, node, { ignoreUnknownFields: true });
    // Named so that Vane's proxy list shows the probe for what it is; `grpc` keeps a proxyless node proxyless.
    n.userAgentName = kind === 'grpc' ? 'vane-doctor grpc probe' : 'vane-doctor probe';
    call.write(create(DiscoveryRequestSchema, { node: n, typeUrl: LDS }));
  });
}

export async function probeXds(
  address: string,
  node: JsonValue | undefined,
  kind: 'envoy' | 'grpc',
): Promise<XdsProbe> {
  const probe: XdsProbe = { address };
  let target: { host: string; port: number };
  try {
    target = splitAddress(address);
  } catch (err) {
    probe.dns = { ok: false, error: errorText(err) };
    return probe;
  }
  let ip = target.host;
  if (isIP(target.host) === 0) {
    try {
      const addrs = await withTimeout(lookup(target.host, { all: true }), `resolve ${target.host}`);
      probe.dns = { ok: true, addresses: addrs.map((a) => a.address) };
      ip = addrs[0]!.address;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      probe.dns = { ok: false, error: code ? `resolve ${target.host}: ${code}` : errorText(err) };
      return probe;
    }
  } else probe.dns = { ok: true, addresses: [target.host] };
  try {
    await tcpConnect(ip, target.port);
    probe.tcp = { ok: true };
  } catch (err) {
    probe.tcp = { ok: false, error: errorText(err) };
    return probe;
  }
  if (node !== undefined) probe.ads = await adsRequest(address, node, kind);
  return probe;
}
