// Envoy's route matchers evaluated against a request, as `vane explain` does.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { evaluateHeader, evaluateRouteMatch } from '../../../src/doctor/explain/matchers.js';
import { compileRe2 } from '../../../src/doctor/explain/regex.js';
import { parseHeader, parseTarget } from '../../../src/doctor/explain/request.js';
import {
  type HeaderMatcher,
  HeaderMatcherSchema,
  RouteMatchSchema,
} from '../../../src/gen/envoy/config/route/v3/route_components_pb.js';

const req = (to: string, headers: Record<string, string> = {}) => parseTarget(to, headers);
const header = (init: Parameters<typeof create<typeof HeaderMatcherSchema>>[1]): HeaderMatcher =>
  create(HeaderMatcherSchema, init);

test('parseTarget: host, port, path and query; headers lower-cased, repeated ones joined', () => {
  const r = parseTarget('Wallet.Example.com:8000/a/b?x=1&y', { Route: 'v2', route: 'v3' });
  assert.deepEqual(r, {
    host: 'wallet.example.com',
    port: 8000,
    path: '/a/b',
    query: 'x=1&y',
    headers: { route: 'v2,v3' },
  });
  assert.equal(parseTarget('svc').path, '/');
  assert.equal(parseTarget('svc').port, undefined);
  assert.throws(() => parseTarget('svc:99999/'), /out of range/);
  assert.deepEqual(parseHeader(':authority: a:80'), [':authority', 'a:80']);
  assert.throws(() => parseHeader('novalue'), /NAME:VALUE/);
});

test('path: prefix, full path, case sensitivity, regex (full match)', () => {
  const prefix = create(RouteMatchSchema, { pathSpecifier: { case: 'prefix', value: '/api' } });
  assert.equal(evaluateRouteMatch(prefix, req('h/api/x')).ok, true);
  const miss = evaluateRouteMatch(prefix, req('h/API/x'));
  assert.equal(miss.ok, false);
  assert.match(miss.why, /"\/API\/x" does not start with "\/api"/);
  const ci = create(RouteMatchSchema, {
    pathSpecifier: { case: 'prefix', value: '/api' },
    caseSensitive: false,
  });
  assert.equal(evaluateRouteMatch(ci, req('h/API/x')).ok, true);

  const full = create(RouteMatchSchema, { pathSpecifier: { case: 'path', value: '/exact' } });
  assert.equal(evaluateRouteMatch(full, req('h/exact?q=1')).ok, true, 'the query is not part of the path');
  assert.equal(evaluateRouteMatch(full, req('h/exact/more')).ok, false);

  const regex = create(RouteMatchSchema, {
    pathSpecifier: { case: 'safeRegex', value: { regex: '/v[0-9]+/.*' } },
    caseSensitive: false,
  });
  assert.equal(evaluateRouteMatch(regex, req('h/v12/x')).ok, true);
  assert.equal(
    evaluateRouteMatch(regex, req('h/x/v12/x')).ok,
    false,
    'RE2 safe_regex matches the whole path',
  );
  assert.equal(evaluateRouteMatch(regex, req('h/V12/x')).ok, false, 'case_sensitive does not apply to regex');
});

test('headers: exact, prefix, suffix, present/absent, range, regex, invert, missing', () => {
  const h = { 'x-env': 'canary-eu', 'x-n': '42' };
  const check = (m: HeaderMatcher, headers: Record<string, string> = h) => evaluateHeader(m, headers);
  assert.equal(
    check(header({ name: 'X-Env', headerMatchSpecifier: { case: 'exactMatch', value: 'canary-eu' } })).ok,
    true,
  );
  const diff = check(header({ name: 'x-env', headerMatchSpecifier: { case: 'exactMatch', value: 'prod' } }));
  assert.equal(diff.ok, false);
  assert.match(diff.why, /header x-env is "canary-eu", needs = "prod"/);
  assert.equal(
    check(header({ name: 'x-env', headerMatchSpecifier: { case: 'prefixMatch', value: 'canary' } })).ok,
    true,
  );
  assert.equal(
    check(header({ name: 'x-env', headerMatchSpecifier: { case: 'suffixMatch', value: '-us' } })).ok,
    false,
  );
  assert.equal(
    check(header({ name: 'x-env', headerMatchSpecifier: { case: 'presentMatch', value: true } })).ok,
    true,
  );
  assert.equal(
    check(header({ name: 'x-gone', headerMatchSpecifier: { case: 'presentMatch', value: false } })).ok,
    true,
  );
  assert.equal(
    check(
      header({
        name: 'x-env',
        headerMatchSpecifier: { case: 'presentMatch', value: true },
        invertMatch: true,
      }),
    ).ok,
    false,
  );
  const range = header({
    name: 'x-n',
    headerMatchSpecifier: { case: 'rangeMatch', value: { start: 40n, end: 42n } },
  });
  assert.equal(check(range).ok, false, 'range end is exclusive');
  assert.equal(check(range, { 'x-n': '41' }).ok, true);
  assert.equal(check(range, { 'x-n': '41.5' }).ok, false, 'only integers are in a range');
  assert.equal(
    check(
      header({
        name: 'x-env',
        headerMatchSpecifier: { case: 'safeRegexMatch', value: { regex: 'canary-(eu|us)' } },
      }),
    ).ok,
    true,
  );
  const inverted = header({
    name: 'x-env',
    headerMatchSpecifier: { case: 'exactMatch', value: 'prod' },
    invertMatch: true,
  });
  assert.equal(check(inverted).ok, true);
  const missing = check(inverted, {});
  assert.equal(missing.ok, false, 'a missing header fails an inverted value matcher too');
  assert.match(missing.why, /x-env is missing \(needs not = "prod"\)/);
  const sm = header({
    name: 'x-env',
    headerMatchSpecifier: {
      case: 'stringMatch',
      value: { matchPattern: { case: 'exact', value: 'CANARY-EU' }, ignoreCase: true },
    },
  });
  assert.equal(check(sm).ok, true);
});

test('query parameters and the AND of all conditions; the first failing condition is the reason', () => {
  const m = create(RouteMatchSchema, {
    pathSpecifier: { case: 'prefix', value: '/' },
    headers: [{ name: 'route', headerMatchSpecifier: { case: 'exactMatch', value: 'v2' } }],
    queryParameters: [
      { name: 'debug', queryParameterMatchSpecifier: { case: 'presentMatch', value: true } },
      {
        name: 'user',
        queryParameterMatchSpecifier: {
          case: 'stringMatch',
          value: { matchPattern: { case: 'exact', value: 'a b' } },
        },
      },
    ],
  });
  assert.equal(evaluateRouteMatch(m, req('h/x?debug&user=a+b', { route: 'v2' })).ok, true);
  const noHeader = evaluateRouteMatch(m, req('h/x?debug&user=a+b'));
  assert.match(noHeader.why, /header route is missing/);
  const noDebug = evaluateRouteMatch(m, req('h/x?user=a+b', { route: 'v2' }));
  assert.match(noDebug.why, /query parameter debug is missing/);
  const otherUser = evaluateRouteMatch(m, req('h/x?debug&user=c', { route: 'v2' }));
  assert.match(otherUser.why, /query parameter user is "c", needs = "a b"/);
});

test('RE2 versus JS: inline (?i) becomes a flag; lookaround and backreferences are refused as RE2 does', () => {
  const i = compileRe2('(?i)/Api/.*');
  assert.ok(i.ok && i.re.test('/api/x'));
  const look = compileRe2('/(?=a).*');
  assert.equal(look.ok, false);
  assert.match(!look.ok ? look.why : '', /RE2 rejects lookaround/);
  assert.equal(compileRe2('(a)\\1').ok, false);
});
