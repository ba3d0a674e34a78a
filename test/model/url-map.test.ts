import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import type { KindSpec } from '../../src/model/kind.js';
import {
  pathTemplateProblem,
  proxylessUrlMapIssues,
  re2Problem,
  type UrlMap,
  urlMapKind,
  urlMapServices,
} from '../../src/model/kinds/url-map.js';
import { fakeReader } from '../helpers/fake-reader.js';
import { kindChecks } from '../helpers/kind-checks.js';

const BS = (name: string) => `projects/p/global/backendServices/${name}`;

const reader = fakeReader(['wallet-v1', 'wallet-v2', 'wallet-shadow'].map(BS));
const { prepare, problems, assertIssue, assertRejected } = kindChecks(
  reader,
  urlMapKind as unknown as KindSpec,
  'urlMaps',
);

async function assertAccepted(raw: unknown): Promise<void> {
  assert.deepEqual(await problems(raw), []);
}

function exported(): Record<string, unknown> {
  const url = new URL('../../../test/model/fixtures/url-map-export.yaml', import.meta.url);
  return parse(readFileSync(url, 'utf8')) as Record<string, unknown>;
}

/** A small valid map with one route-rule matcher and one path-rule matcher; `edit` breaks it. */
function map(edit: (m: UrlMap) => void = () => {}): UrlMap {
  const m: UrlMap = {
    name: 'm',
    defaultService: 'global/backendServices/wallet-v1',
    hostRules: [
      { hosts: ['a.example.com'], pathMatcher: 'routes' },
      { hosts: ['b.example.com'], pathMatcher: 'paths' },
    ],
    pathMatchers: [
      {
        name: 'routes',
        defaultService: 'global/backendServices/wallet-v1',
        routeRules: [
          { priority: 10, matchRules: [{ prefixMatch: '/' }], service: 'global/backendServices/wallet-v2' },
          { priority: 20, matchRules: [{ prefixMatch: '/x' }], service: 'global/backendServices/wallet-v1' },
        ],
      },
      {
        name: 'paths',
        defaultService: 'global/backendServices/wallet-v1',
        pathRules: [{ paths: ['/a', '/a/*'], service: 'global/backendServices/wallet-v2' }],
      },
    ],
  };
  edit(m);
  return m;
}

const routes = (m: UrlMap) => m.pathMatchers![0]!;
const rule = (m: UrlMap, j: number) => routes(m).routeRules![j]!;
const matchOf = (m: UrlMap, j = 0) => rule(m, j).matchRules![0]!;
const wbs = (...pairs: [string, number][]) =>
  pairs.map(([name, weight]) => ({ backendService: `global/backendServices/${name}`, weight }));

test('a gcloud export of a Traffic Director URL map is accepted and normalised', async () => {
  const { body, refs, fingerprint, name } = await prepare(exported());
  assert.equal(name, 'wallet-map');
  assert.equal(fingerprint, 'pNn7lfcFpvI=');
  assert.deepEqual(refs, [BS('wallet-shadow'), BS('wallet-v1'), BS('wallet-v2')]);
  for (const field of ['kind', 'id', 'selfLink', 'creationTimestamp', 'fingerprint']) {
    assert.equal(body[field], undefined, `${field} is output-only`);
  }
  const m = body as UrlMap;
  assert.equal(m.defaultService, BS('wallet-v1'));
  const canary = rule(m, 0);
  assert.deepEqual(canary.routeAction?.weightedBackendServices, [
    { backendService: BS('wallet-v2'), weight: 100 },
  ]);
  const balance = rule(m, 1);
  assert.deepEqual(balance.matchRules?.[0]?.headerMatches?.[1]?.rangeMatch, {
    rangeStart: 1000,
    rangeEnd: 2000,
  });
  assert.deepEqual(balance.routeAction?.faultInjectionPolicy?.delay?.fixedDelay, {
    seconds: 1,
    nanos: 500_000_000,
  });
  assert.deepEqual(balance.routeAction?.retryPolicy?.retryConditions, [
    'unavailable',
    '5xx',
    'connect-failure',
  ]);
  assert.equal(rule(m, 2).routeAction?.requestMirrorPolicy?.backendService, BS('wallet-shadow'));
  assert.equal(m.tests?.[0]?.service, BS('wallet-v2'), 'test services are references too');

  assert.deepEqual(urlMapServices(m), [
    { location: 'defaultService', service: BS('wallet-v1') },
    { location: 'pathMatchers[0].defaultService', service: BS('wallet-v1') },
    {
      location: 'pathMatchers[0].routeRules[0].routeAction.weightedBackendServices[0].backendService',
      service: BS('wallet-v2'),
    },
    {
      location: 'pathMatchers[0].routeRules[1].routeAction.weightedBackendServices[0].backendService',
      service: BS('wallet-v1'),
    },
    {
      location: 'pathMatchers[0].routeRules[1].routeAction.weightedBackendServices[1].backendService',
      service: BS('wallet-v2'),
    },
    { location: 'pathMatchers[0].routeRules[2].service', service: BS('wallet-v1') },
    {
      location: 'pathMatchers[0].routeRules[2].routeAction.requestMirrorPolicy.backendService',
      service: BS('wallet-shadow'),
    },
    { location: 'pathMatchers[0].routeRules[3].service', service: BS('wallet-v2') },
    { location: 'pathMatchers[1].defaultService', service: BS('wallet-v1') },
    { location: 'pathMatchers[1].pathRules[0].service', service: BS('wallet-v2') },
  ]);

  const again = await prepare(body);
  assert.deepEqual(again.body, body, 'a stored map applies again unchanged');
});

test('urlMapServices also finds defaultRouteAction weights and mirrors at every level', () => {
  const m = urlMapKind.schema.parse({
    name: 'm',
    defaultRouteAction: {
      weightedBackendServices: wbs(['a', 1], ['b', 1]),
      requestMirrorPolicy: { backendService: 'global/backendServices/c' },
    },
    pathMatchers: [
      {
        name: 'pm',
        defaultRouteAction: { weightedBackendServices: wbs(['d', 1]) },
        pathRules: [{ paths: ['/x'], routeAction: { weightedBackendServices: wbs(['e', 1]) } }],
      },
    ],
  });
  assert.deepEqual(urlMapServices(m), [
    {
      location: 'defaultRouteAction.weightedBackendServices[0].backendService',
      service: 'global/backendServices/a',
    },
    {
      location: 'defaultRouteAction.weightedBackendServices[1].backendService',
      service: 'global/backendServices/b',
    },
    {
      location: 'defaultRouteAction.requestMirrorPolicy.backendService',
      service: 'global/backendServices/c',
    },
    {
      location: 'pathMatchers[0].defaultRouteAction.weightedBackendServices[0].backendService',
      service: 'global/backendServices/d',
    },
    {
      location: 'pathMatchers[0].pathRules[0].routeAction.weightedBackendServices[0].backendService',
      service: 'global/backendServices/e',
    },
  ]);
});

test('the base map used below is valid', async () => {
  await assertAccepted(map());
});

test('unknown fields are rejected by name, at any depth', async () => {
  await assertRejected(
    { ...map(), defaultCustomErrorResponsePolicy: {} },
    'defaultCustomErrorResponsePolicy',
    /^unknown field 'defaultCustomErrorResponsePolicy'$/,
  );
  await assertRejected(
    map((m) => Object.assign(rule(m, 0), { matchRule: [] })),
    'pathMatchers[0].routeRules[0].matchRule',
    /^unknown field 'matchRule'$/,
  );
  await assertRejected(
    map((m) =>
      Object.assign(matchOf(m), { headerMatches: [{ headerName: 'x', exactMatch: 'y', exact: true }] }),
    ),
    'pathMatchers[0].routeRules[0].matchRules[0].headerMatches[0].exact',
    /unknown field 'exact'/,
  );
});

test('references must be backend services that exist', async () => {
  await assertRejected(
    map((m) => (m.defaultService = 'global/backendServices/missing')),
    'defaultService',
    /projects\/p\/global\/backendServices\/missing' was not found/,
  );
  await assertRejected(
    map((m) => (m.defaultService = 'global/backendBuckets/static')),
    'defaultService',
    /expected backendServices/,
  );
  await assertRejected(
    map((m) => (rule(m, 0).routeAction = { requestMirrorPolicy: { backendService: 'nope' } })),
    'pathMatchers[0].routeRules[0].routeAction.requestMirrorPolicy.backendService',
    /was not found/,
  );
  await assertRejected(
    { ...map(), tests: [{ path: '/', service: 'global/backendServices/gone' }] },
    'tests[0].service',
    /was not found/,
  );
});

test('the map needs exactly one default destination', async () => {
  await assertRejected(
    map((m) => delete m.defaultService),
    'defaultService',
    /^is required: a URL map needs a default/,
  );
  await assertRejected(
    map((m) => (m.defaultUrlRedirect = { httpsRedirect: true })),
    'defaultUrlRedirect',
    /must not be set together with defaultService/,
  );
  await assertRejected(
    map((m) => (m.defaultRouteAction = { weightedBackendServices: wbs(['wallet-v2', 1]) })),
    'defaultRouteAction.weightedBackendServices',
    /must not be set together with defaultService/,
  );
  // As in the Compute API: a service may come with a route action that has no weights.
  await assertAccepted(
    map((m) => (m.defaultRouteAction = { retryPolicy: { numRetries: 2, retryConditions: ['5xx'] } })),
  );
  await assertAccepted(
    map((m) => {
      delete m.defaultService;
      m.defaultRouteAction = { weightedBackendServices: wbs(['wallet-v1', 1], ['wallet-v2', 3]) };
    }),
  );
  await assertAccepted(
    map((m) => {
      delete m.defaultService;
      m.defaultUrlRedirect = { hostRedirect: 'example.com' };
    }),
  );
});

test('path matchers, path rules and route rules each have exactly one destination', async () => {
  await assertRejected(
    map((m) => delete routes(m).defaultService),
    'pathMatchers[0]',
    /^needs a default: set one of defaultService, defaultRouteAction.weightedBackendServices or defaultUrlRedirect$/,
  );
  await assertRejected(
    map((m) => delete rule(m, 1).service),
    'pathMatchers[0].routeRules[1]',
    /^needs a destination: set one of service, routeAction.weightedBackendServices or urlRedirect$/,
  );
  await assertRejected(
    map((m) => (rule(m, 1).urlRedirect = { pathRedirect: '/' })),
    'pathMatchers[0].routeRules[1].urlRedirect',
    /must not be set together with service/,
  );
  await assertRejected(
    map((m) => {
      delete rule(m, 1).service;
      rule(m, 1).urlRedirect = { pathRedirect: '/' };
      rule(m, 1).routeAction = { retryPolicy: { numRetries: 1 } };
    }),
    'pathMatchers[0].routeRules[1].urlRedirect',
    /must not be set together with routeAction/,
  );
  await assertRejected(
    map(
      (m) =>
        (m.pathMatchers![1]!.pathRules![0]!.routeAction = { weightedBackendServices: wbs(['wallet-v1', 1]) }),
    ),
    'pathMatchers[1].pathRules[0].routeAction.weightedBackendServices',
    /must not be set together with service/,
  );
  await assertRejected(
    map((m) => (rule(m, 0).urlRedirect = { pathRedirect: '/a', prefixRedirect: '/b' })),
    'pathMatchers[0].routeRules[0].urlRedirect.prefixRedirect',
    /must not be set together with pathRedirect/,
  );
});

test('host rules: known path matchers, valid and unique host patterns', async () => {
  await assertRejected(
    map((m) => (m.hostRules![1]!.pathMatcher = 'nope')),
    'hostRules[1].pathMatcher',
    /^'nope' is not the name of a path matcher \(have: routes, paths\)$/,
  );
  await assertRejected(
    map((m) => m.hostRules![1]!.hosts.push('A.example.com')),
    'hostRules[1].hosts[1]',
    /^must appear in only one host rule: 'A.example.com' is also in hostRules\[0\].hosts\[0\]$/,
  );
  for (const bad of [
    'foo*.example.com',
    '*example.com',
    'a.*.com',
    'example.com:99999',
    'exa mple.com',
    '-a.com',
  ]) {
    await assertRejected(
      map((m) => (m.hostRules![0]!.hosts = [bad])),
      'hostRules[0].hosts[0]',
      /host pattern|port/,
    );
  }
  await assertAccepted(
    map(
      (m) =>
        (m.hostRules![0]!.hosts = [
          '*',
          '*.example.com',
          '*-wallet.example.com',
          'example.com:8080',
          '10.0.0.1:50051',
        ]),
    ),
  );
});

test('path matchers: unique names, pathRules or routeRules, valid unique paths', async () => {
  await assertRejected(
    map((m) => (m.pathMatchers![1]!.name = 'routes')),
    'pathMatchers[1].name',
    /must be unique: 'routes' is also the name of pathMatchers\[0\]/,
  );
  await assertRejected(
    map((m) => (routes(m).pathRules = [{ paths: ['/z'], service: 'global/backendServices/wallet-v1' }])),
    'pathMatchers[0].routeRules',
    /must not be set together with pathRules/,
  );
  for (const bad of ['videos', '/a*', '/a/*/b', '/a?x=1', '/a#top', '*']) {
    await assertRejected(
      map((m) => (m.pathMatchers![1]!.pathRules![0]!.paths = [bad])),
      'pathMatchers[1].pathRules[0].paths[0]',
      /must start with '\/'.*'\*' only at the end/,
    );
  }
  await assertAccepted(
    map((m) => (m.pathMatchers![1]!.pathRules![0]!.paths = ['/', '/*', '/videos/*', '/a-b_c.d'])),
  );
  await assertRejected(
    map((m) =>
      m.pathMatchers![1]!.pathRules!.push({
        paths: ['/b', '/a/*'],
        service: 'global/backendServices/wallet-v1',
      }),
    ),
    'pathMatchers[1].pathRules[1].paths[1]',
    /must appear in only one path rule: '\/a\/\*' is also pathRules\[0\].paths\[1\]/,
  );
});

test('route rule priorities are 0..2147483647 and unique within a path matcher', async () => {
  await assertRejected(
    map((m) => (rule(m, 1).priority = 10)),
    'pathMatchers[0].routeRules[1].priority',
    /^must be unique within the path matcher: 10 is also used by routeRules\[0\]$/,
  );
  await assertRejected(
    map((m) => (rule(m, 0).priority = -1)),
    'pathMatchers[0].routeRules[0].priority',
    />=0/,
  );
  await assertRejected(
    map((m) => (rule(m, 0).priority = 2_147_483_648)),
    'pathMatchers[0].routeRules[0].priority',
    /2147483647/,
  );
  await assertRejected(
    map((m) => Object.assign(rule(m, 0), { priority: undefined })),
    'pathMatchers[0].routeRules[0].priority',
    /^is required$/,
  );
  // The same priority in another path matcher is fine.
  await assertAccepted(
    map((m) => {
      const other = m.pathMatchers![1]!;
      delete other.pathRules;
      other.routeRules = [
        { priority: 10, matchRules: [{ prefixMatch: '/' }], service: 'global/backendServices/wallet-v2' },
      ];
    }),
  );
});

test('match rules have exactly one path match', async () => {
  await assertRejected(
    map((m) => (rule(m, 0).matchRules = [{ ignoreCase: true }])),
    'pathMatchers[0].routeRules[0].matchRules[0]',
    /^set exactly one of prefixMatch, fullPathMatch, regexMatch or pathTemplateMatch$/,
  );
  await assertRejected(
    map((m) => (rule(m, 0).matchRules = [{ prefixMatch: '/', fullPathMatch: '/x' }])),
    'pathMatchers[0].routeRules[0].matchRules[0].fullPathMatch',
    /must not be set together with prefixMatch/,
  );
  await assertRejected(
    map((m) => (matchOf(m).prefixMatch = 'api')),
    'pathMatchers[0].routeRules[0].matchRules[0].prefixMatch',
    /must start with '\/'/,
  );
  await assertRejected(
    map((m) => (rule(m, 0).matchRules = [{ fullPathMatch: 'api/x' }])),
    'pathMatchers[0].routeRules[0].matchRules[0].fullPathMatch',
    /must start with '\/'/,
  );
});

test('regexMatch must be RE2: invalid patterns, lookaround and backreferences are refused', async () => {
  const at = 'pathMatchers[0].routeRules[0].matchRules[0].regexMatch';
  const withRegex = (regexMatch: string) => map((m) => (rule(m, 0).matchRules = [{ regexMatch }]));
  await assertRejected(withRegex('/api/(v1|v2'), at, /^is not a valid regular expression/);
  await assertRejected(withRegex('/(?=admin)'), at, /lookaround/);
  await assertRejected(withRegex('/(?<!x)y'), at, /lookaround/);
  await assertRejected(withRegex('/(a)\\1'), at, /backreference/);
  await assertRejected(withRegex('/(?<n>a)\\k<n>'), at, /backreference/);
  await assertRejected(withRegex('/a{1001}'), at, /limit of 1000/);
  await assertAccepted(withRegex('^/api/(?P<version>v[0-9]+)/.*$'));
  await assertRejected(
    map((m) => (matchOf(m).headerMatches = [{ headerName: 'x-id', regexMatch: '[a-' }])),
    'pathMatchers[0].routeRules[0].matchRules[0].headerMatches[0].regexMatch',
    /not a valid regular expression/,
  );
  await assertRejected(
    map((m) => (matchOf(m).queryParameterMatches = [{ name: 'q', regexMatch: '(?!x)' }])),
    'pathMatchers[0].routeRules[0].matchRules[0].queryParameterMatches[0].regexMatch',
    /lookaround/,
  );
});

test('re2Problem accepts RE2 syntax that JavaScript spells differently', () => {
  for (const ok of [
    '(?i)^/api/users$',
    '(?s:.*)',
    '\\A/api\\z',
    '\\pL+\\p{Greek}\\PN',
    '[[:alpha:]_-]+',
    '\\Q/a.b*c\\E',
    'a\\-b\\:c\\"',
    '/v{version}/x',
    '[\\d-]+',
    '\\x{1F600}',
    '\\101',
    '^(?P<id>[0-9]{1,1000})$',
  ]) {
    assert.equal(re2Problem(ok), undefined, ok);
  }
  for (const bad of ['(', '*a', 'a**', '(?=a)', '(?<=a)', '(a)\\2', '\\', '(?>a)', 'a{2000}']) {
    assert.notEqual(re2Problem(bad), undefined, bad);
  }
});

test('header and query parameter matches name exactly one kind of match', async () => {
  const hm = 'pathMatchers[0].routeRules[0].matchRules[0].headerMatches[0]';
  await assertRejected(
    map((m) => (matchOf(m).headerMatches = [{ headerName: 'x' }])),
    hm,
    /^set exactly one of exactMatch, prefixMatch, suffixMatch, regexMatch, presentMatch or rangeMatch$/,
  );
  await assertRejected(
    map((m) => (matchOf(m).headerMatches = [{ headerName: 'x', exactMatch: 'a', prefixMatch: 'b' }])),
    hm,
    /\(has exactMatch, prefixMatch\)/,
  );
  await assertRejected(
    map(
      (m) => (matchOf(m).headerMatches = [{ headerName: 'x', rangeMatch: { rangeStart: 10, rangeEnd: 10 } }]),
    ),
    `${hm}.rangeMatch.rangeEnd`,
    /must be greater than rangeStart \(10\)/,
  );
  await assertRejected(
    map((m) => (matchOf(m).headerMatches = [{ headerName: 'bad header', presentMatch: true }])),
    `${hm}.headerName`,
    /header name/,
  );
  await assertAccepted(
    map(
      (m) =>
        (matchOf(m).headerMatches = [
          { headerName: ':authority', suffixMatch: '.example.com', invertMatch: true },
        ]),
    ),
  );
  await assertRejected(
    map((m) => (matchOf(m).queryParameterMatches = [{ name: 'q', presentMatch: true, exactMatch: 'x' }])),
    'pathMatchers[0].routeRules[0].matchRules[0].queryParameterMatches[0]',
    /exactly one of exactMatch, regexMatch or presentMatch/,
  );
});

test('pathTemplateMatch syntax, and template rewrites use captured variables', async () => {
  const at = 'pathMatchers[0].routeRules[0].matchRules[0].pathTemplateMatch';
  const withTemplate = (pathTemplateMatch: string) =>
    map((m) => (rule(m, 0).matchRules = [{ pathTemplateMatch }]));
  await assertAccepted(withTemplate('/api/{version}/items/{id=*}/{rest=**}'));
  await assertRejected(withTemplate('/api/**/x'), at, /'\*\*' only in its last segment/);
  await assertRejected(withTemplate('/api/v{version}'), at, /whole path segments/);
  await assertRejected(withTemplate('/{a}/{a}'), at, /twice/);
  await assertRejected(withTemplate('/a*'), at, /must stand alone/);
  await assertRejected(withTemplate('/{a}/{b}/{c}/{d}/{e}/{f}'), at, /at most 5/);
  assert.equal(pathTemplateProblem('/{x=foo/*}/bar'), undefined);

  const rewrite = (pathTemplateRewrite: string, match: Record<string, string>) =>
    map((m) => {
      rule(m, 0).matchRules = [match];
      rule(m, 0).routeAction = { urlRewrite: { pathTemplateRewrite } };
    });
  const rw = 'pathMatchers[0].routeRules[0].routeAction.urlRewrite.pathTemplateRewrite';
  await assertAccepted(rewrite('/v2/{rest}', { pathTemplateMatch: '/v1/{rest=**}' }));
  await assertRejected(
    rewrite('/v2/{other}', { pathTemplateMatch: '/v1/{rest=**}' }),
    rw,
    /uses \{other\}, which pathTemplateMatch '\/v1\/\{rest=\*\*\}' does not capture/,
  );
  await assertRejected(rewrite('/v2', { prefixMatch: '/v1' }), rw, /every matchRule uses pathTemplateMatch/);
});

test('weighted backend services: at most 10, weights 0..1000, not all zero', async () => {
  const ra = 'pathMatchers[0].routeRules[0].routeAction';
  const weighted = (items: { backendService: string; weight: number }[]) =>
    map((m) => {
      delete rule(m, 0).service;
      rule(m, 0).routeAction = { weightedBackendServices: items };
    });
  await assertAccepted(weighted(wbs(['wallet-v1', 0], ['wallet-v2', 1000])));
  await assertRejected(
    weighted(wbs(['wallet-v1', 0], ['wallet-v2', 0])),
    `${ra}.weightedBackendServices`,
    /^weights must not all be 0/,
  );
  await assertRejected(weighted(wbs(['wallet-v1', 1001])), `${ra}.weightedBackendServices[0].weight`, /1000/);
  await assertRejected(weighted(wbs(['wallet-v1', -1])), `${ra}.weightedBackendServices[0].weight`, />=0/);
  const eleven = Array.from({ length: 11 }, () => ['wallet-v1', 1] as [string, number]);
  await assertRejected(
    weighted(wbs(...eleven)),
    `${ra}.weightedBackendServices`,
    /^at most 10 weighted backend services per route action$/,
  );
});

test('retry conditions come from the HTTP and gRPC lists; fault percentages are 0..100', async () => {
  const ra = 'pathMatchers[0].routeRules[0].routeAction';
  await assertAccepted(
    map(
      (m) =>
        (rule(m, 0).routeAction = {
          retryPolicy: {
            retryConditions: [
              'gateway-error',
              'retriable-4xx',
              'refused-stream',
              'cancelled',
              'deadline-exceeded',
              'internal',
              'resource-exhausted',
            ],
            numRetries: 2,
          },
        }),
    ),
  );
  await assertRejected(
    map((m) => (rule(m, 0).routeAction = { retryPolicy: { retryConditions: ['5xx', 'timeout' as '5xx'] } })),
    `${ra}.retryPolicy.retryConditions[1]`,
    /^must be one of 5xx, gateway-error, connect-failure, retriable-4xx, refused-stream, cancelled/,
  );
  await assertRejected(
    map((m) => (rule(m, 0).routeAction = { retryPolicy: { numRetries: 0 } })),
    `${ra}.retryPolicy.numRetries`,
    />=1/,
  );
  await assertRejected(
    map(
      (m) =>
        (rule(m, 0).routeAction = {
          faultInjectionPolicy: { abort: { httpStatus: 503, percentage: 100.5 } },
        }),
    ),
    `${ra}.faultInjectionPolicy.abort.percentage`,
    /100/,
  );
  await assertRejected(
    map(
      (m) =>
        (rule(m, 0).routeAction = {
          faultInjectionPolicy: { delay: { fixedDelay: { seconds: 1 }, percentage: -1 } },
        }),
    ),
    `${ra}.faultInjectionPolicy.delay.percentage`,
    />=0/,
  );
  await assertRejected(
    map((m) => (rule(m, 0).routeAction = { faultInjectionPolicy: { abort: { httpStatus: 600 } } })),
    `${ra}.faultInjectionPolicy.abort.httpStatus`,
    /599/,
  );
  await assertRejected(
    map((m) => (rule(m, 0).routeAction = { timeout: { seconds: '1.5' as unknown as number } })),
    `${ra}.timeout.seconds`,
    /integer/,
  );
});

test('tests expect one outcome', async () => {
  await assertRejected(
    {
      ...map(),
      tests: [{ path: '/', service: 'global/backendServices/wallet-v1', expectedRedirectResponseCode: 301 }],
    },
    'tests[0].expectedRedirectResponseCode',
    /must not be set together with service/,
  );
  await assertRejected(
    { ...map(), tests: [{ host: 'a.example.com', path: '/' }] },
    'tests[0]',
    /expects nothing/,
  );
  await assertRejected(
    { ...map(), tests: [{ path: 'no-slash', service: 'wallet-v1' }] },
    'tests[0].path',
    /must start with '\/'/,
  );
});

test('a URL map over 524 KB serialized is refused, with its size', async () => {
  const big = map((m) => {
    m.hostRules = Array.from({ length: 600 }, (_, i) => ({
      hosts: [`h${i}.example.com`],
      pathMatcher: 'routes',
      description: 'y'.repeat(900),
    }));
  });
  const items = await problems(big);
  assert.equal(items.length, 1, JSON.stringify(items.map((i) => i.location)));
  assertIssue(items, '', /^the URL map is \d+ bytes serialized; the limit is 524288 bytes \(524 KB\)/);
});

test('proxyless gRPC limits: every unsupported feature, at its field', async () => {
  const m = (await prepare(exported())).body as UrlMap;
  const issues = proxylessUrlMapIssues(m);
  assert.deepEqual(
    issues.map((i) => i.location),
    [
      'pathMatchers[0].routeRules[1].routeAction.timeout',
      'pathMatchers[0].routeRules[1].routeAction.weightedBackendServices[0].headerAction',
      'pathMatchers[0].routeRules[2].routeAction.urlRewrite',
      'pathMatchers[0].routeRules[2].routeAction.requestMirrorPolicy',
      'pathMatchers[0].routeRules[3].routeAction.urlRewrite',
      'pathMatchers[1].pathRules[1].urlRedirect',
      'pathMatchers[0].routeRules[3].headerAction',
      'tests',
    ],
  );
  assertIssue(
    issues,
    'pathMatchers[0].routeRules[1].routeAction.timeout',
    /^is not supported by proxyless gRPC clients: use maxStreamDuration$/,
  );

  const more = urlMapKind.schema.parse({
    name: 'm',
    defaultService: 'wallet-v1',
    headerAction: { requestHeadersToRemove: ['x-a'] },
    hostRules: [
      { hosts: ['*', 'wallet.example.com'], pathMatcher: 'pm' },
      { hosts: ['*:8080'], pathMatcher: 'pm' },
    ],
    pathMatchers: [
      {
        name: 'pm',
        defaultService: 'wallet-v1',
        headerAction: { responseHeadersToAdd: [{ headerName: 'x-b', headerValue: '1' }] },
        routeRules: [
          {
            priority: 1,
            matchRules: [
              {
                prefixMatch: '/',
                metadataFilters: [
                  { filterMatchCriteria: 'MATCH_ALL', filterLabels: [{ name: 'a', value: 'b' }] },
                ],
              },
            ],
            service: 'wallet-v1',
            routeAction: {
              corsPolicy: { allowOrigins: ['https://example.com'] },
              maxStreamDuration: { seconds: 5 },
            },
          },
        ],
      },
    ],
  });
  assert.deepEqual(
    proxylessUrlMapIssues(more).map((i) => i.location),
    [
      'headerAction',
      'pathMatchers[0].routeRules[0].routeAction.corsPolicy',
      'pathMatchers[0].routeRules[0].matchRules[0].metadataFilters',
      'pathMatchers[0].headerAction',
      'hostRules[0].hosts[0]',
      'hostRules[1].hosts[0]',
    ],
  );

  const fit = urlMapKind.schema.parse({
    name: 'grpc',
    defaultService: 'wallet-v1',
    hostRules: [{ hosts: ['wallet.example.com:50051', '*.wallet.svc'], pathMatcher: 'pm' }],
    pathMatchers: [
      {
        name: 'pm',
        defaultService: 'wallet-v1',
        routeRules: [
          {
            priority: 0,
            matchRules: [
              {
                fullPathMatch: '/wallet.Wallet/Send',
                headerMatches: [{ headerName: 'x-tier', exactMatch: 'gold' }],
              },
            ],
            routeAction: {
              weightedBackendServices: wbs(['wallet-v1', 9], ['wallet-v2', 1]),
              retryPolicy: { numRetries: 2, retryConditions: ['unavailable'] },
              faultInjectionPolicy: { abort: { httpStatus: 503, percentage: 1 } },
              maxStreamDuration: { seconds: 10 },
            },
          },
        ],
      },
    ],
  });
  assert.deepEqual(proxylessUrlMapIssues(fit), []);
});
