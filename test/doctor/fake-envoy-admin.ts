// A stand-in Envoy for doctor tests (no Envoy binary can be installed here). Started with
// argv[0] `envoy` so that process scans find it. It reads the bootstrap (-c), holds an ADS
// stream to Vane as the bootstrap's node (ACKing what it is sent, so Vane sees it connected),
// and serves the admin API on 127.0.0.1: /server_info, and /config_dump from --config-dump
// FILE (re-read on every request; the test writes what Vane would send this node).
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { create, fromBinary, fromJson, type JsonValue, toBinary } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import { parse } from 'yaml';
import { NodeSchema } from '../../src/gen/envoy/config/core/v3/base_pb.js';
import {
  type DiscoveryRequest,
  DiscoveryRequestSchema,
  type DiscoveryResponse,
  DiscoveryResponseSchema,
} from '../../src/gen/envoy/service/discovery/v3/discovery_pb.js';

const args = process.argv.slice(2);
const arg = (flag: string) => {
  const i = args.indexOf(flag);
  return i < 0 ? undefined : args[i + 1];
};
const bootstrap = parse(readFileSync(arg('-c')!, 'utf8')) as {
  node: JsonValue & { id: string };
  admin: { address: { socket_address: { port_value: number } } };
  static_resources: {
    clusters: {
      load_assignment: {
        endpoints: {
          lb_endpoints: {
            endpoint: { address: { socket_address: { address: string; port_value: number } } };
          }[];
        }[];
      };
    }[];
  };
};
const dumpFile = arg('--config-dump');
const version = process.env.FAKE_ENVOY_VERSION ?? '1.27.0';
const log = (line: string) => process.stderr.write(`[${new Date().toISOString()}][info] ${line}\n`);

const sa =
  bootstrap.static_resources.clusters[0]!.load_assignment.endpoints[0]!.lb_endpoints[0]!.endpoint.address
    .socket_address;
const client = new grpc.Client(`${sa.address}:${sa.port_value}`, grpc.credentials.createInsecure());
const ads = client.makeBidiStreamRequest<DiscoveryRequest, DiscoveryResponse>(
  '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources',
  (m) => Buffer.from(toBinary(DiscoveryRequestSchema, m)),
  (b) => fromBinary(DiscoveryResponseSchema, b),
);
ads.on('data', (res: DiscoveryResponse) =>
  ads.write(
    create(DiscoveryRequestSchema, {
      typeUrl: res.typeUrl,
      versionInfo: res.versionInfo,
      responseNonce: res.nonce,
    }),
  ),
);
ads.on('error', (err) =>
  log(
    `StreamAggregatedResources gRPC config stream closed: ${(err as grpc.ServiceError).code}, ${(err as grpc.ServiceError).details}`,
  ),
);
const node = fromJson(NodeSchema, bootstrap.node, { ignoreUnknownFields: true });
node.userAgentName = 'envoy';
for (const typeUrl of [
  'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  'type.googleapis.com/envoy.config.listener.v3.Listener',
])
  ads.write(create(DiscoveryRequestSchema, { node, typeUrl }));

createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  if (req.url === '/server_info') {
    res.end(
      JSON.stringify({
        version: `0123456789abcdef/${version}/Clean/RELEASE/BoringSSL`,
        state: 'LIVE',
        node: bootstrap.node,
      }),
    );
  } else if (req.url?.startsWith('/config_dump')) {
    let text = '{"configs": []}';
    try {
      if (dumpFile !== undefined) text = readFileSync(dumpFile, 'utf8');
    } catch {
      // nothing received yet
    }
    res.end(text);
  } else {
    res.statusCode = 404;
    res.end();
  }
}).listen(bootstrap.admin.address.socket_address.port_value, '127.0.0.1', () =>
  log(`fake envoy ${version} ready`),
);

process.on('SIGTERM', () => process.exit(0));
