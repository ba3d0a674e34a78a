// Two `vane serve` replicas on one PostgreSQL schema: a change written through one replica's
// API reaches a proxyless client connected to the other (LISTEN/NOTIFY change feed).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Backend, startBackend } from '../helpers/backends.js';
import { routeTo } from '../helpers/routing-docs.js';
import { dropTestSchema, postgresUrl, startVane, type TestServer } from '../helpers/server.js';
import { XdsClient } from '../helpers/xds-client.js';

const ZONE = 'us-central1-a';
const store = postgresUrl();
let writer: TestServer;
let reader: TestServer;
let backends: Backend[];

before(async () => {
  writer = await startVane({ store, adminToken: 'replica-admin-token-0123456789' });
  reader = await startVane({ store, adminToken: 'replica-admin-token-0123456789' });
  backends = [await startBackend('one'), await startBackend('two')];
});

after(async () => {
  await Promise.all(backends.map((b) => b.stop()));
  await reader.stop();
  await writer.stop();
  await dropTestSchema(store);
});

test('a client on one replica follows changes written through the other', async () => {
  const created = await writer.api('POST', '/v1/projects', { projectId: 'replicated' });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const resources = [
    ...backends.map((b) => ({
      kind: 'networkEndpointGroup',
      name: `neg-${b.name}`,
      zone: ZONE,
      networkEndpoints: [{ ipAddress: '127.0.0.1', port: b.port }],
    })),
    ...backends.map((b) => ({
      kind: 'backendService',
      name: b.name,
      protocol: 'GRPC',
      backends: [
        {
          group: `zones/${ZONE}/networkEndpointGroups/neg-${b.name}`,
          balancingMode: 'RATE',
          maxRatePerEndpoint: 100,
        },
      ],
    })),
    ...routeTo('one', 'echo.test'),
  ];
  assert.equal((await writer.api('POST', '/v1/projects/replicated/apply', { resources })).status, 200);

  const client = new XdsClient({
    xdsAddress: reader.xdsAddress,
    target: 'echo.test:8000',
    projectNumber: String(created.body.projectNumber),
    zone: ZONE,
  });
  try {
    await client.until((r) => r.backend === 'one', { streak: 5 });
    const patched = await writer.api('PATCH', '/compute/v1/projects/replicated/global/urlMaps/map', {
      pathMatchers: [{ name: 'pm', defaultService: 'global/backendServices/two' }],
    });
    assert.equal(patched.status, 200);
    await client.until((r) => r.backend === 'two', { streak: 10 });
  } finally {
    await client.stop();
  }
});
