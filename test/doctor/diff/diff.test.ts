// vane proxy-config --diff: Vane's configuration for a proxy against what the proxy holds,
// from Envoy /config_dump files (Vane's own, edited, snake_case, another control plane's)
// and from a real grpc-js-xds client's CSDS.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { toJson } from '@bufbuild/protobuf';
import type { ConfigDiff } from '../../../src/doctor/diff/index.js';
import { ClientStatusResponseSchema } from '../../../src/gen/envoy/service/status/v3/csds_pb.js';
import { envoyRegistry } from '../../../src/xds/validate/registry.js';
import { runCli } from '../../cli/run.js';
import { startVane, type TestServer } from '../../helpers/server.js';
import { ZONE_A } from '../../helpers/td-setup.js';
import { XdsClient } from '../../helpers/xds-client.js';
import { RawXdsClient, type SotwStream } from '../../xds/helpers/raw-client.js';
import { connectSidecar, createShop, nodeIdOf, P, type Shop, SIDECAR_ID, waitFor } from '../explain/setup.js';

const FIXTURES = resolve(import.meta.dirname, '../../../../test/fixtures/envoy');
let vane: TestServer;
let shop: Shop;
let client: XdsClient;
let sidecar: { client: RawXdsClient; stream: SotwStream };
let dir: string;
let env: Record<string, string>;

before(async () => {
  vane = await startVane();
  shop = await createShop(vane);
  client = new XdsClient({
    xdsAddress: vane.xdsAddress,
    target: 'shop.test:8000',
    projectNumber: shop.number,
    zone: ZONE_A,
  });
  await client.until((r) => r.backend !== undefined, { streak: 1 });
  sidecar = await connectSidecar(vane, shop.number);
  dir = mkdtempSync(join(tmpdir(), 'vane-diff-'));
  env = { VANE_SERVER: vane.url, VANE_TOKEN: vane.adminToken };
});

after(async () => {
  sidecar?.stream.cancel();
  sidecar?.client.close();
  await client?.stop();
  await Promise.all((shop?.backends ?? []).map((b) => b.stop()));
  await vane?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

type Dump = { configs: Record<string, unknown>[] };

async function vaneDump(node: string): Promise<Dump> {
  const res = await vane.api('GET', `/v1/projects/${P}/proxies/${encodeURIComponent(node)}/config`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.configDump as Dump;
}

function write(name: string, value: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value, null, 1));
  return file;
}

async function diffCli(node: string, file: string, json = false) {
  const r = await runCli(
    ['proxy-config', node, '--project', P, '--diff', file, ...(json ? ['-o', 'json'] : [])],
    { env },
  );
  return { ...r, diff: json && r.stdout !== '' ? (JSON.parse(r.stdout) as ConfigDiff) : undefined };
}

test("Vane's own config_dump equals itself: exit 0, in camelCase and in snake_case", async () => {
  const id = SIDECAR_ID(shop.number);
  const dump = await vaneDump(id);
  const same = await diffCli(id, write('self.json', dump));
  assert.equal(same.code, 0, same.stdout + same.stderr);
  assert.match(same.stdout, /^listeners: 1\/1 same$/m);
  assert.match(same.stdout, /^endpoints: 2\/2 same$/m);
  assert.match(same.stdout, /^equal$/m);

  const snake = await diffCli(id, write('snake.json', snakeKeys(dump)), true);
  assert.equal(snake.code, 0, snake.stdout + snake.stderr);
  assert.equal(snake.diff?.equal, true);
  assert.deepEqual(
    snake.diff?.types.map((t) => [t.type, t.same.length]),
    [
      ['listeners', 1],
      ['routes', 1],
      ['clusters', 2],
      ['endpoints', 2],
    ],
  );
});

test('one route changed in a copy: exit 1, and the diff names the field', async () => {
  const id = SIDECAR_ID(shop.number);
  const dump = await vaneDump(id);
  const routes = dump.configs.find((c) => String(c['@type']).endsWith('RoutesConfigDump')) as {
    dynamicRouteConfigs: {
      routeConfig: { name: string; virtualHosts: { routes: { route?: { cluster?: string } }[] }[] };
    }[];
  };
  const rc = routes.dynamicRouteConfigs[0]!.routeConfig;
  const vh = rc.virtualHosts.findIndex((v) => v.routes.some((r) => r.route?.cluster === 'canary'));
  const ri = rc.virtualHosts[vh]!.routes.findIndex((r) => r.route?.cluster === 'canary');
  rc.virtualHosts[vh]!.routes[ri]!.route!.cluster = 'main';
  const text = await diffCli(id, write('edited.json', dump));
  assert.equal(text.code, 1, text.stderr);
  assert.match(text.stdout, new RegExp(`~ URL_MAP/${shop.number}_shop-map`));
  const path = `virtualHosts[${vh}].routes[${ri}].route.cluster`
    .replaceAll('[', '\\[')
    .replaceAll(']', '\\]');
  assert.match(text.stdout, new RegExp(`${path}: vane "canary" {2}proxy "main"`));
  assert.match(text.stdout, /^different$/m);

  // The same through the API.
  const api = await vane.api('POST', `/v1/projects/${P}/proxies/${encodeURIComponent(id)}/config:diff`, dump);
  assert.equal(api.status, 200, JSON.stringify(api.body));
  const d = api.body as unknown as ConfigDiff;
  assert.equal(d.equal, false);
  assert.deepEqual(d.types.find((t) => t.type === 'routes')?.different[0]?.fields, [
    { path: `virtualHosts[${vh}].routes[${ri}].route.cluster`, vane: 'canary', proxy: 'main' },
  ]);
});

test("a grpc-js-xds client's own CSDS equals what Vane sends it, once synced", async () => {
  const node = await nodeIdOf(vane, 'grpc');
  const admin = new RawXdsClient(client.adminPort!);
  let last: Awaited<ReturnType<typeof diffCli>> | undefined;
  try {
    await waitFor(vane, 'the client CSDS to match', async () => {
      const csds = toJson(ClientStatusResponseSchema, await admin.fetchClientStatus(), {
        registry: envoyRegistry(),
      });
      last = await diffCli(node, write('csds.json', csds), true);
      return last.code === 0;
    });
  } catch (e) {
    throw new Error(`${(e as Error).message}: ${last?.stdout} ${last?.stderr}`);
  } finally {
    admin.close();
  }
  const d = last!.diff!;
  assert.equal(d.proxyFormat, 'csds');
  assert.equal(d.proxyNode, node);
  // The client holds its own listener, the route config, both clusters and their endpoints.
  assert.deepEqual(
    d.types.map((t) => [t.type, t.same]),
    [
      ['listeners', ['shop.test:8000']],
      ['routes', [`URL_MAP/${shop.number}_shop-map`]],
      ['clusters', ['canary', 'main']],
      ['endpoints', ['canary', 'main']],
    ],
  );
  assert.ok(
    d.notes.some((n) => n.startsWith('compared only what the proxy subscribes to: listeners 1 of')),
    JSON.stringify(d.notes),
  );
});

test("another control plane's real dump parses: its resources are only in the proxy, Vane's only in Vane", async () => {
  const id = SIDECAR_ID(shop.number);
  const file = join(FIXTURES, 'istio-sidecar-full-config-dump-camelcase.json');
  const r = await diffCli(id, file, true);
  assert.equal(r.code, 1, r.stderr);
  const d = r.diff!;
  const t = (type: string) => d.types.find((x) => x.type === type)!;
  const istio = JSON.parse(readFileSync(file, 'utf8')) as Dump;
  const dynamicListeners = (
    istio.configs.find((c) => String(c['@type']).endsWith('ListenersConfigDump'))!
      .dynamicListeners as unknown[]
  ).length;
  assert.equal(t('listeners').onlyInProxy.length, dynamicListeners);
  assert.deepEqual(t('listeners').onlyInVane, ['TRAFFICDIRECTOR_INTERCEPTION_LISTENER']);
  assert.equal(t('clusters').onlyInProxy.length, 23);
  assert.deepEqual(t('clusters').onlyInVane, ['canary', 'main']);
  for (const x of d.types) {
    assert.deepEqual(x.same, [], x.type);
    assert.deepEqual(x.different, [], x.type);
  }
  // No EndpointsConfigDump in that dump (no ?include_eds): endpoints are not compared.
  assert.equal(t('endpoints').compared, false);
  assert.ok(
    d.notes.some((n) => /static clusters from the bootstrap/.test(n)),
    JSON.stringify(d.notes),
  );

  // snake_case dumps from other control planes parse as well.
  const kuma = await diffCli(id, join(FIXTURES, 'kuma-dataplane-config-dump.json'), true);
  assert.equal(kuma.code, 1);
  assert.ok(
    kuma.diff!.types.find((x) => x.type === 'listeners')!.onlyInProxy.includes('outbound:127.0.0.1:10006'),
  );

  // Not a dump at all: a usage error that says what was expected.
  const bad = await diffCli(id, join(FIXTURES, 'envoy-server-info-1.15.json'));
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /found neither 'configs' \(Envoy \/config_dump\) nor 'config'/);
});

/** camelCase JSON names → proto field names, as Envoy's own admin output spells them. */
function snakeKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(snakeKeys);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.entries(v).map(([k, x]) => [
      /^[a-z][a-zA-Z0-9]*$/.test(k) ? k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) : k,
      snakeKeys(x),
    ]),
  );
}
