import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { startVane, type TestServer } from '../helpers/server.js';
import { TD_RESOURCES, TD_SETUP, urlMap } from './fixtures.js';
import { actions, cliFor, tempDir } from './run.js';

const PROJECT = 'mesh';
let server: TestServer;
let vane: ReturnType<typeof cliFor>;
let setupDir: string;

before(async () => {
  server = await startVane();
  vane = cliFor(server, PROJECT);
  setupDir = tempDir(TD_SETUP);
  const created = await vane(['projects', 'create', PROJECT]);
  assert.equal(created.code, 0, created.stderr);
});
after(() => server?.stop());

test('--dry-run reports what would change and changes nothing', async () => {
  const res = await vane(['apply', '-f', setupDir, '--dry-run']);
  assert.equal(res.code, 0, res.stderr);
  assert.deepEqual(
    actions(res.stdout),
    TD_RESOURCES.map((r) => ['created', r]),
  );
  assert.match(res.stdout, /dry run: nothing was changed/);
  const kinds = ['backend-services', 'negs', 'url-maps', 'health-checks', 'forwarding-rules'];
  const lists = await Promise.all(kinds.map((kind) => vane(['list', kind, '-o', 'json'])));
  for (const [i, list] of lists.entries()) {
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(JSON.parse(list.stdout), [], kinds[i]);
  }
});

test('apply creates a Traffic Director setup from gcloud exports of another project', async () => {
  const res = await vane(['apply', '-f', setupDir]);
  assert.equal(res.code, 0, res.stderr);
  assert.deepEqual(
    actions(res.stdout),
    TD_RESOURCES.map((r) => ['created', r]),
  );
  assert.match(res.stdout, /note: references to project 'prod-td' were rewritten to project 'mesh'/);
  assert.doesNotMatch(res.stdout, /dry run/);

  const map = await server.api('GET', `/compute/v1/projects/${PROJECT}/global/urlMaps/wallet-map`);
  assert.equal(map.status, 200);
  assert.match(String(map.body.defaultService), /\/projects\/mesh\/global\/backendServices\/wallet-v1$/);
  const neg = await server.api(
    'GET',
    `/compute/v1/projects/${PROJECT}/zones/us-central1-a/networkEndpointGroups/wallet-neg`,
  );
  assert.equal(neg.body.size, 2);
  const eps = await server.api(
    'GET',
    `/compute/v1/projects/${PROJECT}/zones/us-east1-b/networkEndpointGroups/wallet-neg/listNetworkEndpoints`,
  );
  assert.deepEqual(eps.body.items, [{ networkEndpoint: { ipAddress: '10.142.0.21', port: 50051 } }]);
  const proxy = await server.api(
    'GET',
    `/compute/v1/projects/${PROJECT}/global/targetGrpcProxies/wallet-proxy`,
  );
  assert.equal(proxy.body.validateForProxyless, true);
});

test('applying the same documents again changes nothing', async () => {
  const res = await vane(['apply', '-f', setupDir]);
  assert.equal(res.code, 0, res.stderr);
  assert.deepEqual(
    actions(res.stdout),
    TD_RESOURCES.map((r) => ['unchanged', r]),
  );
});

test('export prints YAML documents that apply takes back unchanged', async () => {
  const out = join(tempDir(), 'mesh.yaml');
  const res = await vane(['export', '-f', out]);
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stderr, /exported 9 resources/);
  const text = readFileSync(out, 'utf8');
  const docs = parseAllDocuments(text);
  assert.ok(Array.isArray(docs));
  assert.equal(docs.length, 9);
  assert.match(text, /^---$/m);

  const stdout = await vane(['export']);
  assert.equal(stdout.code, 0, stdout.stderr);
  assert.equal(stdout.stdout, text);

  const again = await vane(['apply', '-f', out]);
  assert.equal(again.code, 0, again.stderr);
  const result = actions(again.stdout);
  assert.equal(result.length, 9);
  assert.deepEqual(
    result.map(([action]) => action),
    Array(9).fill('unchanged'),
  );
  assert.deepEqual(
    result.map(([, what]) => what),
    ['network/default', ...TD_RESOURCES],
  );
});

test('an invalid document fails the whole apply, naming the field and the file', async () => {
  const dir = tempDir({
    'a-health-check.yaml': 'name: extra-hc\ntype: TCP\n',
    'b-setup.yaml': `kind: healthCheck\nname: extra-hc-2\ntype: TCP\n---\nkind: urlMap\n${urlMap(0)}`,
  });
  const res = await vane(['apply', '-f', dir]);
  assert.equal(res.code, 1);
  assert.match(res.stderr, /pathMatchers\[0\]\.routeRules\[1\]\.priority/);
  assert.match(
    res.stderr,
    /'pathMatchers\[0\]\.routeRules\[1\]\.priority' in \S*b-setup\.yaml \(document 2\)/,
  );
  assert.match(
    res.stderr,
    /\n {2}at \S*b-setup\.yaml \(document 2\) pathMatchers\[0\]\.routeRules\[1\]\.priority: /,
  );
  assert.doesNotMatch(res.stderr, /resources\[\d+\]/);
  const hc = await vane(['get', 'health-check', 'extra-hc']);
  assert.equal(hc.code, 1, 'nothing of a failed apply is written');
  assert.match(hc.stderr, /was not found/);
});

test('a document whose kind cannot be inferred is a usage error naming it', async () => {
  const dir = tempDir({
    'setup.yaml': 'kind: healthCheck\nname: ok-hc\ntype: TCP\n---\nname: mystery\ntype: TCP\n',
  });
  const res = await vane(['apply', '-f', join(dir, 'setup.yaml')]);
  assert.equal(res.code, 2);
  assert.match(res.stderr, /setup\.yaml \(document 2, name 'mystery'\) has no 'kind'/);
  assert.match(res.stderr, /--kind/);

  const unknown = await vane(['apply', '-f', '-'], { input: 'kind: gizmo\nname: g\n' });
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /<stdin> \(document 1, name 'g'\): 'gizmo' is not a resource kind/);

  const badFlag = await vane(['apply', '-f', dir, '--kind', 'gizmo']);
  assert.equal(badFlag.code, 2);
  assert.match(badFlag.stderr, /unknown resource kind 'gizmo'/);
});

test('--kind names the kind of documents without one; stdin and JSON work', async () => {
  const res = await vane(['apply', '-f', '-', '--kind', 'health-checks'], {
    input: 'name: stdin-hc\ntype: TCP\n',
  });
  assert.equal(res.code, 0, res.stderr);
  assert.deepEqual(actions(res.stdout), [['created', 'healthCheck/stdin-hc']]);

  const json = JSON.stringify([{ kind: 'compute#healthCheck', name: 'stdin-hc', type: 'TCP' }]);
  const array = await vane(['apply', '-f', '-'], { input: json });
  assert.equal(array.code, 0, array.stderr);
  assert.deepEqual(actions(array.stdout), [['unchanged', 'healthCheck/stdin-hc']]);

  const dir = tempDir({
    'list.json': JSON.stringify({
      resources: [{ kind: 'healthCheck', name: 'stdin-hc', type: 'TCP', timeoutSec: 4 }],
    }),
  });
  const wrapped = await vane(['apply', '-f', join(dir, 'list.json'), '-o', 'json']);
  assert.equal(wrapped.code, 0, wrapped.stderr);
  const body = JSON.parse(wrapped.stdout) as { results: unknown[] };
  assert.deepEqual(body.results, [{ kind: 'compute#healthCheck', name: 'stdin-hc', action: 'updated' }]);
});

test('apply without -f and with a missing file are usage errors', async () => {
  const none = await vane(['apply']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /-f FILE\|DIR\|- is required/);
  const missing = await vane(['apply', '-f', join(tempDir(), 'nope.yaml')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /nope\.yaml': no such file/);
});

test('malformed YAML is reported with the file', async () => {
  const dir = tempDir();
  const file = join(dir, 'broken.yaml');
  writeFileSync(file, 'kind: healthCheck\nname: [unclosed\n');
  const res = await vane(['apply', '-f', file]);
  assert.equal(res.code, 1);
  assert.match(res.stderr, /broken\.yaml: not valid YAML or JSON/);
});
