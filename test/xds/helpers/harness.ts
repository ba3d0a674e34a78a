// Starts a real xDS server on loopback with a FakeSource, plus a raw client.
import { fromBinary, type MessageInitShape } from '@bufbuild/protobuf';
import type { Any } from '@bufbuild/protobuf/wkt';
import { pino } from 'pino';
import { ClusterSchema } from '../../../src/gen/envoy/config/cluster/v3/cluster_pb.js';
import type { NodeSchema } from '../../../src/gen/envoy/config/core/v3/base_pb.js';
import { ClusterLoadAssignmentSchema } from '../../../src/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { ListenerSchema } from '../../../src/gen/envoy/config/listener/v3/listener_pb.js';
import { RouteConfigurationSchema } from '../../../src/gen/envoy/config/route/v3/route_pb.js';
import type { LoadReportSink } from '../../../src/xds/lrs.js';
import { startXdsServer, type XdsLimits, type XdsServer } from '../../../src/xds/server.js';
import { type Snapshot, TYPE_URL } from '../../../src/xds/types.js';
import { FakeSource } from './fake-source.js';
import { RawXdsClient } from './raw-client.js';

export const NODE_ID = 'projects/123/networks/default/nodes/node-1';
export const NODE: MessageInitShape<typeof NodeSchema> = {
  id: NODE_ID,
  userAgentName: 'envoy',
  locality: { zone: 'us-central1-a' },
};

export interface Harness {
  server: XdsServer;
  source: FakeSource;
  client: RawXdsClient;
  close(): Promise<void>;
}

export async function startHarness(
  initial?: Snapshot,
  opts: {
    limits?: XdsLimits;
    lrs?: LoadReportSink;
    lrsIntervalSeconds?: number;
    port?: number;
    source?: FakeSource;
  } = {},
): Promise<Harness> {
  const source = opts.source ?? new FakeSource(initial);
  const server = await startXdsServer({
    host: '127.0.0.1',
    port: opts.port ?? 0,
    source,
    logger: pino({ level: 'silent' }),
    limits: opts.limits,
    lrs: opts.lrs,
    lrsIntervalSeconds: opts.lrsIntervalSeconds,
    shutdownGraceMs: 500,
  });
  const client = new RawXdsClient(server.port);
  return {
    server,
    source,
    client,
    close: async () => {
      client.close();
      await server.close();
    },
  };
}

/** The name of a resource carried in an Any. */
export function resourceName(any: Any): string {
  switch (any.typeUrl) {
    case TYPE_URL.listener:
      return fromBinary(ListenerSchema, any.value).name;
    case TYPE_URL.route:
      return fromBinary(RouteConfigurationSchema, any.value).name;
    case TYPE_URL.cluster:
      return fromBinary(ClusterSchema, any.value).name;
    case TYPE_URL.endpoint:
      return fromBinary(ClusterLoadAssignmentSchema, any.value).clusterName;
    default:
      throw new Error(`unexpected type ${any.typeUrl}`);
  }
}

export function names(res: { resources: Any[] }): string[] {
  return res.resources.map(resourceName);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
