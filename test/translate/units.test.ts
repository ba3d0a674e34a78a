// Small tests per module: visibility, authorities and domains, priorities, the endpoint fast
// path, and what differs between proxyless and sidecar views.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildConfigIr, translateConfig, translateEndpoints } from '../../src/translate/index.js';
import { assignPriorities, regionOf } from '../../src/translate/ir/endpoints.js';
import { authorities } from '../../src/translate/ir/listeners.js';
import { compilePathTemplate, templateSubstitution } from '../../src/translate/ir/path-template.js';
import { expandHost, routeConfigName } from '../../src/translate/ir/routes.js';
import type { IrLocality, IrRoute } from '../../src/translate/ir/types.js';
import { metadataFiltersMatch } from '../../src/translate/ir/visibility.js';
import { fixtureFromYaml } from './fixture.js';

test('metadataFilters: MATCH_ANY needs one equal label, MATCH_ALL every one, all filters must match', () => {
  const md = { app: 'wallet', env: 'prod' };
  const any = (labels: [string, string][]) => ({
    filterMatchCriteria: 'MATCH_ANY' as const,
    filterLabels: labels.map(([name, value]) => ({ name, value })),
  });
  const all = (labels: [string, string][]) => ({ ...any(labels), filterMatchCriteria: 'MATCH_ALL' as const });
  assert.equal(metadataFiltersMatch(undefined, md), true);
  assert.equal(metadataFiltersMatch([], md), true);
  assert.equal(
    metadataFiltersMatch(
      [
        any([
          ['env', 'dev'],
          ['app', 'wallet'],
        ]),
      ],
      md,
    ),
    true,
  );
  assert.equal(metadataFiltersMatch([any([['env', 'dev']])], md), false);
  assert.equal(
    metadataFiltersMatch(
      [
        all([
          ['env', 'prod'],
          ['app', 'wallet'],
        ]),
      ],
      md,
    ),
    true,
  );
  assert.equal(
    metadataFiltersMatch(
      [
        all([
          ['env', 'prod'],
          ['app', 'shop'],
        ]),
      ],
      md,
    ),
    false,
  );
  assert.equal(metadataFiltersMatch([all([['toString', '']])], md), false, 'no prototype keys');
  assert.equal(metadataFiltersMatch([any([['app', 'wallet']]), any([['env', 'dev']])], md), false);
});

test('authorities: host:P always, bare host on port 80, explicit ports only on their rule, no wildcards', () => {
  assert.deepEqual(authorities('wallet', 80), ['wallet:80', 'wallet']);
  assert.deepEqual(authorities('wallet', 50051), ['wallet:50051']);
  assert.deepEqual(authorities('wallet:50051', 50051), ['wallet:50051']);
  assert.deepEqual(authorities('wallet:50051', 80), []);
  assert.deepEqual(authorities('wallet:80', 80), ['wallet:80', 'wallet']);
  assert.deepEqual(authorities('*.grpc.io', 80), []);
  assert.deepEqual(authorities('*', 80), []);
});

test('domains: hosts as given plus host:P per port', () => {
  assert.deepEqual(expandHost('a.b', [8080, 80, 80]), ['a.b', 'a.b:80', 'a.b:8080']);
  assert.deepEqual(expandHost('a.b:9', [80]), ['a.b:9']);
  assert.deepEqual(expandHost('*', [80]), ['*']);
  assert.equal(routeConfigName('123', 'm'), 'URL_MAP/123_m');
});

test('priorities: same zone, same region, elsewhere; contiguous from 0', () => {
  const loc = (zone: string): IrLocality => ({
    region: regionOf(zone),
    zone,
    priority: -1,
    weight: 1,
    endpoints: [],
  });
  const ls = ['us-central1-a', 'us-central1-b', 'europe-west1-b', 'us-east1-c'].map(loc);
  assignPriorities(ls, 'us-central1-a');
  assert.deepEqual(
    ls.map((l) => l.priority),
    [0, 1, 2, 2],
  );
  assignPriorities(ls, 'us-central1-f');
  assert.deepEqual(
    ls.map((l) => l.priority),
    [0, 0, 1, 1],
  );
  assignPriorities(ls, 'europe-west1-b');
  assert.deepEqual(
    ls.map((l) => l.priority),
    [1, 1, 0, 1],
  );
  assignPriorities(ls, undefined);
  assert.deepEqual(
    ls.map((l) => l.priority),
    [0, 0, 0, 0],
  );
  assert.equal(regionOf('us-central1-a'), 'us-central1');
});

const PROJECT = `
project: { id: u, number: "1" }
views:
  grpc: { kind: grpc, network: default }
  envoy: { kind: envoy, network: default }
  envoy-intercept: { kind: envoy, network: default, interceptionPort: 15001, inboundBackendPorts: [80] }
resources:
  networkEndpointGroups:
    - { name: n, zone: us-central1-a }
  backendServices:
    - { name: a, protocol: GRPC, backends: [{ group: zones/us-central1-a/networkEndpointGroups/n }] }
    - { name: b, protocol: HTTP }
    - { name: t, protocol: TCP }
  urlMaps:
    - name: m
      defaultService: global/backendServices/a
      hostRules: [{ hosts: [svc], pathMatcher: pm }]
      pathMatchers:
        - name: pm
          defaultService: global/backendServices/a
          pathRules:
            - { paths: ["/*"], service: global/backendServices/b }
            - { paths: ["/a/b/*", /a], service: global/backendServices/a }
            - { paths: [/a/b/c], service: global/backendServices/b, routeAction: { corsPolicy: { allowOrigins: [x] } } }
    - name: m2
      hostRules: [{ hosts: [svc], pathMatcher: pm }]
      pathMatchers: [{ name: pm, defaultService: global/backendServices/b }]
  targetGrpcProxies:
    - { name: g, urlMap: global/urlMaps/m }
    - { name: g2, urlMap: global/urlMaps/m2 }
  targetTcpProxies:
    - { name: tp, service: global/backendServices/t }
  forwardingRules:
    - { name: fr, portRange: "80", target: global/targetGrpcProxies/g }
    - { name: fr2, IPAddress: 10.0.0.1, portRange: "80", target: global/targetGrpcProxies/g2 }
    - { name: tcp, IPAddress: 10.0.0.2, portRange: "5432", target: global/targetTcpProxies/tp }
endpoints:
  zones/us-central1-a/networkEndpointGroups/n: [{ ipAddress: 10.1.1.1, port: 80 }]
`;

const fixture = fixtureFromYaml(PROJECT);
const view = (name: string) => fixture.views.get(name)!;

function paths(routes: readonly IrRoute[]): string[] {
  return routes.map((r) => `${r.match.path.kind}:${r.match.path.value}`);
}

test('path rules: longest first, exact before prefix of the same length, default last', () => {
  const ir = buildConfigIr(fixture.input, view('envoy-intercept'));
  const rc = ir.routeConfigs.find((r) => r.name === 'URL_MAP/1_m')!;
  assert.deepEqual(paths(rc.virtualHosts[0]!.routes), [
    'path:/a/b/c',
    'prefix:/a/b/',
    'path:/a',
    'prefix:/',
    'prefix:',
  ]);
});

test('proxyless views: no TCP proxies, no sidecar defaults, no CORS; one authority per name', () => {
  const ir = buildConfigIr(fixture.input, view('grpc'));
  assert.deepEqual(
    ir.listeners.map((l) => l.name),
    ['svc', 'svc:80'],
  );
  assert.ok(!ir.clusters.some((c) => c.name === 't'));
  const routes = ir.routeConfigs.flatMap((rc) => rc.virtualHosts.flatMap((vh) => vh.routes));
  assert.ok(routes.every((r) => r.timeout === undefined && r.retry === undefined && r.cors === undefined));
  assert.deepEqual(
    ir.issues.map((i) => [i.resource, i.location]),
    [
      ['projects/u/global/forwardingRules/fr2', 'portRange'],
      ['projects/u/global/forwardingRules/fr2', 'portRange'],
    ],
    'fr2 claims svc and svc:80 already served by fr',
  );
});

test('sidecar views: defaults and CORS; interception listener only with its port; TCP proxies', () => {
  const plain = translateConfig(fixture.input, view('envoy'));
  assert.deepEqual(plain.listeners, []);
  const ir = buildConfigIr(fixture.input, view('envoy-intercept'));
  assert.deepEqual(
    ir.listeners.map((l) => l.name),
    ['TRAFFICDIRECTOR_INTERCEPTION_LISTENER'],
  );
  const outbound = ir.listeners[0]!;
  assert.equal(outbound.kind, 'outbound');
  if (outbound.kind === 'outbound') {
    assert.deepEqual(
      outbound.chains.map((c) => [c.vip ?? '*', c.port, c.destination.kind]),
      [
        ['*', 80, 'http'],
        ['10.0.0.1', 80, 'http'],
        ['10.0.0.2', 5432, 'tcp'],
      ],
    );
  }
  const routes = ir.routeConfigs.flatMap((rc) => rc.virtualHosts.flatMap((vh) => vh.routes));
  assert.ok(routes.every((r) => r.retry?.retryOn === 'gateway-error'));
  assert.ok(routes.some((r) => r.cors !== undefined));
  assert.deepEqual(
    ir.clusters.map((c) => c.name),
    ['a', 'b', 't'],
    'no inbound listener without TRAFFICDIRECTOR_INBOUND_INTERCEPTION_PORT',
  );
});

test('endpoints: every reachable cluster gets an assignment; the fast path returns only the named ones', () => {
  const all = translateEndpoints(fixture.input, view('grpc'));
  assert.deepEqual(
    all.endpoints.map((e) => [e.clusterName, e.endpoints.length]),
    [
      ['a', 1],
      ['b', 0],
    ],
  );
  const some = translateEndpoints(fixture.input, view('grpc'), new Set(['b', 'nope']));
  assert.deepEqual(
    some.endpoints.map((e) => e.clusterName),
    ['b'],
  );
  const locality = all.endpoints[0]!.endpoints[0]!;
  assert.equal(locality.loadBalancingWeight, 100);
  assert.deepEqual(locality.locality?.zone, 'us-central1-a');
});

test('outputs are sorted by name', () => {
  for (const name of fixture.views.keys()) {
    const out = translateConfig(fixture.input, view(name));
    for (const list of [out.listeners, out.routes, out.clusters]) {
      const names = list.map((x) => x.name);
      assert.deepEqual(names, [...names].sort());
    }
  }
});

test('path templates compile to RE2 with a group per variable; rewrites use the groups', () => {
  const t = compilePathTemplate('/v1/{user}/a.b/*/{rest=x/**}');
  assert.deepEqual(t, { regex: '/v1/([^/]+)/a\\.b/[^/]+/(x/.*)', variables: ['user', 'rest'] });
  const re = new RegExp(`^${t.regex}$`);
  assert.ok(re.test('/v1/alice/a.b/seg/x/y/z'));
  assert.ok(!re.test('/v1/alice/aXb/seg/x/y'));
  assert.ok(!re.test('/v1/al/ice/a.b/seg/x/y'));
  assert.deepEqual(templateSubstitution('/r/{rest}/{user}', t.variables), { substitution: '/r/\\2/\\1' });
  assert.deepEqual(templateSubstitution('/r/{nope}', t.variables), { missing: 'nope' });
  assert.equal(compilePathTemplate('/static/**').regex, '/static/.*');
});
