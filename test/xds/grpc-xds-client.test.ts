// A real proxyless client (@grpc/grpc-js-xds) resolves xds:///svc:80 through Vane's xDS
// server (Listener → RouteConfiguration → Cluster → ClusterLoadAssignment) and reaches a real backend.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as xds from '@grpc/grpc-js-xds';
import { ClientResourceStatus } from '../../src/gen/envoy/admin/v3/config_dump_shared_pb.js';
import { TYPE_URL } from '../../src/xds/types.js';
import { cluster, endpoints, listener, route, snapshotOf } from './helpers/fake-source.js';
import { startHarness } from './helpers/harness.js';

const ECHO: grpc.ServiceDefinition = {
  Echo: {
    path: '/vane.test.Echo/Echo',
    requestStream: false,
    responseStream: false,
    requestSerialize: (b: Buffer) => b,
    requestDeserialize: (b: Buffer) => b,
    responseSerialize: (b: Buffer) => b,
    responseDeserialize: (b: Buffer) => b,
  },
};

async function startBackend(name: string): Promise<{ port: number; server: grpc.Server }> {
  const server = new grpc.Server();
  server.addService(ECHO, {
    Echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) =>
      cb(null, Buffer.from(`${name}:${call.request.toString()}`)),
  });
  const port = await new Promise<number>((res, rej) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))),
  );
  return { port, server };
}

function echo(client: grpc.Client, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(
      '/vane.test.Echo/Echo',
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.from(text),
      new grpc.Metadata({ waitForReady: true }),
      { deadline: Date.now() + 10_000 },
      (err, res) => (err || !res ? reject(err ?? new Error('empty')) : resolve(res.toString())),
    );
  });
}

test('a real grpc-js-xds client resolves through the xDS server and reaches the backend', async () => {
  const backend = await startBackend('backend-1');
  const h = await startHarness(
    snapshotOf([
      listener('svc:80', 'svc-route'),
      route('svc-route', 'svc-cluster'),
      cluster('svc-cluster'),
      endpoints('svc-cluster', [backend.port]),
    ]),
  );
  process.env.GRPC_XDS_BOOTSTRAP_CONFIG = JSON.stringify({
    xds_servers: [
      {
        server_uri: `127.0.0.1:${h.server.port}`,
        channel_creds: [{ type: 'insecure' }],
        server_features: ['xds_v3'],
      },
    ],
    node: { id: 'projects/123/networks/default/nodes/grpc-client', locality: { zone: 'us-central1-a' } },
  });
  xds.register();
  const client = new grpc.Client('xds:///svc:80', grpc.credentials.createInsecure());
  try {
    assert.equal(await echo(client, 'hello'), 'backend-1:hello');
    // The server saw a gRPC client and it ACKed all four types.
    const proxy = h.server.registry
      .view()
      .find((p) => p.node?.id === 'projects/123/networks/default/nodes/grpc-client');
    assert.equal(proxy?.node?.kind, 'grpc');
    for (let i = 0; i < 50; i += 1) {
      const types = h.server.registry.view()[0]?.types ?? [];
      if (types.length === 4 && types.every((t) => t.status === 'SYNCED')) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const types = h.server.registry.view()[0]?.types ?? [];
    assert.deepEqual(
      types.map((t) => t.status),
      ['SYNCED', 'SYNCED', 'SYNCED', 'SYNCED'],
    );
    const csds = await h.client.fetchClientStatus();
    const lds = csds.config[0]?.genericXdsConfigs.find((g) => g.typeUrl === TYPE_URL.listener);
    assert.equal(lds?.clientStatus, ClientResourceStatus.ACKED);
  } finally {
    client.close();
    await h.close();
    backend.server.forceShutdown();
  }
});
