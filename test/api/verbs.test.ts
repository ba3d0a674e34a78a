import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorLocations, firstError, forEachStore, G, uniqueProject } from '../helpers/api-suite.js';
import { createMesh } from '../helpers/td-setup.js';

forEachStore('resource verbs', (server) => {
  test('insert returns a DONE operation; get returns the resource with defaults and output-only fields', async () => {
    const s = server();
    const p = uniqueProject();
    await s.api('POST', '/v1/projects', { projectId: p });
    const op = await s.api('POST', G(p, 'healthChecks'), {
      name: 'hc',
      type: 'HTTP',
      httpHealthCheck: { port: 8080 },
    });
    assert.equal(op.status, 200, JSON.stringify(op.body));
    assert.equal(op.body.kind, 'compute#operation');
    assert.equal(op.body.status, 'DONE');
    assert.equal(op.body.operationType, 'insert');
    assert.equal(op.body.targetLink, `${s.url}/compute/v1/projects/${p}/global/healthChecks/hc`);
    const polled = await s.api('GET', `/compute/v1/projects/${p}/global/operations/${String(op.body.name)}`);
    assert.equal(polled.body.status, 'DONE');

    const hc = (await s.api('GET', G(p, 'healthChecks', 'hc'))).body;
    assert.equal(hc.kind, 'compute#healthCheck');
    assert.equal(hc.name, 'hc');
    assert.equal(hc.id, op.body.targetId);
    assert.match(String(hc.creationTimestamp), /^\d{4}-\d\d-\d\dT/);
    assert.equal(hc.checkIntervalSec, 5);
    assert.equal(hc.timeoutSec, 5);
    assert.equal(hc.healthyThreshold, 2);
    assert.equal(hc.unhealthyThreshold, 2);
    assert.deepEqual(hc.httpHealthCheck, {
      port: 8080,
      portSpecification: 'USE_FIXED_PORT',
      requestPath: '/',
    });

    const dup = await s.api('POST', G(p, 'healthChecks'), { name: 'hc', type: 'TCP' });
    assert.equal(dup.status, 409);
    assert.equal(firstError(dup.body).reason, 'alreadyExists');
  });

  test('list pages with maxResults/pageToken and filters by name', async () => {
    const s = server();
    const p = uniqueProject();
    await s.api('POST', '/v1/projects', { projectId: p });
    const names = ['a-1', 'a-2', 'b-1', 'b-2', 'c-1'];
    for (const name of names) await s.api('POST', G(p, 'healthChecks'), { name, type: 'TCP' });
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await s.api(
        'GET',
        `${G(p, 'healthChecks')}?maxResults=2${token ? `&pageToken=${token}` : ''}`,
      );
      assert.equal(page.status, 200);
      assert.equal(page.body.kind, 'compute#healthCheckList');
      const items = page.body.items as { name: string }[];
      assert.ok(items.length <= 2);
      seen.push(...items.map((i) => i.name));
      token = page.body.nextPageToken as string | undefined;
    } while (token);
    assert.deepEqual(seen, names);
    const eq = await s.api('GET', `${G(p, 'healthChecks')}?filter=${encodeURIComponent('name = "b-1"')}`);
    assert.deepEqual(
      (eq.body.items as { name: string }[]).map((i) => i.name),
      ['b-1'],
    );
    const re = await s.api('GET', `${G(p, 'healthChecks')}?filter=${encodeURIComponent('name eq a-.*')}`);
    assert.deepEqual(
      (re.body.items as { name: string }[]).map((i) => i.name),
      ['a-1', 'a-2'],
    );
    const ne = await s.api('GET', `${G(p, 'healthChecks')}?filter=${encodeURIComponent('name != "c-1"')}`);
    assert.equal((ne.body.items as unknown[]).length, 4);
    const bad = await s.api('GET', `${G(p, 'healthChecks')}?filter=${encodeURIComponent('name ~~ x')}`);
    assert.equal(bad.status, 400);
    assert.equal(firstError(bad.body).location, 'filter');
    assert.equal((await s.api('GET', `${G(p, 'healthChecks')}?maxResults=0`)).status, 400);
    assert.equal((await s.api('GET', `${G(p, 'healthChecks')}?pageToken=garbage`)).status, 400);
  });

  test('patch merges (null deletes), update replaces, delete removes', async () => {
    const s = server();
    const p = uniqueProject();
    await createMesh(s, p);
    const patched = await s.api('PATCH', G(p, 'backendServices', 'wallet-v1'), {
      description: 'v1',
      timeoutSec: null,
    });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal(patched.body.operationType, 'patch');
    const bs = (await s.api('GET', G(p, 'backendServices', 'wallet-v1'))).body;
    assert.equal(bs.description, 'v1');
    assert.equal(bs.protocol, 'GRPC');
    assert.equal((bs.backends as unknown[]).length, 2);

    const hc = (await s.api('GET', G(p, 'healthChecks', 'grpc-hc'))).body;
    const updated = await s.api('PUT', G(p, 'healthChecks', 'grpc-hc'), {
      ...hc,
      checkIntervalSec: 10,
      description: undefined,
    });
    assert.equal(updated.status, 200, JSON.stringify(updated.body));
    assert.equal((await s.api('GET', G(p, 'healthChecks', 'grpc-hc'))).body.checkIntervalSec, 10);
    const renamed = await s.api('PUT', G(p, 'healthChecks', 'grpc-hc'), { ...hc, name: 'other' });
    assert.equal(renamed.status, 400);
    assert.equal(firstError(renamed.body).location, 'name');

    assert.equal((await s.api('PATCH', G(p, 'healthChecks', 'missing'), { description: 'x' })).status, 404);
    await s.api('POST', G(p, 'healthChecks'), { name: 'spare', type: 'TCP' });
    assert.equal((await s.api('DELETE', G(p, 'healthChecks', 'spare'))).status, 200);
    assert.equal((await s.api('GET', G(p, 'healthChecks', 'spare'))).status, 404);
    assert.equal((await s.api('DELETE', G(p, 'healthChecks', 'spare'))).status, 404);
  });

  test('a stale fingerprint fails with 412; the current one and none succeed', async () => {
    const s = server();
    const p = uniqueProject();
    await createMesh(s, p);
    const before = (await s.api('GET', G(p, 'urlMaps', 'wallet-map'))).body;
    assert.equal(typeof before.fingerprint, 'string');
    const ok = await s.api('PATCH', G(p, 'urlMaps', 'wallet-map'), {
      description: 'one',
      fingerprint: before.fingerprint,
    });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const after = (await s.api('GET', G(p, 'urlMaps', 'wallet-map'))).body;
    assert.notEqual(after.fingerprint, before.fingerprint);
    const stale = await s.api('PATCH', G(p, 'urlMaps', 'wallet-map'), {
      description: 'two',
      fingerprint: before.fingerprint,
    });
    assert.equal(stale.status, 412);
    assert.equal(firstError(stale.body).reason, 'conditionNotMet');
    const staleUpdate = await s.api('PUT', G(p, 'urlMaps', 'wallet-map'), {
      ...before,
      description: 'three',
    });
    assert.equal(staleUpdate.status, 412);
    assert.equal((await s.api('GET', G(p, 'urlMaps', 'wallet-map'))).body.description, 'one');
    assert.equal((await s.api('PATCH', G(p, 'urlMaps', 'wallet-map'), { description: 'four' })).status, 200);
  });

  test('references: every accepted form is stored normalised and returned as a full URL', async () => {
    const s = server();
    const p = uniqueProject();
    await s.api('POST', '/v1/projects', { projectId: p });
    const forms = [
      `https://www.googleapis.com/compute/v1/projects/${p}/global/networks/default`,
      `projects/${p}/global/networks/default`,
      'global/networks/default',
    ];
    for (const [i, network] of forms.entries()) {
      const res = await s.api('POST', `/compute/v1/projects/${p}/zones/us-central1-a/networkEndpointGroups`, {
        name: `neg-${i}`,
        network,
        defaultPort: 80,
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const neg = (
        await s.api('GET', `/compute/v1/projects/${p}/zones/us-central1-a/networkEndpointGroups/neg-${i}`)
      ).body;
      assert.equal(neg.network, `${s.url}/compute/v1/projects/${p}/global/networks/default`);
      assert.equal(neg.zone, `${s.url}/compute/v1/projects/${p}/zones/us-central1-a`);
      assert.equal(neg.size, 0);
    }
    const missing = await s.api('POST', G(p, 'backendServices'), {
      name: 'bs',
      healthChecks: ['global/healthChecks/nope'],
    });
    assert.equal(missing.status, 400);
    assert.equal(firstError(missing.body).location, 'healthChecks[0]');
    assert.match(firstError(missing.body).message, /healthChecks\/nope' was not found/);
    const wrongKind = await s.api('POST', G(p, 'backendServices'), {
      name: 'bs',
      healthChecks: ['global/networks/default'],
    });
    assert.equal(firstError(wrongKind.body).location, 'healthChecks[0]');
    const otherProject = await s.api('POST', G(p, 'backendServices'), {
      name: 'bs',
      healthChecks: ['projects/elsewhere/global/healthChecks/hc'],
    });
    assert.match(firstError(otherProject.body).message, /project 'elsewhere'/);
  });

  test('projects are isolated: same names in two projects, no cross-project reads', async () => {
    const s = server();
    const a = uniqueProject();
    const b = uniqueProject();
    await createMesh(s, a);
    await s.api('POST', '/v1/projects', { projectId: b });
    assert.equal((await s.api('GET', G(b, 'urlMaps', 'wallet-map'))).status, 404);
    assert.deepEqual((await s.api('GET', G(b, 'urlMaps'))).body.items, []);
    await createMesh(s, b, { createProject: false }).catch(() =>
      assert.fail('the same names must be usable in another project'),
    );
    assert.equal((await s.api('GET', G('no-such-project', 'urlMaps'))).status, 404);
  });

  test('HTTP-level errors: malformed JSON with position, oversized body, unknown collection, unknown field', async () => {
    const s = server();
    const p = uniqueProject();
    await s.api('POST', '/v1/projects', { projectId: p });
    const malformed = await s.api('POST', G(p, 'healthChecks'), '{"name": "hc", "type": }');
    assert.equal(malformed.status, 400);
    assert.equal(firstError(malformed.body).reason, 'parseError');
    assert.match(
      String((malformed.body.error as { message: string }).message),
      /position 23 \(line 1, column 24\)/,
    );
    const huge = await s.api('POST', G(p, 'urlMaps'), { name: 'big', description: 'x'.repeat(1_100_000) });
    assert.equal(huge.status, 413);
    assert.equal((huge.body.error as { code: number }).code, 413);
    assert.equal((await s.api('GET', G(p, 'widgets'))).status, 404);
    const unknown = await s.api('POST', G(p, 'healthChecks'), {
      name: 'hc',
      type: 'TCP',
      tcpHealthCheck: { port: 80, colour: 'red' },
    });
    assert.equal(unknown.status, 400);
    assert.deepEqual(errorLocations(unknown.body), ['tcpHealthCheck.colour']);
    const badName = await s.api('POST', G(p, 'healthChecks'), { name: 'Not_Valid', type: 'TCP' });
    assert.deepEqual(errorLocations(badName.body), ['name']);
    const wrongKind = await s.api('POST', G(p, 'healthChecks'), {
      kind: 'compute#urlMap',
      name: 'hc',
      type: 'TCP',
    });
    assert.deepEqual(errorLocations(wrongKind.body), ['kind']);
  });
});
