import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { parse } from 'yaml';
import { startVane, type TestServer } from '../helpers/server.js';
import { TD_SETUP } from './fixtures.js';
import { cliFor, tempDir } from './run.js';

const PROJECT = 'shop';
let server: TestServer;
let vane: ReturnType<typeof cliFor>;

/** Table output → rows of cells split on runs of 2+ spaces (first row: headers). */
function table(stdout: string): string[][] {
  return stdout
    .trimEnd()
    .split('\n')
    .map((l) => l.split(/ {2,}/));
}

before(async () => {
  server = await startVane();
  vane = cliFor(server, PROJECT);
  assert.equal((await vane(['projects', 'create', PROJECT])).code, 0);
  const applied = await vane(['apply', '-f', tempDir(TD_SETUP)]);
  assert.equal(applied.code, 0, applied.stderr);
});
after(() => server?.stop());

test('get prints a table by default, JSON and YAML on request', async () => {
  const res = await vane(['get', 'backend-service', 'wallet-v1']);
  assert.equal(res.code, 0, res.stderr);
  const rows = table(res.stdout);
  assert.deepEqual(rows[0], ['NAME', 'PROTOCOL', 'SCHEME', 'BACKENDS', 'CREATED']);
  assert.deepEqual(rows[1]!.slice(0, 4), [
    'wallet-v1',
    'GRPC',
    'INTERNAL_SELF_MANAGED',
    'networkEndpointGroups/wallet-neg,networkEndpointGroups/wallet-neg',
  ]);

  const json = await vane(['get', 'compute#backendService', 'wallet-v1', '-o', 'json']);
  assert.equal(json.code, 0, json.stderr);
  const bs = JSON.parse(json.stdout) as Record<string, unknown>;
  assert.equal(bs.protocol, 'GRPC');
  assert.match(String(bs.selfLink), /\/projects\/shop\/global\/backendServices\/wallet-v1$/);

  const yaml = await vane(['--output', 'yaml', 'get', 'urlMaps', 'wallet-map']);
  assert.equal(yaml.code, 0, yaml.stderr);
  const map = parse(yaml.stdout) as { pathMatchers: { routeRules: unknown[] }[] };
  assert.equal(map.pathMatchers[0]!.routeRules.length, 2);
});

test('zonal resources: get finds the zone when it is unique, else asks for --zone', async () => {
  const ambiguous = await vane(['get', 'neg', 'wallet-neg']);
  assert.equal(ambiguous.code, 2);
  assert.match(ambiguous.stderr, /several zones \(us-central1-a, us-east1-b\): pass --zone/);

  const res = await vane(['get', 'network-endpoint-groups', 'wallet-neg', '--zone', 'us-central1-a']);
  assert.equal(res.code, 0, res.stderr);
  const rows = table(res.stdout);
  assert.deepEqual(rows[0], ['NAME', 'ZONE', 'TYPE', 'DEFAULT_PORT', 'SIZE', 'CREATED']);
  assert.deepEqual(rows[1]!.slice(0, 5), ['wallet-neg', 'us-central1-a', 'GCE_VM_IP_PORT', '50051', '2']);

  const global = await vane(['get', 'url-map', 'wallet-map', '--zone', 'us-central1-a']);
  assert.equal(global.code, 2);
  assert.match(global.stderr, /global: drop --zone/);
});

test('list: aggregated over zones, one zone, filters, and kind-specific columns', async () => {
  const all = await vane(['list', 'negs']);
  assert.equal(all.code, 0, all.stderr);
  const rows = table(all.stdout);
  assert.equal(rows.length, 3);
  assert.deepEqual(
    rows.slice(1).map((r) => [r[0], r[1], r[4]]),
    [
      ['wallet-neg', 'us-central1-a', '2'],
      ['wallet-neg', 'us-east1-b', '1'],
    ],
  );

  const zone = await vane(['list', 'negs', '--zone', 'us-east1-b', '-o', 'json']);
  assert.equal(zone.code, 0, zone.stderr);
  const items = JSON.parse(zone.stdout) as { zone: string; size: number }[];
  assert.equal(items.length, 1);
  assert.match(items[0]!.zone, /zones\/us-east1-b$/);

  const filtered = await vane(['list', 'backendServices', '--filter', 'name = wallet-v2', '-o', 'yaml']);
  assert.equal(filtered.code, 0, filtered.stderr);
  const bs = parse(filtered.stdout) as { selfLink: string }[];
  assert.equal(bs.length, 1);
  assert.match(bs[0]!.selfLink, /wallet-v2$/);

  const rules = await vane(['list', 'forwarding-rules']);
  assert.equal(rules.code, 0, rules.stderr);
  const frRows = table(rules.stdout);
  assert.deepEqual(frRows[0], ['NAME', 'IP:PORT', 'TARGET', 'CREATED']);
  assert.deepEqual(frRows[1]!.slice(0, 3), ['wallet-rule', '0.0.0.0:80', 'targetGrpcProxies/wallet-proxy']);

  const proxies = await vane(['list', 'target-grpc-proxies']);
  assert.match(proxies.stdout, /wallet-proxy\s+urlMaps\/wallet-map\s+true/);
});

test('list and get errors: unknown kind, --zone on a global kind, missing resource', async () => {
  const unknown = await vane(['list', 'gizmos']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown resource kind 'gizmos'/);

  const zone = await vane(['list', 'url-maps', '--zone', 'us-central1-a']);
  assert.equal(zone.code, 2);

  const missing = await vane(['get', 'url-map', 'nope']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /projects\/shop\/global\/urlMaps\/nope' was not found/);

  const noProject = await vane(['list', 'url-maps'], { env: { VANE_PROJECT: undefined } });
  assert.equal(noProject.code, 2);
  assert.match(noProject.stderr, /--project is required/);

  const missingArg = await vane(['get', 'url-map']);
  assert.equal(missingArg.code, 2);
  assert.match(missingArg.stderr, /missing required argument 'name'/);
});

test('delete refuses a resource in use, then deletes the chain top-down', async () => {
  const inUse = await vane(['delete', 'backend-service', 'wallet-v2']);
  assert.equal(inUse.code, 1);
  assert.match(
    inUse.stderr,
    /backend_service resource 'projects\/shop\/global\/backendServices\/wallet-v2' is already being used by 'projects\/shop\/global\/urlMaps\/wallet-map'/,
  );

  const fr = await vane(['delete', 'forwarding-rule', 'wallet-rule']);
  assert.equal(fr.code, 0, fr.stderr);
  assert.equal(fr.stdout, 'deleted forwardingRule/wallet-rule\n');

  const proxy = await vane(['delete', 'targetGrpcProxy', 'wallet-proxy', '-o', 'json']);
  assert.equal(proxy.code, 0, proxy.stderr);
  const op = JSON.parse(proxy.stdout) as { operationType?: string; status?: string };
  assert.equal(op.status, 'DONE');

  const empty = await vane(['list', 'forwarding-rules']);
  assert.equal(empty.code, 0, empty.stderr);
  assert.equal(empty.stdout, '');
  assert.match(empty.stderr, /no forwardingRules in project 'shop'/);

  const gone = await vane(['delete', 'forwarding-rule', 'wallet-rule']);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /was not found/);

  const neg = await vane(['delete', 'neg', 'wallet-neg', '--zone', 'us-east1-b']);
  assert.equal(neg.code, 1, 'still used by the backend services');
  assert.match(neg.stderr, /already being used by/);
});
