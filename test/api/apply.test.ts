import assert from 'node:assert/strict';
import { test } from 'node:test';
import { firstError, forEachStore, G, uniqueProject } from '../helpers/api-suite.js';

const docs = (p: string) => [
  // Out of dependency order on purpose: the server sorts.
  {
    kind: 'compute#forwardingRule',
    name: 'fr',
    IPAddress: '0.0.0.0',
    portRange: '80',
    target: `https://www.googleapis.com/compute/v1/projects/gcp-prod/global/targetGrpcProxies/proxy`,
  },
  {
    kind: 'compute#targetGrpcProxy',
    name: 'proxy',
    urlMap: 'global/urlMaps/map',
    validateForProxyless: true,
  },
  { kind: 'compute#urlMap', name: 'map', defaultService: `projects/${p}/global/backendServices/svc` },
  {
    kind: 'compute#backendService',
    name: 'svc',
    protocol: 'GRPC',
    loadBalancingScheme: 'INTERNAL_SELF_MANAGED',
    backends: [
      { group: 'zones/us-west1-a/networkEndpointGroups/neg', balancingMode: 'RATE', maxRatePerEndpoint: 10 },
    ],
  },
  {
    kind: 'compute#networkEndpointGroup',
    name: 'neg',
    zone: 'us-west1-a',
    defaultPort: 50051,
    networkEndpoints: [{ ipAddress: '10.0.0.1' }, { ipAddress: '10.0.0.2', port: 50052 }],
  },
];

forEachStore('apply and export', (server) => {
  test('applies in dependency order, rewrites foreign project references, then reports unchanged', async () => {
    const s = server();
    const p = uniqueProject();
    await s.api('POST', '/v1/projects', { projectId: p });
    const first = await s.api('POST', `/v1/projects/${p}/apply`, { resources: docs(p) });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const results = first.body.results as { kind: string; name: string; action: string }[];
    assert.deepEqual(
      results.map((r) => `${r.action} ${r.kind} ${r.name}`),
      [
        'created compute#networkEndpointGroup neg',
        'created compute#backendService svc',
        'created compute#urlMap map',
        'created compute#targetGrpcProxy proxy',
        'created compute#forwardingRule fr',
      ],
    );
    assert.match(JSON.stringify(first.body.notes), /gcp-prod/);
    // Exports carry their source's fingerprints: apply is declarative and ignores them.
    const again = docs(p);
    (again[2] as Record<string, unknown>).fingerprint = 'c3RhbGUtZnA=';
    const second = await s.api('POST', `/v1/projects/${p}/apply`, { resources: again });
    assert.ok(
      (second.body.results as { action: string }[]).every((r) => r.action === 'unchanged'),
      JSON.stringify(second.body),
    );
    assert.equal(second.body.revision, first.body.revision, 'an unchanged apply writes nothing');

    const exported = (await s.api('GET', `/v1/projects/${p}/export`)).body.resources as Record<
      string,
      unknown
    >[];
    const neg = exported.find((d) => d.kind === 'compute#networkEndpointGroup')!;
    assert.equal(neg.zone, 'us-west1-a');
    assert.equal((neg.networkEndpoints as unknown[]).length, 2);
    assert.equal(
      exported.find((d) => d.kind === 'compute#urlMap')!.defaultService,
      'global/backendServices/svc',
    );
    const back = await s.api('POST', `/v1/projects/${p}/apply`, { resources: exported });
    assert.ok(
      (back.body.results as { action: string }[]).every((r) => r.action === 'unchanged'),
      JSON.stringify(back.body),
    );

    const fewer = docs(p);
    (fewer[4] as { networkEndpoints: unknown[] }).networkEndpoints = [{ ipAddress: '10.0.0.3' }];
    const reconciled = await s.api('POST', `/v1/projects/${p}/apply`, { resources: fewer });
    assert.equal((reconciled.body.results as { action: string }[])[0]!.action, 'updated');
    assert.equal(
      (await s.api('GET', `/compute/v1/projects/${p}/zones/us-west1-a/networkEndpointGroups/neg`)).body.size,
      1,
    );
  });

  test('one bad document rolls back the whole apply and names its index and field', async () => {
    const s = server();
    const p = uniqueProject();
    await s.api('POST', '/v1/projects', { projectId: p });
    const bad = docs(p);
    (bad[1] as Record<string, unknown>).urlMap = 'global/urlMaps/missing';
    const res = await s.api('POST', `/v1/projects/${p}/apply`, { resources: bad });
    assert.equal(res.status, 400);
    assert.equal(firstError(res.body).location, 'resources[1].urlMap');
    assert.deepEqual((await s.api('GET', G(p, 'backendServices'))).body.items, [], 'nothing was committed');
    const noKind = await s.api('POST', `/v1/projects/${p}/apply`, { resources: [{ name: 'x' }] });
    assert.equal(firstError(noKind.body).location, 'resources[0].kind');
  });

  test('dry run validates everything and commits nothing', async () => {
    const s = server();
    const p = uniqueProject();
    await s.api('POST', '/v1/projects', { projectId: p });
    const dry = await s.api('POST', `/v1/projects/${p}/apply`, { resources: docs(p), dryRun: true });
    assert.equal(dry.status, 200, JSON.stringify(dry.body));
    assert.equal(dry.body.dryRun, true);
    assert.equal((dry.body.results as unknown[]).length, 5);
    assert.deepEqual((await s.api('GET', G(p, 'urlMaps'))).body.items, []);
  });
});
