// vane explain against a real `vane serve` with a real grpc-js-xds client and an Envoy-style
// sidecar connected: listener, rule, route (and why earlier ones did not match), weighted
// split, endpoints with locality, priority and health, and "no listener" with its reason.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Explanation } from '../../../src/doctor/explain/index.js';
import { runCli } from '../../cli/run.js';
import { startVane, type TestServer } from '../../helpers/server.js';
import { ZONE_A, ZONE_B } from '../../helpers/td-setup.js';
import { XdsClient } from '../../helpers/xds-client.js';
import type { RawXdsClient, SotwStream } from '../../xds/helpers/raw-client.js';
import { connectSidecar, createShop, nodeIdOf, P, type Shop, SIDECAR_ID, VIP } from './setup.js';

let vane: TestServer;
let shop: Shop;
let client: XdsClient;
let sidecar: { client: RawXdsClient; stream: SotwStream };
let grpcNode: string;
const RULES = `projects/${P}/global`;
const URL_MAP = `${RULES}/urlMaps/shop-map`;

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
  grpcNode = await nodeIdOf(vane, 'grpc');
  sidecar = await connectSidecar(vane, shop.number);
});

after(async () => {
  sidecar?.stream.cancel();
  sidecar?.client.close();
  await client?.stop();
  await Promise.all((shop?.backends ?? []).map((b) => b.stop()));
  await vane?.stop();
});

async function explain(node: string, to: string, headers: Record<string, string> = {}): Promise<Explanation> {
  const res = await vane.api('POST', `/v1/projects/${P}/proxies/${encodeURIComponent(node)}/explain`, {
    to,
    headers,
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as unknown as Explanation;
}

test('proxyless: the header-matched rule wins; the withheld rule before it is explained', async () => {
  const e = await explain(grpcNode, 'shop.test:8000/vane.test.Echo/Who', { 'x-canary': 'yes' });
  assert.equal(e.outcome, 'ROUTED');
  assert.equal(e.node.kind, 'grpc');
  assert.equal(e.listener?.name, 'shop.test:8000');
  assert.equal(e.listener?.forwardingRule, `${RULES}/forwardingRules/shop-rule`);
  assert.equal(e.listener?.targetProxy, `${RULES}/targetGrpcProxies/shop-proxy`);
  assert.equal(e.listener?.urlMap, URL_MAP);
  assert.equal(e.listener?.routeConfig, `URL_MAP/${shop.number}_shop-map`);
  assert.equal(e.virtualHost?.matchedDomain, 'shop.test:8000');
  assert.equal(e.route?.source, `${URL_MAP}/pathMatchers[0]/routeRules[1]/matchRules[0]`);
  assert.equal(e.route?.priority, 10);
  assert.match(e.route?.why ?? '', /header x-canary "yes" = "yes"/);
  const withheld = e.route?.skipped.find((s) => s.source?.includes('routeRules[0]'));
  assert.match(withheld?.why ?? '', /not sent to this node: metadataFilters MATCH_ALL\(track=beta\)/);
  assert.deepEqual(e.action, {
    kind: 'cluster',
    cluster: 'canary',
    source: `${RULES}/backendServices/canary`,
    notes: [],
  });
  assert.deepEqual(
    e.clusters.map((c) => c.name),
    ['canary'],
  );
  assert.ok(
    e.clusters[0]!.notes.some((n) => n.startsWith('no health check')),
    JSON.stringify(e.clusters[0]),
  );
});

test('proxyless: without the header the weighted default is chosen, and the header rule says why not', async () => {
  const e = await explain(grpcNode, 'shop.test:8000/vane.test.Echo/Who');
  assert.equal(e.outcome, 'ROUTED');
  assert.equal(e.route?.priority, 20);
  assert.equal(e.route?.source, `${URL_MAP}/pathMatchers[0]/routeRules[2]/matchRules[0]`);
  const header = e.route?.skipped.find(
    (s) => s.source === `${URL_MAP}/pathMatchers[0]/routeRules[1]/matchRules[0]`,
  );
  assert.match(header?.why ?? '', /header x-canary is missing \(needs = "yes"\)/);
  assert.equal(e.action?.kind, 'weighted');
  assert.deepEqual(
    e.action?.kind === 'weighted'
      ? e.action.clusters.map((c) => [c.cluster, c.weight, c.percent, c.source])
      : [],
    [
      ['main', 80, 80, `${RULES}/backendServices/main`],
      ['canary', 20, 20, `${RULES}/backendServices/canary`],
    ],
  );
  // A different path misses the header rule on its prefix first.
  const other = await explain(grpcNode, 'shop.test:8000/other.Svc/Call', { 'x-canary': 'yes' });
  assert.equal(other.route?.priority, 20);
  const prefix = other.route?.skipped.find((s) => s.source?.includes('routeRules[1]'));
  assert.match(prefix?.why ?? '', /path "\/other.Svc\/Call" does not start with "\/vane.test.Echo\/"/);
});

test('endpoints: locality, priority by zone, health from the health check, a drained backend', async () => {
  const e = await explain(grpcNode, 'shop.test:8000/vane.test.Echo/Who');
  const main = e.clusters.find((c) => c.name === 'main');
  assert.ok(main, JSON.stringify(e.clusters));
  assert.equal(main.source, `${RULES}/backendServices/main`);
  const [a, b] = main.localities;
  assert.equal(a?.zone, ZONE_A);
  assert.equal(a?.region, 'us-central1');
  assert.equal(a?.priority, 0);
  assert.match(a?.why ?? '', /the node's own zone/);
  assert.equal(b?.zone, ZONE_B);
  assert.equal(b?.priority, 1);
  assert.match(b?.why ?? '', /another region/);
  const [s1, s2, s3] = shop.backends;
  const ep = (port: number) => a?.endpoints.find((x) => x.port === port);
  assert.equal(ep(s1!.port)?.health, 'HEALTHY');
  assert.match(ep(s1!.port)?.why ?? '', /health check says HEALTHY/);
  assert.equal(ep(s2!.port)?.health, 'UNHEALTHY');
  assert.match(ep(s2!.port)?.why ?? '', /health check says UNHEALTHY \(last probe: failed: .+\): not used/);
  assert.equal(ep(s2!.port)?.source, `projects/${P}/zones/${ZONE_A}/networkEndpointGroups/neg-a`);
  assert.equal(b?.endpoints[0]?.port, s3!.port);
  // One healthy endpoint of two: weight 100 (100 per usable endpoint).
  assert.equal(a?.weight, 100);
  const drained = main.excluded.find((x) => x.name.endsWith('neg-drain'));
  assert.match(drained?.why ?? '', /capacityScaler is 0: drained/);
});

test('no listener: an unknown host and a rule hidden by metadataFilters, each with its reason', async () => {
  const unknown = await explain(grpcNode, 'nowhere.test:8000/x');
  assert.equal(unknown.outcome, 'NO_LISTENER');
  assert.match(
    unknown.reason ?? '',
    /shop-rule URL map shop-map has no host rule for 'nowhere.test:8000' \(hosts: shop.test\)/,
  );
  const port = unknown.listener?.rejected.find((r) => r.name === 'labelled');
  assert.match(
    port?.why ?? '',
    /metadataFilters MATCH_ALL\(env=prod\) do not match the node's labels \(env=<unset>\)/,
  );

  const hidden = await explain(grpcNode, 'shop.test:9000/x');
  assert.equal(hidden.outcome, 'NO_LISTENER');
  assert.match(
    hidden.reason ?? '',
    /no forwarding rule on port 9000 .* visible to this node: labelled metadataFilters/,
  );

  // The same request from a node that is not connected but carries the label gets through.
  const res = await vane.api('POST', `/v1/projects/${P}/explain`, {
    to: 'shop.test:9000/x',
    node: { network: 'default', zone: ZONE_A, labels: { env: 'prod' } },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const e = res.body as unknown as Explanation;
  assert.equal(e.outcome, 'ROUTED');
  assert.equal(e.listener?.forwardingRule, `${RULES}/forwardingRules/labelled`);
  // A network without mesh rules is refused like a proxy would be.
  const none = await vane.api('POST', `/v1/projects/${P}/explain`, {
    to: 'shop.test:80/',
    node: { network: 'other' },
  });
  assert.equal(none.status, 404);
  assert.match((none.body.error as { message: string }).message, /network "other"/);
});

test('sidecar: the interception listener chain by VIP:port, the Host header picks the virtual host', async () => {
  const id = SIDECAR_ID(shop.number);
  const e = await explain(id, `${VIP}:80/vane.test.Echo/Who`, { host: 'shop.test', 'x-canary': 'yes' });
  assert.equal(e.node.kind, 'envoy');
  assert.equal(e.outcome, 'ROUTED');
  assert.equal(e.listener?.name, 'TRAFFICDIRECTOR_INTERCEPTION_LISTENER');
  assert.equal(e.listener?.filterChain?.name, 'shop-vip');
  assert.equal(e.listener?.forwardingRule, `${RULES}/forwardingRules/shop-vip`);
  assert.match(
    e.listener?.rejected.find((r) => r.name === 'shop-rule')?.why ?? '',
    /destination port 8000, not 80/,
  );
  assert.equal(e.virtualHost?.matchedDomain, 'shop.test');
  assert.deepEqual(e.action, {
    kind: 'cluster',
    cluster: 'canary',
    source: `${RULES}/backendServices/canary`,
    notes: ['timeout 30s', 'retry on gateway-error up to 1×'],
  });

  // Without a Host header the authority is the VIP: only the URL map's default answers.
  const bare = await explain(id, `${VIP}:80/vane.test.Echo/Who`, { 'x-canary': 'yes' });
  assert.equal(bare.virtualHost?.name, 'default');
  assert.equal(bare.action?.kind === 'cluster' ? bare.action.cluster : '', 'main');

  const miss = await explain(id, '10.9.0.6:80/');
  assert.equal(miss.outcome, 'NO_LISTENER');
  assert.match(miss.reason ?? '', /shop-vip VIP is 10.9.0.5, not 10.9.0.6/);
  assert.match(
    miss.listener?.rejected.find((r) => r.name === 'shop-vip')?.why ?? '',
    /VIP 10.9.0.5\/32, not 10.9.0.6/,
  );
});

test('CLI: a readable trace, and -o json; unknown proxies are a clear error', async () => {
  const env = { VANE_SERVER: vane.url, VANE_TOKEN: vane.adminToken };
  const text = await runCli(
    [
      'explain',
      '--project',
      P,
      '--proxy',
      grpcNode,
      '--to',
      'shop.test:8000/vane.test.Echo/Who',
      '-H',
      'x-canary: yes',
    ],
    { env },
  );
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^listener {2}shop\.test:8000$/m);
  assert.match(text.stdout, /forwarding rule {2}projects\/ex\/global\/forwardingRules\/shop-rule/);
  assert.match(
    text.stdout,
    /✗ pathMatchers\[0\]\/routeRules\[0\]\/matchRules\[0\] \(priority 5\) did not match: not sent/,
  );
  assert.match(text.stdout, /^route #0 {2}.*routeRules\[1\]\/matchRules\[0\] \(priority 10\)$/m);
  assert.match(text.stdout, /^outcome {3}ROUTED$/m);

  const json = await runCli(
    ['explain', '--project', P, '--proxy', grpcNode, '--to', 'nowhere.test:8000', '-o', 'json'],
    { env },
  );
  assert.equal(json.code, 0, json.stderr);
  assert.equal((JSON.parse(json.stdout) as Explanation).outcome, 'NO_LISTENER');

  const missing = await runCli(['explain', '--project', P, '--proxy', 'nope', '--to', 'shop.test:8000/'], {
    env,
  });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /No connected proxy 'nope'/);
});
