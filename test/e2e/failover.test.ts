// Graceful failover end to end: a proxyless client in us-central1-a, three backends there and
// one in us-central1-b, health from Vane's own gRPC health checks flipping one backend at a time.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Backend, startBackend } from '../helpers/backends.js';
import { routeTo } from '../helpers/routing-docs.js';
import { startVane, type TestServer } from '../helpers/server.js';
import { tally, XdsClient } from '../helpers/xds-client.js';

let vane: TestServer;
let a: Backend[];
let b: Backend;
let client: XdsClient | undefined;

before(async () => {
  vane = await startVane();
  a = [await startBackend('a1'), await startBackend('a2'), await startBackend('a3')];
  b = await startBackend('b1');
});

after(async () => {
  await client?.stop();
  await Promise.all([...a, b].map((x) => x.stop()));
  await vane.stop();
});

async function unhealthyCount(): Promise<number> {
  const body = (await vane.api('GET', '/v1/projects/fo/backendServices/svc/health')).body as {
    endpoints: { state: string }[];
  };
  return body.endpoints.filter((e) => e.state === 'UNHEALTHY').length;
}

async function waitUnhealthy(n: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  while ((await unhealthyCount()) !== n) {
    if (Date.now() > deadline)
      throw new Error(`expected ${n} unhealthy endpoints, have ${await unhealthyCount()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('1 of 3 primaries down stays in zone; 2 of 3 spills to the next zone; all down moves there; recovery returns', async () => {
  const created = await vane.api('POST', '/v1/projects', { projectId: 'fo' });
  const negs = [
    { zone: 'us-central1-a', backends: a },
    { zone: 'us-central1-b', backends: [b] },
  ];
  const resources = [
    {
      kind: 'healthCheck',
      name: 'grpc',
      type: 'GRPC',
      checkIntervalSec: 1,
      timeoutSec: 1,
      healthyThreshold: 1,
      unhealthyThreshold: 1,
      grpcHealthCheck: { portSpecification: 'USE_SERVING_PORT' },
    },
    ...negs.map((n) => ({
      kind: 'networkEndpointGroup',
      name: 'neg',
      zone: n.zone,
      networkEndpoints: n.backends.map((x) => ({ ipAddress: '127.0.0.1', port: x.port })),
    })),
    {
      kind: 'backendService',
      name: 'svc',
      protocol: 'GRPC',
      healthChecks: ['global/healthChecks/grpc'],
      backends: negs.map((n) => ({
        group: `zones/${n.zone}/networkEndpointGroups/neg`,
        balancingMode: 'RATE',
        maxRatePerEndpoint: 1000,
      })),
    },
    ...routeTo('svc', 'fo.test'),
  ];
  const applied = await vane.api('POST', '/v1/projects/fo/apply', { resources });
  assert.equal(applied.status, 200, JSON.stringify(applied.body));
  client = new XdsClient({
    xdsAddress: vane.xdsAddress,
    target: 'fo.test:8000',
    projectNumber: String(created.body.projectNumber),
    zone: 'us-central1-a',
  });
  const c = client;

  const settle = async (predicate: (backend: string) => boolean, what: string) => {
    await c
      .until((r) => r.backend !== undefined && predicate(r.backend), { streak: 30, timeoutMs: 20_000 })
      .catch((err: Error) => {
        throw new Error(`${what}: ${err.message}`);
      });
    c.drain();
    return tally(await c.take(60));
  };

  let seen = await settle((x) => x.startsWith('a'), 'all healthy: zone a');
  assert.equal(seen.b1, undefined, JSON.stringify(seen));

  a[0]!.setServing(false);
  await waitUnhealthy(1);
  seen = await settle((x) => x === 'a2' || x === 'a3', '1 of 3 down: the other two');
  assert.deepEqual(Object.keys(seen).sort(), ['a2', 'a3'], JSON.stringify(seen));

  a[1]!.setServing(false);
  await waitUnhealthy(2);
  await c.until((r) => r.backend === 'b1', { streak: 1, timeoutMs: 20_000 });
  c.drain();
  seen = tally(await c.take(100));
  assert.ok(
    (seen.a3 ?? 0) > 0 && (seen.b1 ?? 0) > 0 && seen.a1 === undefined && seen.a2 === undefined,
    `2 of 3 down: a3 and b1 share, ${JSON.stringify(seen)}`,
  );

  a[2]!.setServing(false);
  await waitUnhealthy(3);
  seen = await settle((x) => x === 'b1', 'all of zone a down: b1 only');
  assert.deepEqual(Object.keys(seen), ['b1']);

  for (const x of a) x.setServing(true);
  await waitUnhealthy(0);
  seen = await settle((x) => x.startsWith('a'), 'recovered: back to zone a');
  assert.equal(seen.b1, undefined, JSON.stringify(seen));
});
