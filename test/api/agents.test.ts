import assert from 'node:assert/strict';
import { test } from 'node:test';
import { firstError, forEachStore, G, uniqueProject } from '../helpers/api-suite.js';
import type { TestServer } from '../helpers/server.js';
import { createSidecarService } from '../helpers/sidecar-service.js';

const ZONE = 'us-central1-a';

async function ok(s: TestServer, method: string, path: string, body?: unknown) {
  const res = await s.api(method, path, body);
  assert.equal(res.status, 200, `${method} ${path}: ${JSON.stringify(res.body)}`);
  return res.body;
}

async function token(s: TestServer, project: string, role: string): Promise<string> {
  return String((await ok(s, 'POST', '/v1/tokens', { grants: [{ project, role }] })).token);
}

type Targets = { version: string; targets: { ip: string; port: number; forwardingRule: string }[] };

forEachStore('agent API', (server) => {
  test('an agent registers its instance with a proxy token; bad bodies name the field', async () => {
    const s = server();
    const p = uniqueProject();
    await ok(s, 'POST', '/v1/projects', { projectId: p });
    const proxy = await token(s, p, 'proxy');
    const viewer = await token(s, p, 'viewer');
    const register = `/v1/projects/${p}/zones/${ZONE}/instances/vm-1/register`;
    const body = {
      networkIP: '10.9.0.4',
      network: 'global/networks/default',
      metadata: { items: [{ key: 'gce-service-proxy', value: '{"api-version":"0.2"}' }] },
    };

    const created = await s.api('POST', register, body, proxy);
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.equal(created.body.result, 'created');
    assert.equal((await s.api('POST', register, body, proxy)).body.result, 'unchanged');
    const moved = await s.api('POST', register, { ...body, networkIP: '10.9.0.5' }, proxy);
    assert.equal(moved.body.result, 'updated');
    const instance = await ok(s, 'GET', `/compute/v1/projects/${p}/zones/${ZONE}/instances/vm-1`);
    assert.equal(instance.networkIP, '10.9.0.5');

    const bad = await s.api('POST', register, { ...body, networkIP: 'not-an-ip' }, proxy);
    assert.equal(bad.status, 400);
    assert.equal(firstError(bad.body).location, 'networkIP');
    assert.equal((await s.api('POST', register, body, viewer)).status, 403);
    const other = uniqueProject();
    await ok(s, 'POST', '/v1/projects', { projectId: other });
    assert.equal(
      (await s.api('POST', `/v1/projects/${other}/zones/${ZONE}/instances/vm-1/register`, body, proxy))
        .status,
      403,
    );
  });

  test('interception targets: VIPs of the network the labels may see, long-polled', async () => {
    const s = server();
    const p = uniqueProject();
    await ok(s, 'POST', '/v1/projects', { projectId: p });
    await ok(s, 'POST', G(p, 'networks'), { name: 'other' });
    await createSidecarService(s, p, 'cart', '10.0.0.1');
    await createSidecarService(s, p, 'prod-only', '10.0.0.2', {
      metadataFilters: [{ filterMatchCriteria: 'MATCH_ALL', filterLabels: [{ name: 'env', value: 'prod' }] }],
    });
    await createSidecarService(s, p, 'any-ip', '0.0.0.0', { portRange: '81' });
    await createSidecarService(s, p, 'elsewhere', '10.0.0.9', { network: 'global/networks/other' });
    const proxy = await token(s, p, 'proxy');
    const base = `/v1/projects/${p}/networks/default/interceptionTargets`;
    const get = async (query = '') => {
      const res = await s.api('GET', `${base}${query}`, undefined, proxy);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body as unknown as Targets;
    };

    const plain = await get();
    assert.deepEqual(
      plain.targets.map((t) => `${t.ip}:${t.port}`),
      ['10.0.0.1:80'],
    );
    assert.equal(plain.targets[0]!.forwardingRule, `projects/${p}/global/forwardingRules/cart`);
    const prod = await get('?label=env%3Dprod');
    assert.deepEqual(
      prod.targets.map((t) => t.ip),
      ['10.0.0.1', '10.0.0.2'],
    );
    assert.notEqual(prod.version, plain.version);
    assert.deepEqual(
      (await get('')).version,
      plain.version,
      'the version is a content hash: equal sets, equal versions',
    );

    // A stale version returns at once; the current one waits for the next change.
    const stale = Date.now();
    await get('?waitForChange=stale&timeoutSec=20');
    assert.ok(Date.now() - stale < 5000);
    const started = Date.now();
    const waiting = get(`?waitForChange=${plain.version}&timeoutSec=30`);
    await new Promise((r) => setTimeout(r, 300));
    await createSidecarService(s, p, 'search', '10.0.0.3');
    const changed = await waiting;
    assert.ok(Date.now() - started < 20_000, 'the long poll returned on the change, not the timeout');
    assert.deepEqual(
      changed.targets.map((t) => t.ip),
      ['10.0.0.1', '10.0.0.3'],
    );
    // Unrelated changes do not end the wait early with the same answer.
    const quiet = Date.now();
    const same = get(`?waitForChange=${changed.version}&timeoutSec=1`);
    await ok(s, 'POST', G(p, 'healthChecks'), { name: 'hc', type: 'TCP' });
    assert.equal((await same).version, changed.version);
    assert.ok(Date.now() - quiet >= 900, 'waited for the timeout');

    const badLabel = await s.api('GET', `${base}?label=novalue`, undefined, proxy);
    assert.equal(badLabel.status, 400);
    assert.equal(firstError(badLabel.body).location, 'label[0]');
    const badTimeout = await s.api('GET', `${base}?waitForChange=x&timeoutSec=600`, undefined, proxy);
    assert.equal(firstError(badTimeout.body).location, 'timeoutSec');
  });
});
