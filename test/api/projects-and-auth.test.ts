import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorLocations, firstError, forEachStore, G, uniqueProject } from '../helpers/api-suite.js';

forEachStore('projects', (server) => {
  test('create assigns a unique 12-digit number and a default network', async () => {
    const s = server();
    const a = uniqueProject();
    const b = uniqueProject();
    const ra = await s.api('POST', '/v1/projects', { projectId: a });
    const rb = await s.api('POST', '/v1/projects', { projectId: b });
    assert.equal(ra.status, 200, JSON.stringify(ra.body));
    assert.equal(ra.body.projectId, a);
    assert.match(String(ra.body.projectNumber), /^[1-9]\d{11}$/);
    assert.notEqual(ra.body.projectNumber, rb.body.projectNumber);
    const net = await s.api('GET', G(a, 'networks', 'default'));
    assert.equal(net.status, 200);
    assert.equal(net.body.kind, 'compute#network');
    assert.equal(net.body.selfLink, `${s.url}/compute/v1/projects/${a}/global/networks/default`);
    assert.match(String(net.body.id), /^\d+$/);
  });

  test('create keeps a given number; duplicates of id or number are refused with 409', async () => {
    const s = server();
    const id = uniqueProject();
    const number = String(100_000_000_000 + Math.floor(Math.random() * 800_000_000_000));
    assert.equal(
      (await s.api('POST', '/v1/projects', { projectId: id, projectNumber: number })).body.projectNumber,
      number,
    );
    const dupId = await s.api('POST', '/v1/projects', { projectId: id });
    assert.equal(dupId.status, 409);
    assert.equal(firstError(dupId.body).reason, 'alreadyExists');
    const dupNumber = await s.api('POST', '/v1/projects', {
      projectId: uniqueProject(),
      projectNumber: number,
    });
    assert.equal(dupNumber.status, 409);
    assert.equal(firstError(dupNumber.body).location, 'projectNumber');
  });

  test('bad project bodies name the field', async () => {
    const s = server();
    const bad = await s.api('POST', '/v1/projects', { projectId: 'Bad_Name' });
    assert.equal(bad.status, 400);
    assert.deepEqual(errorLocations(bad.body), ['projectId']);
    const unknown = await s.api('POST', '/v1/projects', { projectId: uniqueProject(), owner: 'me' });
    assert.equal(unknown.status, 400);
    assert.deepEqual(errorLocations(unknown.body), ['owner']);
    assert.match(firstError(unknown.body).message, /unknown field 'owner'/);
    const missing = await s.api('POST', '/v1/projects', {});
    assert.equal(firstError(missing.body).reason, 'required');
    assert.equal(firstError(missing.body).location, 'projectId');
  });

  test('get, list and delete; deletion removes everything in the project', async () => {
    const s = server();
    const id = uniqueProject();
    await s.api('POST', '/v1/projects', { projectId: id });
    await s.api('POST', G(id, 'healthChecks'), { name: 'hc', type: 'TCP' });
    assert.equal((await s.api('GET', `/v1/projects/${id}`)).body.projectId, id);
    const list = (await s.api('GET', '/v1/projects')).body.projects as { projectId: string }[];
    assert.ok(list.some((p) => p.projectId === id));
    assert.equal((await s.api('DELETE', `/v1/projects/${id}`)).status, 200);
    assert.equal((await s.api('GET', `/v1/projects/${id}`)).status, 404);
    assert.equal((await s.api('GET', G(id, 'healthChecks', 'hc'))).status, 404);
    assert.equal((await s.api('DELETE', `/v1/projects/${id}`)).status, 404);
    // The id can be used again, from scratch.
    await s.api('POST', '/v1/projects', { projectId: id });
    assert.equal((await s.api('GET', G(id, 'healthChecks', 'hc'))).status, 404);
  });
});

forEachStore('authentication and authorization', (server) => {
  const token = async (project: string, role: string) => {
    const res = await server().api('POST', '/v1/tokens', { grants: [{ project, role }] });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return { secret: String(res.body.token), id: String(res.body.id) };
  };

  test('no token or an unknown token is 401 in the API error shape', async () => {
    const s = server();
    const none = await s.api('GET', '/v1/projects', undefined, '');
    assert.equal(none.status, 401);
    assert.equal(firstError(none.body).reason, 'unauthorized');
    assert.equal((await s.api('GET', '/v1/projects', undefined, 'vane_not-a-token')).status, 401);
    assert.equal((await s.api('GET', '/healthz', undefined, '')).status, 200);
  });

  test('roles: viewer reads, editor writes, proxy reports, other projects are forbidden', async () => {
    const s = server();
    const a = uniqueProject();
    const b = uniqueProject();
    await s.api('POST', '/v1/projects', { projectId: a });
    await s.api('POST', '/v1/projects', { projectId: b });
    await s.api('POST', `/compute/v1/projects/${a}/zones/us-central1-a/instances`, {
      name: 'vm1',
      networkIP: '10.0.0.5',
    });
    const viewer = await token(a, 'viewer');
    const editor = await token(a, 'editor');
    const proxy = await token(a, 'proxy');

    assert.equal((await s.api('GET', G(a, 'networks'), undefined, viewer.secret)).status, 200);
    const denied = await s.api('POST', G(a, 'healthChecks'), { name: 'hc', type: 'TCP' }, viewer.secret);
    assert.equal(denied.status, 403);
    assert.equal(firstError(denied.body).reason, 'forbidden');
    assert.equal(
      (await s.api('POST', G(a, 'healthChecks'), { name: 'hc', type: 'TCP' }, editor.secret)).status,
      200,
    );
    assert.equal((await s.api('GET', G(b, 'networks'), undefined, editor.secret)).status, 403);
    assert.equal(
      (await s.api('POST', G(b, 'healthChecks'), { name: 'hc', type: 'TCP' }, editor.secret)).status,
      403,
    );

    const setAttrs = `/compute/v1/projects/${a}/zones/us-central1-a/instances/vm1/setGuestAttributes`;
    const attrs = { items: [{ namespace: 'gce-service-proxy', key: 'bootstrap-status', value: 'FINISHED' }] };
    assert.equal((await s.api('POST', setAttrs, attrs, proxy.secret)).status, 200);
    assert.equal((await s.api('POST', setAttrs, attrs, viewer.secret)).status, 403);
    assert.equal(
      (await s.api('POST', G(a, 'healthChecks'), { name: 'hc2', type: 'TCP' }, proxy.secret)).status,
      403,
    );

    const visible = (await s.api('GET', '/v1/projects', undefined, viewer.secret)).body.projects as {
      projectId: string;
    }[];
    assert.deepEqual(
      visible.map((p) => p.projectId),
      [a],
    );
    assert.equal(
      (await s.api('POST', '/v1/projects', { projectId: uniqueProject() }, editor.secret)).status,
      403,
    );
  });

  test('project admins manage tokens of their own project only; revoked tokens stop working', async () => {
    const s = server();
    const a = uniqueProject();
    const b = uniqueProject();
    await s.api('POST', '/v1/projects', { projectId: a });
    await s.api('POST', '/v1/projects', { projectId: b });
    const admin = await token(a, 'admin');
    const created = await s.api(
      'POST',
      '/v1/tokens',
      { grants: [{ project: a, role: 'viewer' }] },
      admin.secret,
    );
    assert.equal(created.status, 200);
    assert.equal(
      (await s.api('POST', '/v1/tokens', { grants: [{ project: b, role: 'viewer' }] }, admin.secret)).status,
      403,
    );
    assert.equal(
      (await s.api('POST', '/v1/tokens', { grants: [{ project: '*', role: 'viewer' }] }, admin.secret))
        .status,
      403,
    );
    const listed = (await s.api('GET', '/v1/tokens', undefined, admin.secret)).body.tokens as {
      id: string;
      grants: { project: string }[];
    }[];
    assert.ok(listed.length >= 2);
    assert.ok(listed.every((t) => t.grants.every((g) => g.project === a)));
    assert.ok(listed.every((t) => !('hash' in t) && !('token' in t)));

    const secret = String(created.body.token);
    assert.equal((await s.api('GET', G(a, 'networks'), undefined, secret)).status, 200);
    assert.equal(
      (await s.api('DELETE', `/v1/tokens/${String(created.body.id)}`, undefined, admin.secret)).status,
      200,
    );
    assert.equal((await s.api('GET', G(a, 'networks'), undefined, secret)).status, 401);
    const badRole = await s.api('POST', '/v1/tokens', { grants: [{ project: a, role: 'owner' }] });
    assert.equal(badRole.status, 400);
    assert.equal(firstError(badRole.body).location, 'grants[0].role');
  });
});
