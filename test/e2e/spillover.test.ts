// Capacity spillover end to end: a client in us-central1-a sends more than its zone's RATE
// capacity; its load reports make Vane spill the excess to us-central1-b; when it slows
// down, traffic returns.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Backend, startBackend } from '../helpers/backends.js';
import { routeTo } from '../helpers/routing-docs.js';
import { startVane, type TestServer } from '../helpers/server.js';
import { tally, XdsClient } from '../helpers/xds-client.js';

let vane: TestServer;
let a: Backend;
let b: Backend;
let client: XdsClient | undefined;

before(async () => {
  vane = await startVane({ args: ['--lrs-interval', '1'] });
  a = await startBackend('a1');
  b = await startBackend('b1');
});

after(async () => {
  await client?.stop();
  await Promise.all([a.stop(), b.stop()]);
  await vane.stop();
});

test('load over the primary zone capacity spills to the next zone, and returns when it drops', async () => {
  const created = await vane.api('POST', '/v1/projects', { projectId: 'spill' });
  const resources = [
    {
      kind: 'networkEndpointGroup',
      name: 'neg',
      zone: 'us-central1-a',
      networkEndpoints: [{ ipAddress: '127.0.0.1', port: a.port }],
    },
    {
      kind: 'networkEndpointGroup',
      name: 'neg',
      zone: 'us-central1-b',
      networkEndpoints: [{ ipAddress: '127.0.0.1', port: b.port }],
    },
    {
      kind: 'backendService',
      name: 'svc',
      protocol: 'GRPC',
      backends: ['us-central1-a', 'us-central1-b'].map((zone) => ({
        group: `zones/${zone}/networkEndpointGroups/neg`,
        balancingMode: 'RATE',
        maxRatePerEndpoint: 5,
      })),
    },
    ...routeTo('svc', 'spill.test'),
  ];
  assert.equal((await vane.api('POST', '/v1/projects/spill/apply', { resources })).status, 200);

  // About 2 requests per second: under the zone's capacity of 5, everything stays in a.
  client = new XdsClient({
    xdsAddress: vane.xdsAddress,
    target: 'spill.test:8000',
    projectNumber: String(created.body.projectNumber),
    zone: 'us-central1-a',
    intervalMs: 500,
  });
  const c = client;
  await c.until((r) => r.backend === 'a1', { streak: 5 });
  assert.equal(tally(await c.take(6)).b1, undefined);

  // Far over capacity: most of the excess goes to b.
  c.setInterval(2);
  await c.until((r) => r.backend === 'b1', { streak: 1, timeoutMs: 20_000 });
  c.drain();
  const busy = tally(await c.take(200));
  assert.ok((busy.b1 ?? 0) > (busy.a1 ?? 0), `spilled: ${JSON.stringify(busy)}`);
  // The spilled calls reach the load view with the client's next report (every second).
  const deadline = Date.now() + 15_000;
  for (;;) {
    const load = (await vane.api('GET', '/v1/projects/spill/load')).body.services as {
      cluster: string;
      locality: { zone: string };
    }[];
    if (load.some((l) => l.cluster === 'svc' && l.locality.zone === 'us-central1-b')) break;
    assert.ok(Date.now() < deadline, `no load reported for us-central1-b: ${JSON.stringify(load)}`);
    await new Promise((r) => setTimeout(r, 250));
  }

  // Back under capacity: traffic returns to a.
  c.setInterval(500);
  await c.until((r) => r.backend === 'a1', { streak: 8, timeoutMs: 30_000 });
});
