import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startVane, type TestServer } from '../helpers/server.js';
import { TD_SETUP } from './fixtures.js';
import { cliFor, tempDir } from './run.js';

const PROJECT = 'bank';
let server: TestServer;
let vane: ReturnType<typeof cliFor>;
let viewerId = '';
let viewerSecret = '';

before(async () => {
  server = await startVane();
  vane = cliFor(server, PROJECT);
  assert.equal((await vane(['projects', 'create', PROJECT])).code, 0);
});
after(() => server?.stop());

test('tokens create prints the secret once, with its id', async () => {
  const res = await vane(['tokens', 'create', '--role', 'viewer', '--name', 'dashboards']);
  assert.equal(res.code, 0, res.stderr);
  const m = /^created token (\w+) \(name dashboards, viewer on project bank\)\nsecret: (vane_\S+)\n/.exec(
    res.stdout,
  );
  assert.ok(m, res.stdout);
  viewerId = m[1]!;
  viewerSecret = m[2]!;

  const json = await vane(['tokens', 'create', '--role', 'editor', '-o', 'json']);
  assert.equal(json.code, 0, json.stderr);
  const editor = JSON.parse(json.stdout) as { id: string; name: string; token: string; grants: unknown };
  assert.match(editor.token, /^vane_/);
  assert.deepEqual(editor.grants, [{ project: 'bank', role: 'editor' }]);
  const applied = await vane(['apply', '-f', tempDir(TD_SETUP)], { token: editor.token });
  assert.equal(applied.code, 0, applied.stderr);
});

test('tokens list shows ids, names and grants, never secrets', async () => {
  const res = await vane(['tokens', 'list']);
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, /^ID\s+NAME\s+GRANTS\s+CREATED\s+REVOKED$/m);
  assert.match(res.stdout, new RegExp(`^${viewerId}\\s+dashboards\\s+bank:viewer\\s+\\S+\\s+-$`, 'm'));
  assert.match(res.stdout, /^admin\s+admin\s+\*:admin/m);
  const json = await vane(['tokens', 'list', '-o', 'json']);
  assert.doesNotMatch(json.stdout, /vane_/);
});

test('a viewer token reads but cannot apply: 403 explained', async () => {
  const list = await vane(['list', 'url-maps'], { token: viewerSecret });
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /wallet-map/);

  const res = await vane(['apply', '-f', tempDir(TD_SETUP)], { token: viewerSecret });
  assert.equal(res.code, 1);
  assert.match(res.stderr, /the token from VANE_TOKEN is not allowed to do this/);
  assert.match(
    res.stderr,
    /Required 'write' permission on project 'bank'; token 'dashboards' does not have it/,
  );

  const flag = await vane(['tokens', 'list', '--token', viewerSecret]);
  assert.equal(flag.code, 1);
  assert.match(flag.stderr, /the token from --token is not allowed/);
});

test('tokens revoke: the token stops working', async () => {
  const res = await vane(['tokens', 'revoke', viewerId]);
  assert.equal(res.code, 0, res.stderr);
  assert.equal(res.stdout, `revoked token ${viewerId} (name dashboards)\n`);
  const list = await vane(['list', 'url-maps'], { token: viewerSecret });
  assert.equal(list.code, 1);
  assert.match(list.stderr, /rejected the token from VANE_TOKEN: it is unknown or revoked/);
  const tokens = await vane(['tokens', 'list']);
  assert.match(
    tokens.stdout,
    new RegExp(`^${viewerId}\\s+dashboards\\s+bank:viewer\\s+\\S+\\s+\\d{4}-`, 'm'),
  );

  const unknown = await vane(['tokens', 'revoke', 'nosuchtoken']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /tokens\/nosuchtoken' was not found/);
});

test('tokens create usage errors', async () => {
  const noRole = await vane(['tokens', 'create']);
  assert.equal(noRole.code, 2);
  assert.match(noRole.stderr, /--role/);
  const badRole = await vane(['tokens', 'create', '--role', 'owner']);
  assert.equal(badRole.code, 2);
  const noProject = await vane(['tokens', 'create', '--role', 'viewer'], {
    env: { VANE_PROJECT: undefined },
  });
  assert.equal(noProject.code, 2);
  assert.match(noProject.stderr, /--project is required/);
  const missing = await vane(['tokens', 'revoke']);
  assert.equal(missing.code, 2);
});
