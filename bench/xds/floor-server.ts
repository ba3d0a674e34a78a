// The physical floor: a minimal gRPC server on the same stack as Vane (Node.js, @grpc/grpc-js,
// HTTP/2 over loopback) that replays the exact bytes Vane sent to each proxy. It decodes nothing
// but a request's node id, type URL and nonce; the first request of a type on a stream gets that
// proxy's recorded storm responses of the type; `push <phase>` on stdin writes every stream its
// recorded response(s) of a change. Whatever Vane does beyond this (decoding requests, tracking
// subscriptions, translating, encoding, building per-stream responses) is the overhead measured.
// Usage: node floor-server.js --recordings FILE1,FILE2… (dump files without .json/.bin)
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import * as grpc from '@grpc/grpc-js';

const { values } = parseArgs({ options: { recordings: { type: 'string' } } });

/** node id → phase → responses in arrival order. */
const byNode = new Map<string, Map<string, { typeUrl: string; bytes: Buffer }[]>>();
for (const file of (values.recordings ?? '').split(',').filter(Boolean)) {
  const blob = readFileSync(`${file}.bin`);
  const index = JSON.parse(readFileSync(`${file}.json`, 'utf8')) as {
    node: string;
    phase: string;
    typeUrl: string;
    offset: number;
    length: number;
  }[];
  for (const e of index) {
    let phases = byNode.get(e.node);
    if (phases === undefined) {
      phases = new Map();
      byNode.set(e.node, phases);
    }
    let list = phases.get(e.phase);
    if (list === undefined) {
      list = [];
      phases.set(e.phase, list);
    }
    list.push({ typeUrl: e.typeUrl, bytes: blob.subarray(e.offset, e.offset + e.length) });
  }
}

/** node id, type URL and nonce of a (delta) DiscoveryRequest. */
function scan(buf: Buffer, delta: boolean): { node: string; typeUrl: string; nonce: string } {
  const out = { node: '', typeUrl: '', nonce: '' };
  const r = new BinaryReader(buf);
  const [nodeNo, typeNo, nonceNo] = delta ? [1, 2, 6] : [2, 4, 5];
  while (r.pos < r.len) {
    const [no, wt] = r.tag();
    if (wt !== WireType.LengthDelimited) r.skip(wt, no);
    else if (no === nodeNo) {
      const n = new BinaryReader(r.bytes());
      while (n.pos < n.len) {
        const [f, w] = n.tag();
        if (f === 1 && w === WireType.LengthDelimited) out.node = n.string();
        else n.skip(w, f);
      }
    } else if (no === typeNo) out.typeUrl = r.string();
    else if (no === nonceNo) out.nonce = r.string();
    else r.skip(wt, no);
  }
  return out;
}

const streams = new Map<string, grpc.ServerDuplexStream<Buffer, Buffer>>();
const identity = (b: Buffer) => b;

function handler(delta: boolean) {
  return (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
    let node = '';
    const answered = new Set<string>();
    call.on('data', (buf: Buffer) => {
      const req = scan(buf, delta);
      if (node === '' && req.node !== '') {
        node = req.node;
        streams.set(node, call);
      }
      if (answered.has(req.typeUrl)) return;
      answered.add(req.typeUrl);
      for (const r of byNode.get(node)?.get('storm') ?? [])
        if (r.typeUrl === req.typeUrl) call.write(r.bytes);
    });
    call.on('error', () => {});
    call.on('end', () => {
      if (streams.get(node) === call) streams.delete(node);
      call.end();
    });
  };
}

const method = (name: string) => ({
  path: `/envoy.service.discovery.v3.AggregatedDiscoveryService/${name}`,
  requestStream: true,
  responseStream: true,
  requestSerialize: identity,
  requestDeserialize: identity,
  responseSerialize: identity,
  responseDeserialize: identity,
});
const server = new grpc.Server({ 'grpc.max_receive_message_length': -1 });
server.addService(
  {
    StreamAggregatedResources: method('StreamAggregatedResources'),
    DeltaAggregatedResources: method('DeltaAggregatedResources'),
  },
  { StreamAggregatedResources: handler(false), DeltaAggregatedResources: handler(true) },
);
const port = await new Promise<number>((res, rej) =>
  server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))),
);
process.stdout.write(`listening ${port}\n`);

createInterface({ input: process.stdin }).on('line', (line) => {
  const [cmd, phase] = line.trim().split(' ');
  if (cmd === 'push') {
    let n = 0;
    for (const [node, call] of streams) {
      for (const r of byNode.get(node)?.get(phase!) ?? []) {
        call.write(r.bytes);
        n += 1;
      }
    }
    process.stdout.write(`pushed ${n}\n`);
  } else if (cmd === 'exit') {
    server.forceShutdown();
    process.exit(0);
  }
});
