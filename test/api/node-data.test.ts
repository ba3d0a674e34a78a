import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorLocations, firstError, forEachStore, uniqueProject, Z } from '../helpers/api-suite.js';

const ZONE = 'europe-west1-b';

forEachStore('network endpoints and instances', (server) => {
  test('attach, list (paged), detach; size follows; bad endpoints name their index', async () => {
    const s = server();
    const p = uniqueProject();
    await s.api('POST', '/v1/projects', { projectId: p });
    await s.api('POST', Z(p, ZONE, 'instances'), { name: 'vm-1', networkIP: '10.2.0.7' });
    const neg = Z(p, ZONE, 'networkEndpointGroups', 'neg');
    assert.equal(
      (await s.api('POST', Z(p, ZONE, 'networkEndpointGroups'), { name: 'neg', defaultPort: 8080 })).status,
      200,
    );
    const endpoints = Array.from({ length: 120 }, (_, i) => ({
      ipAddress: `10.2.${Math.floor(i / 100)}.${i % 100}`,
      port: 9000 + (i % 3),
    }));
    const attach = await s.api('POST', `${neg}/attachNetworkEndpoints`, { networkEndpoints: endpoints });
    assert.equal(attach.status, 200, JSON.stringify(attach.body));
    assert.equal(attach.body.operationType, 'attachNetworkEndpoints');
    assert.equal(
      (await s.api('POST', `${neg}/attachNetworkEndpoints`, { networkEndpoints: [{ instance: 'vm-1' }] }))
        .status,
      200,
    );
    assert.equal((await s.api('GET', neg)).body.size, 121);

    const listed: { ipAddress: string; port: number; instance?: string }[] = [];
    let token: string | undefined;
    do {
      const page = await s.api(
        'POST',
        `${neg}/listNetworkEndpoints?maxResults=50${token ? `&pageToken=${token}` : ''}`,
      );
      assert.equal(page.status, 200);
      listed.push(
        ...(page.body.items as { networkEndpoint: { ipAddress: string; port: number } }[]).map(
          (i) => i.networkEndpoint,
        ),
      );
      token = page.body.nextPageToken as string | undefined;
    } while (token);
    assert.equal(listed.length, 121);
    assert.deepEqual(
      listed.find((e) => e.instance === 'vm-1'),
      { ipAddress: '10.2.0.7', port: 8080, instance: 'vm-1' },
    );
    assert.equal(new Set(listed.map((e) => `${e.ipAddress}:${e.port}`)).size, 121);

    const bad = await s.api('POST', `${neg}/attachNetworkEndpoints`, {
      networkEndpoints: [
        { ipAddress: '10.0.0.1', port: 80 },
        { ipAddress: 'db.internal', port: 80 },
        { ipAddress: '10.0.0.2', port: 70000 },
        { instance: 'ghost' },
      ],
    });
    assert.equal(bad.status, 400);
    assert.deepEqual(errorLocations(bad.body), [
      'networkEndpoints[1].ipAddress',
      'networkEndpoints[2].port',
      'networkEndpoints[3].instance',
    ]);
    assert.equal((await s.api('GET', neg)).body.size, 121, 'a failed attach changes nothing');

    const detach = await s.api('POST', `${neg}/detachNetworkEndpoints`, {
      networkEndpoints: endpoints.slice(0, 20),
    });
    assert.equal(detach.status, 200);
    assert.equal((await s.api('GET', neg)).body.size, 101);
    const again = await s.api('POST', `${neg}/detachNetworkEndpoints`, {
      networkEndpoints: endpoints.slice(0, 21),
    });
    assert.equal(again.status, 400);
    assert.equal((await s.api('GET', neg)).body.size, 101, 'detach is all or nothing');
    const tooMany = await s.api('POST', `${neg}/attachNetworkEndpoints`, {
      networkEndpoints: Array.from({ length: 501 }, (_, i) => ({
        ipAddress: `10.9.${i >> 8}.${i & 255}`,
        port: 80,
      })),
    });
    assert.equal(firstError(tooMany.body).location, 'networkEndpoints');
  });

  test('instances carry network, IP, labels and metadata; guest attributes are written and queried', async () => {
    const s = server();
    const p = uniqueProject();
    await s.api('POST', '/v1/projects', { projectId: p });
    const created = await s.api('POST', Z(p, ZONE, 'instances'), {
      name: 'vm-1',
      networkIP: '10.2.0.7',
      labels: { app: 'wallet' },
      metadata: { items: [{ key: 'gce-service-proxy', value: '{"api-version": "0.2"}' }] },
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const vm = (await s.api('GET', Z(p, ZONE, 'instances', 'vm-1'))).body;
    assert.equal(vm.network, `${s.url}/compute/v1/projects/${p}/global/networks/default`);
    assert.deepEqual(vm.labels, { app: 'wallet' });
    const badIp = await s.api('POST', Z(p, ZONE, 'instances'), { name: 'vm-2', networkIP: '10.2.0' });
    assert.deepEqual(errorLocations(badIp.body), ['networkIP']);
    const dupKey = await s.api('POST', Z(p, ZONE, 'instances'), {
      name: 'vm-3',
      networkIP: '10.2.0.8',
      metadata: {
        items: [
          { key: 'a', value: '1' },
          { key: 'a', value: '2' },
        ],
      },
    });
    assert.deepEqual(errorLocations(dupKey.body), ['metadata.items[1].key']);

    const base = Z(p, ZONE, 'instances', 'vm-1');
    const set = await s.api('POST', `${base}/setGuestAttributes`, {
      items: [
        { namespace: 'gce-service-proxy', key: 'bootstrap-status', value: 'FINISHED' },
        { namespace: 'gce-service-proxy', key: 'agent-heartbeat', value: '2026-11-30T07:00:00Z' },
        { namespace: 'other', key: 'x', value: '1' },
      ],
    });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    const ns = await s.api('GET', `${base}/getGuestAttributes?queryPath=gce-service-proxy/`);
    assert.equal(ns.body.kind, 'compute#guestAttributes');
    assert.equal(ns.body.queryPath, 'gce-service-proxy/');
    assert.deepEqual((ns.body.queryValue as { items: unknown[] }).items, [
      { namespace: 'gce-service-proxy', key: 'agent-heartbeat', value: '2026-11-30T07:00:00Z' },
      { namespace: 'gce-service-proxy', key: 'bootstrap-status', value: 'FINISHED' },
    ]);
    const one = await s.api(
      'GET',
      `${base}/getGuestAttributes?variableKey=gce-service-proxy/bootstrap-status`,
    );
    assert.equal(one.body.variableValue, 'FINISHED');
    const all = await s.api('GET', `${base}/getGuestAttributes`);
    assert.equal((all.body.queryValue as { items: unknown[] }).items.length, 3);
    await s.api('POST', `${base}/setGuestAttributes`, {
      items: [{ namespace: 'other', key: 'x', value: '' }],
    });
    assert.equal(
      ((await s.api('GET', `${base}/getGuestAttributes`)).body.queryValue as { items: unknown[] }).items
        .length,
      2,
    );
    const badAttr = await s.api('POST', `${base}/setGuestAttributes`, {
      items: [{ namespace: 'bad space', key: 'k', value: 'v' }],
    });
    assert.deepEqual(errorLocations(badAttr.body), ['items[0].namespace']);
    assert.equal((await s.api('GET', `${Z(p, ZONE, 'instances', 'nope')}/getGuestAttributes`)).status, 404);

    const agg = await s.api('GET', `/compute/v1/projects/${p}/aggregated/instances`);
    assert.equal(agg.status, 200);
    assert.ok((agg.body.items as Record<string, unknown>)[`zones/${ZONE}`]);
  });
});
