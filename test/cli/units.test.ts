import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatServerError, resolveConfig } from '../../src/cli/client.js';
import { sourceMapper } from '../../src/cli/commands/apply.js';
import { listAll } from '../../src/cli/commands/resources.js';
import { inferKinds, parseDocuments } from '../../src/cli/documents.js';
import { kindFromFileName, kindFromSelfLink, requireKind } from '../../src/cli/kinds.js';
import { toTable } from '../../src/cli/output.js';
import { tempDir } from './run.js';

const collectionOf = (file: string) => kindFromFileName(file)?.collection;

test('kind from a file name: only clear cases', () => {
  assert.equal(collectionOf('url-map.yaml'), 'urlMaps');
  assert.equal(collectionOf('dir/url_map.yaml'), 'urlMaps');
  assert.equal(collectionOf('urlMaps.json'), 'urlMaps');
  assert.equal(collectionOf('urlmap.yml'), 'urlMaps');
  assert.equal(collectionOf('01-health-check.yaml'), 'healthChecks');
  assert.equal(collectionOf('wallet-backend-service.yaml'), 'backendServices');
  assert.equal(collectionOf('backend-service-wallet.yaml'), 'backendServices');
  assert.equal(collectionOf('web.url-map.yaml'), 'urlMaps');
  assert.equal(collectionOf('network-endpoint-group-a.yaml'), 'networkEndpointGroups');
  assert.equal(collectionOf('negs.yaml'), 'networkEndpointGroups');
  assert.equal(collectionOf('target-grpc-proxy.yaml'), 'targetGrpcProxies');
  assert.equal(collectionOf('forwarding_rules.yaml'), 'forwardingRules');
  for (const unclear of [
    'bs.yaml',
    'setup.yaml',
    'wallet.yaml',
    'my-url-map-v1.yaml',
    'url-map.backend-service.yaml',
    'proxy.yaml',
  ]) {
    assert.equal(collectionOf(unclear), undefined, unclear);
  }
});

test('kind from a selfLink', () => {
  assert.equal(
    kindFromSelfLink('https://www.googleapis.com/compute/v1/projects/p/global/urlMaps/x')?.collection,
    'urlMaps',
  );
  assert.equal(
    kindFromSelfLink(
      'https://compute.googleapis.com/compute/v1/projects/p/zones/us-central1-a/networkEndpointGroups/n',
    )?.collection,
    'networkEndpointGroups',
  );
  assert.equal(kindFromSelfLink('projects/p/global/backendServices/b')?.collection, 'backendServices');
  assert.equal(kindFromSelfLink('https://example.com/x'), undefined);
  assert.equal(kindFromSelfLink(undefined), undefined);
});

test('documents: multi-document YAML, JSON arrays, {resources}, empty documents skipped', () => {
  const yaml = parseDocuments(
    '---\nkind: a\nname: x\n---\n# nothing\n---\n- {kind: b, name: y}\n- {kind: c, name: z}\n',
    'f.yaml',
  );
  assert.deepEqual(
    yaml.map((d) => [d.document, d.body.name]),
    [
      [1, 'x'],
      [2, 'y'],
      [3, 'z'],
    ],
  );
  const json = parseDocuments(
    JSON.stringify({ kind: 'vane#export', resources: [{ name: 'a' }, { name: 'b' }] }),
    'f.json',
  );
  assert.deepEqual(
    json.map((d) => d.body.name),
    ['a', 'b'],
  );
  assert.deepEqual(parseDocuments('', 'empty.yaml'), []);
  assert.throws(() => parseDocuments('- 1\n', 'n.yaml'), /n\.yaml \(document 1\): is not a resource/);
});

test('inferring kinds: document, --kind, selfLink, file name; zones from selfLinks', () => {
  const docs = [
    { file: 'x.yaml', document: 1, body: { kind: 'url-map', name: 'a', fingerprint: 'abc' } },
    {
      file: 'x.yaml',
      document: 2,
      body: { name: 'n', selfLink: 'https://h/compute/v1/projects/p/zones/z-1/networkEndpointGroups/n' },
    },
    { file: 'health-check.yaml', document: 1, body: { name: 'h' } },
  ];
  const out = inferKinds(docs);
  assert.deepEqual(
    out.map((d) => [d.source, d.doc.body.kind]),
    [
      ['document', 'compute#urlMap'],
      ['selfLink', 'compute#networkEndpointGroup'],
      ['file name', 'compute#healthCheck'],
    ],
  );
  assert.equal(
    out[0]!.doc.body.fingerprint,
    'abc',
    'the server, not the CLI, decides what a fingerprint means in apply',
  );
  assert.equal(out[1]!.doc.body.zone, 'z-1');
  const flagged = inferKinds(docs.slice(1), requireKind('backend-services'));
  assert.deepEqual(
    flagged.map((d) => d.source),
    ['--kind', '--kind'],
  );
  assert.throws(
    () => inferKinds([{ file: 'setup.yaml', document: 3, body: { name: 'q' } }]),
    (err: Error & { exitCode?: number }) =>
      err.exitCode === 2 && /setup\.yaml \(document 3, name 'q'\) has no 'kind'/.test(err.message),
  );
});

test('server errors: message, then one line per located item; resources[N] mapped to files', () => {
  const map = sourceMapper([
    { file: 'a.yaml', document: 1, body: {} },
    { file: 'b.yaml', document: 2, body: {} },
  ]);
  const text = formatServerError(
    "Invalid value for field 'resources[1].pathMatchers[0].routeRules[2].priority': must be unique (and 1 more)",
    [
      {
        reason: 'invalid',
        message: 'must be unique',
        location: 'resources[1].pathMatchers[0].routeRules[2].priority',
      },
      { reason: 'invalid', message: 'duplicates resources[0] (urlMap x)', location: 'resources[1]' },
    ],
    map,
  );
  assert.equal(
    text,
    [
      "Invalid value for field 'pathMatchers[0].routeRules[2].priority' in b.yaml (document 2): must be unique (and 1 more)",
      '  at b.yaml (document 2) pathMatchers[0].routeRules[2].priority: must be unique',
      '  at b.yaml (document 2): duplicates a.yaml (document 1) (urlMap x)',
    ].join('\n'),
  );
  assert.equal(formatServerError('Gone', [{ reason: 'notFound', message: 'Gone' }]), 'Gone');
});

test('configuration precedence', () => {
  const dir = tempDir({ 'admin-token': 'from-file\n' });
  const other = tempDir({ 'admin-token': 'from-env-dir\n' });
  const env = { VANE_SERVER: 'http://env:1/', VANE_TOKEN: 'from-env', VANE_DATA_DIR: other };
  assert.deepEqual(resolveConfig({ server: 'http://flag:2', token: 'from-flag' }, env), {
    server: 'http://flag:2',
    token: 'from-flag',
    tokenSource: '--token',
  });
  assert.deepEqual(resolveConfig({}, env), {
    server: 'http://env:1',
    token: 'from-env',
    tokenSource: 'VANE_TOKEN',
  });
  assert.equal(resolveConfig({ dataDir: dir }, { VANE_DATA_DIR: other }).token, 'from-file');
  assert.equal(resolveConfig({}, { VANE_DATA_DIR: other }).tokenSource, join(other, 'admin-token'));
  assert.equal(resolveConfig({}, { VANE_DATA_DIR: join(dir, 'none') }).token, undefined);
  assert.equal(resolveConfig({}, {}).server, 'http://127.0.0.1:8080');
  assert.throws(() => resolveConfig({ server: 'localhost:8080' }, {}), /not a server URL/);
});

test('tables align columns and print missing values as -', () => {
  const out = toTable(
    [
      { name: 'a', n: 1 },
      { name: 'longer-name', n: undefined },
    ],
    [
      { header: 'NAME', value: (r) => r.name },
      { header: 'N', value: (r) => r.n },
    ],
  );
  assert.equal(out, 'NAME         N\na            1\nlonger-name  -\n');
});

test('list follows nextPageToken and flattens aggregated lists', async () => {
  const calls: Record<string, string | undefined>[] = [];
  const pages: Record<string, unknown>[] = [
    {
      items: { 'zones/a': { networkEndpointGroups: [{ name: 'x' }] }, 'zones/b': { warning: {} } },
      nextPageToken: 't1',
    },
    { items: { 'zones/b': { networkEndpointGroups: [{ name: 'y' }, { name: 'z' }] } } },
  ];
  const client = {
    request: async <T>(
      _method: string,
      path: string,
      opts?: { query?: Record<string, string | undefined> },
    ) => {
      assert.match(path, /\/aggregated\/networkEndpointGroups$/);
      calls.push(opts?.query ?? {});
      return pages.shift() as T;
    },
  };
  const items = await listAll(client, 'p', requireKind('neg'), undefined, 'name = x');
  assert.deepEqual(
    items.map((i) => i.name),
    ['x', 'y', 'z'],
  );
  assert.deepEqual(
    calls.map((q) => [q.pageToken, q.filter]),
    [
      [undefined, 'name = x'],
      ['t1', 'name = x'],
    ],
  );
});
