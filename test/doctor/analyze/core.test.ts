// The pure analysis over hand-made inputs: each finding next to the healthy mesh it breaks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyze } from '../../../src/doctor/analyze/index.js';
import { translateConfig } from '../../../src/translate/index.js';
import { TYPE_URL, type TypeUrl } from '../../../src/xds/types.js';
import { codes, inputOf, meshDoc, NEG, NOW, node, only, proxyView, rule } from './fixtures.js';

test('a healthy mesh has no findings', () => {
  const doc = meshDoc();
  const findings = analyze(
    inputOf(doc, {
      proxies: [proxyView(node('projects/123/networks/default/nodes/a'), [{ subscribed: ['svc.test'] }])],
    }),
  );
  assert.deepEqual(findings, []);
});

test('a host whose port no forwarding rule of its chain listens on', () => {
  const doc = meshDoc();
  doc.resources.urlMaps![0]!.hostRules = [{ hosts: ['svc.test', 'svc.test:9000'], pathMatcher: 'pm' }];
  doc.resources.targetGrpcProxies!.push({ name: 'orphan', urlMap: 'global/urlMaps/map' });
  const found = only(analyze(inputOf(doc)), 'PROXYLESS_HOST_WITHOUT_RULE');
  assert.deepEqual(
    found.map((f) => f.subject),
    [
      'projects/p/global/urlMaps/map/hostRules[0].hosts[0]',
      'projects/p/global/urlMaps/map/hostRules[0].hosts[1]',
      'projects/p/global/urlMaps/map/hostRules[0].hosts[1]',
    ],
  );
  const wrongPort = found.find((f) => f.summary.includes('svc.test:9000 through targetGrpcProxies/proxy'));
  assert.match(wrongPort!.summary, /listen on 80/);
  assert.match(wrongPort!.fix, /svc\.test:80/);
  assert.ok(
    found.some((f) =>
      f.summary.includes('no INTERNAL_SELF_MANAGED forwarding rule targets targetGrpcProxies/orphan'),
    ),
  );
});

test('backend services in use: no backends, empty NEGs, no health check, a port the check cannot find', () => {
  const doc = meshDoc();
  doc.resources.healthChecks!.push({ name: 'named', type: 'TCP', tcpHealthCheck: { portName: 'grpc' } });
  doc.resources.networkEndpointGroups!.push({ name: 'empty', zone: 'us-central1-a', defaultPort: 1 });
  doc.resources.backendServices!.push(
    { name: 'bare', protocol: 'GRPC', healthChecks: ['global/healthChecks/hc'] },
    {
      name: 'hollow',
      protocol: 'GRPC',
      backends: [{ group: 'zones/us-central1-a/networkEndpointGroups/empty' }],
    },
    {
      name: 'named',
      protocol: 'GRPC',
      healthChecks: ['global/healthChecks/named'],
      backends: [{ group: NEG }],
    },
    { name: 'unused', protocol: 'GRPC' },
  );
  doc.resources.urlMaps![0]!.pathMatchers = [
    {
      name: 'pm',
      defaultService: 'global/backendServices/svc',
      pathRules: [
        { paths: ['/bare'], service: 'global/backendServices/bare' },
        { paths: ['/hollow'], service: 'global/backendServices/hollow' },
        { paths: ['/named'], service: 'global/backendServices/named' },
      ],
    },
  ];
  const findings = analyze(inputOf(doc));
  assert.deepEqual(
    only(findings, 'BACKEND_SERVICE_NO_BACKENDS').map((f) => [f.subject, f.summary]),
    [
      ['projects/p/global/backendServices/bare', 'backendServices/bare has no backends'],
      [
        'projects/p/global/backendServices/hollow',
        'backendServices/hollow has backends, but none with endpoints that can take traffic',
      ],
    ],
  );
  assert.ok(
    only(findings, 'BACKEND_SERVICE_NO_BACKENDS')[1]!.evidence.includes(
      'projects/p/zones/us-central1-a/networkEndpointGroups/empty: 0 endpoints',
    ),
  );
  assert.deepEqual(
    only(findings, 'BACKEND_SERVICE_NO_HEALTH_CHECK').map((f) => f.subject),
    ['projects/p/global/backendServices/hollow'],
  );
  const port = only(findings, 'HEALTH_CHECK_PORT_UNRESOLVED');
  assert.equal(port.length, 1);
  assert.equal(port[0]!.subject, 'projects/p/global/healthChecks/named');
  assert.match(port[0]!.summary, /named port "grpc" is not defined/);
  assert.ok(
    !codes(findings).some(
      (c) =>
        c !== 'BACKEND_SERVICE_NO_BACKENDS' &&
        c !== 'BACKEND_SERVICE_NO_HEALTH_CHECK' &&
        c !== 'HEALTH_CHECK_PORT_UNRESOLVED',
    ),
    codes(findings).join(),
  );
});

test('fail-open follows translation: 99 % unhealthy, with counts; 1 of 2 is not', () => {
  const doc = meshDoc();
  const key = (ip: string) => `${NEG}|${ip}|50051`;
  doc.health = { [key('10.0.0.1')]: 'UNHEALTHY' };
  assert.deepEqual(only(analyze(inputOf(doc)), 'FAIL_OPEN_ACTIVE'), []);
  doc.health[key('10.0.0.2')] = 'UNHEALTHY';
  const [open, ...rest] = only(analyze(inputOf(doc)), 'FAIL_OPEN_ACTIVE');
  assert.equal(rest.length, 0);
  assert.equal(open!.subject, 'projects/p/global/backendServices/svc');
  assert.match(open!.summary, /^2 of 2 endpoints of backendServices\/svc are unhealthy/);
  assert.equal(open!.severity, 'warning');
});

test('port clashes: from the resources, and the translator issue maps to the same finding', () => {
  const doc = meshDoc();
  doc.resources.forwardingRules!.push(rule('again', 'global/targetGrpcProxies/proxy', '80'));
  const input = inputOf(doc);
  const view = {
    projectNumber: '123',
    network: 'default',
    kind: 'envoy' as const,
    metadata: {},
    inboundBackendPorts: [],
    enableTracing: false,
    interceptionPort: 15001,
  };
  const issues = translateConfig(input.config, view).issues;
  assert.equal(issues.length, 1, JSON.stringify(issues));
  const clash = only(
    analyze({ ...input, translation: { issues, errors: [] } }),
    'FORWARDING_RULE_PORT_CLASH',
  );
  assert.equal(clash.length, 1);
  assert.equal(clash[0]!.subject, 'projects/p/global/forwardingRules/rule');
  assert.match(clash[0]!.summary, /forwardingRules\/again, forwardingRules\/rule all use 0\.0\.0\.0:80/);
  assert.deepEqual(only(analyze({ ...input, translation: { issues, errors: [] } }), 'TRANSLATION_ISSUE'), []);
});

test('other translation issues keep their resource and field; refused views name the user object', () => {
  const input = inputOf(meshDoc());
  const issue = {
    resource: 'projects/p/global/urlMaps/map',
    location: 'hostRules[0].pathMatcher',
    message: "'x' is not the name of a path matcher: the host rule is skipped",
  };
  const view = {
    projectNumber: '123',
    network: 'default',
    kind: 'grpc' as const,
    metadata: {},
    inboundBackendPorts: [],
    enableTracing: false,
  };
  const findings = analyze({
    ...input,
    translation: {
      issues: [issue],
      errors: [
        {
          view,
          problems: ['svc: connect_timeout: value must be greater than 0s'],
          at: '2026-03-01T11:59:00.000Z',
        },
      ],
    },
  });
  const [t] = only(findings, 'TRANSLATION_ISSUE');
  assert.equal(t!.subject, 'projects/p/global/urlMaps/map/hostRules[0].pathMatcher');
  assert.match(t!.summary, /urlMaps\/map hostRules\[0\]\.pathMatcher: 'x' is not the name/);
  const [refused] = only(findings, 'CONFIG_REFUSED_BY_VALIDATION');
  assert.equal(refused!.severity, 'error');
  assert.equal(refused!.subject, 'projects/p/global/backendServices/svc');
  assert.deepEqual(refused!.evidence, [
    'svc: connect_timeout: value must be greater than 0s (from projects/p/global/backendServices/svc)',
  ]);
  assert.equal(findings[0]!.code, 'CONFIG_REFUSED_BY_VALIDATION', 'errors sort first');
});

test('a network without mesh rules: refused and connected proxies are listed; refusals fixed since are not', () => {
  const refusal = (nodeId: string, network: string) => ({
    time: NOW - 1000,
    streamId: 'sotw-9',
    protocol: 'sotw' as const,
    peer: 'ipv4:127.0.0.1:1',
    nodeId,
    code: 5,
    codeName: 'NOT_FOUND',
    reason: `Vane configuration was not found for network "${network}" in project "123".`,
  });
  const doc = meshDoc();
  const stale = node('projects/123/networks/gone/nodes/c', { kind: 'envoy' });
  const findings = analyze(
    inputOf(doc, {
      refusals: [
        refusal('projects/123/networks/wrong/nodes/a', 'wrong'),
        refusal('projects/123/networks/wrong/nodes/b', 'wrong'),
        refusal('projects/123/networks/default/nodes/old', 'default'),
      ],
      proxies: [proxyView(stale)],
    }),
  );
  const found = only(findings, 'CONFIG_NOT_FOUND_FOR_NETWORK');
  assert.deepEqual(
    found.map((f) => f.subject),
    ['networks/gone', 'networks/wrong'],
  );
  assert.match(found[1]!.summary, /^2 proxies ask for network "wrong"/);
  assert.ok(found[1]!.evidence.some((e) => e.includes('projects/123/networks/wrong/nodes/b')));
  assert.ok(found[1]!.evidence.includes('network "wrong" does not exist in the project'));
  assert.ok(found[1]!.evidence.includes('networks with mesh forwarding rules: default (rule)'));
  assert.match(found[1]!.fix, /one of: default/);
  assert.ok(!found.some((f) => f.evidence.some((e) => e.includes('nodes/old'))));
});

test('connected proxies that metadataFilters hide every rule from', () => {
  const doc = meshDoc();
  doc.resources.forwardingRules![0]!.metadataFilters = [
    { filterMatchCriteria: 'MATCH_ALL', filterLabels: [{ name: 'team', value: 'pay' }] },
  ];
  const client = (team: string) =>
    proxyView(node(`projects/123/networks/default/nodes/${team}`, { metadata: { team } }), [
      { subscribed: ['svc.test'] },
    ]);
  const server = proxyView(node('projects/123/networks/default/nodes/srv'), [
    { subscribed: ['grpc/server?xds.resource.listening_address=10.0.0.1:50051'] },
  ]);
  const found = only(
    analyze(inputOf(doc, { proxies: [client('pay'), client('ops'), server] })),
    'PROXY_NO_VISIBLE_RULES',
  );
  assert.deepEqual(
    found.map((f) => f.subject),
    ['projects/123/networks/default/nodes/ops'],
  );
  assert.ok(found[0]!.evidence.some((e) => e.includes('"team"') && e.includes('forwardingRules/rule')));
});

test('NACKs name the rejected resource and the user object behind it', () => {
  const n = node('projects/123/networks/default/nodes/a');
  const nack = (typeUrl: TypeUrl, names: string[], message: string) => ({
    typeUrl,
    status: 'NACKED' as const,
    nack: { version: 'v2', message, time: new Date(NOW).toISOString() },
    resources: names.map((name) => ({ name, status: 'NACKED' as const, version: 'v2', ackedVersion: 'v1' })),
  });
  const findings = analyze(
    inputOf(meshDoc(), {
      proxies: [
        proxyView(n, [
          nack(
            'type.googleapis.com/envoy.config.cluster.v3.Cluster',
            ['svc'],
            "cluster 'svc': bad lb policy",
          ),
          nack(
            'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
            ['URL_MAP/123_map'],
            'bad route',
          ),
          nack(
            'type.googleapis.com/envoy.config.listener.v3.Listener',
            ['svc.test', 'svc.test:80'],
            'listener svc.test:80 refused',
          ),
          { typeUrl: TYPE_URL.endpoint, status: 'SYNCED' },
        ]),
      ],
    }),
  );
  const nacks = only(findings, 'PROXY_NACKED');
  assert.deepEqual(
    nacks.map((f) => f.subject),
    [
      'projects/p/global/backendServices/svc',
      'projects/p/global/urlMaps/map',
      'projects/p/global/forwardingRules/rule',
    ],
  );
  assert.match(nacks[0]!.summary, /rejected CDS svc \(from backendServices\/svc\)/);
  assert.ok(nacks[0]!.evidence.includes("proxy message: cluster 'svc': bad lb policy"));
  assert.match(nacks[2]!.summary, /rejected LDS svc\.test:80 \(from forwardingRules\/rule, urlMaps\/map\)/);
  assert.match(nacks[1]!.fix, /vane proxy-config projects\/123\/networks\/default\/nodes\/a/);
});

test('agents: bootstrap not started, in progress, failed; stuck heartbeat; last failure', () => {
  const doc = meshDoc();
  const registered = { items: [{ key: 'gce-service-proxy', value: '{}' }] };
  doc.resources.instances = ['fresh', 'busy', 'broken', 'quiet', 'done', 'plain'].map((name) => ({
    name,
    zone: 'us-central1-a',
    networkIP: '10.0.0.9',
    ...(name === 'plain' ? {} : { metadata: registered }),
  }));
  const at = (ms: number) => new Date(NOW - ms).toISOString();
  const attrs = (values: Record<string, string>, updated = at(0)) =>
    Object.entries(values).map(([key, value]) => ({
      namespace: 'gce-service-proxy',
      key,
      value,
      updatedAt: updated,
    }));
  const path = (name: string) => `projects/p/zones/us-central1-a/instances/${name}`;
  const guestAttributes = new Map([
    [path('busy'), attrs({ 'bootstrap-status': 'IN PROGRESS', 'agent-heartbeat': at(10_000) })],
    [
      path('broken'),
      attrs({
        'bootstrap-status': 'FAILED',
        'bootstrap-last-failure': 'envoy: not found',
        'agent-heartbeat': at(5_000),
      }),
    ],
    [path('quiet'), attrs({ 'bootstrap-status': 'FINISHED', 'agent-heartbeat': at(6 * 60_000) })],
    [path('done'), attrs({ 'bootstrap-status': 'FINISHED', 'agent-heartbeat': at(4 * 60_000) })],
    [path('plain'), []],
  ]);
  guestAttributes
    .get(path('quiet'))!
    .push(...attrs({ 'agent-last-failure': 'Cannot reach the control plane' }, at(7 * 60_000)));
  const findings = analyze(inputOf(doc, { guestAttributes }));
  const by = (code: string) => only(findings, code).map((f) => f.subject);
  assert.deepEqual(by('BOOTSTRAP_NOT_STARTED'), [path('fresh')]);
  assert.deepEqual(by('BOOTSTRAP_IN_PROGRESS'), [path('busy')]);
  assert.deepEqual(by('BOOTSTRAP_FAILED'), [path('broken')]);
  assert.match(only(findings, 'BOOTSTRAP_FAILED')[0]!.summary, /envoy: not found/);
  assert.deepEqual(by('AGENT_STUCK'), [path('quiet')]);
  assert.match(only(findings, 'AGENT_STUCK')[0]!.summary, /6 min ago/);
  assert.deepEqual(by('AGENT_LAST_FAILURE'), [path('quiet')]);
  assert.match(only(findings, 'AGENT_LAST_FAILURE')[0]!.evidence[0]!, /reported 7 min ago/);
  assert.equal(findings.length, 5, codes(findings).join());
});
