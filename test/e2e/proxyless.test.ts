// Proxyless gRPC end to end: real grpc-js-xds clients (child processes) call real gRPC
// backends on 127.0.0.1 through a real `vane serve`, configured over the REST API.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { type AddressInfo, createServer } from 'node:net';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { type Backend, startBackend } from '../helpers/backends.js';
import { startVane, type TestServer } from '../helpers/server.js';
import { tally, XdsClient } from '../helpers/xds-client.js';
import { RawXdsClient } from '../xds/helpers/raw-client.js';

const ZONE = 'us-central1-a';
let vane: TestServer;
let backends: Record<string, Backend>;
const clients: XdsClient[] = [];
let projectCounter = 0;

before(async () => {
  vane = await startVane({ args: ['--lrs-interval', '1'] });
  backends = {};
  for (const name of ['v1-a', 'v1-b', 'v2-a']) backends[name] = await startBackend(name);
});

after(async () => {
  await Promise.all(clients.map((c) => c.stop()));
  await Promise.all(Object.values(backends).map((b) => b.stop()));
  await vane.stop();
});

/** A project whose `echo.test:8000` routes to backend services v1 (v1-a, v1-b) and v2 (v2-a). */
async function mesh(
  urlMap: Record<string, unknown> = {},
  opts: { validateForProxyless?: boolean } = {},
): Promise<{ project: string; number: string }> {
  projectCounter += 1;
  const project = `e2e-${projectCounter}`;
  const created = await vane.api('POST', '/v1/projects', { projectId: project });
  assert.equal(created.status, 200);
  const endpoints = (names: string[]) =>
    names.map((n) => ({ ipAddress: '127.0.0.1', port: backends[n]!.port }));
  const resources = [
    {
      kind: 'networkEndpointGroup',
      name: 'neg-v1',
      zone: ZONE,
      networkEndpoints: endpoints(['v1-a', 'v1-b']),
    },
    { kind: 'networkEndpointGroup', name: 'neg-v2', zone: ZONE, networkEndpoints: endpoints(['v2-a']) },
    ...['v1', 'v2'].map((v) => ({
      kind: 'backendService',
      name: v,
      protocol: 'GRPC',
      backends: [
        {
          group: `zones/${ZONE}/networkEndpointGroups/neg-${v}`,
          balancingMode: 'RATE',
          maxRatePerEndpoint: 1000,
        },
      ],
    })),
    {
      kind: 'urlMap',
      name: 'echo-map',
      defaultService: 'global/backendServices/v1',
      hostRules: [{ hosts: ['echo.test'], pathMatcher: 'echo' }],
      pathMatchers: [{ name: 'echo', defaultService: 'global/backendServices/v1' }],
      ...urlMap,
    },
    {
      kind: 'targetGrpcProxy',
      name: 'echo-proxy',
      urlMap: 'global/urlMaps/echo-map',
      validateForProxyless: opts.validateForProxyless ?? true,
    },
    {
      kind: 'forwardingRule',
      name: 'echo-rule',
      IPAddress: '0.0.0.0',
      portRange: '8000',
      target: 'global/targetGrpcProxies/echo-proxy',
    },
  ];
  const applied = await vane.api('POST', `/v1/projects/${project}/apply`, { resources });
  assert.equal(applied.status, 200, JSON.stringify(applied.body));
  return { project, number: String(created.body.projectNumber) };
}

function client(number: string, extra: Partial<ConstructorParameters<typeof XdsClient>[0]> = {}): XdsClient {
  const c = new XdsClient({
    xdsAddress: vane.xdsAddress,
    target: 'echo.test:8000',
    projectNumber: number,
    zone: ZONE,
    ...extra,
  });
  clients.push(c);
  return c;
}

describe('proxyless gRPC through Vane', () => {
  test('a client reaches the backends, round robin is even', async () => {
    const { number } = await mesh();
    const c = client(number);
    await c.until((r) => r.backend !== undefined);
    const counts = tally(await c.take(100));
    assert.deepEqual(Object.keys(counts).sort(), ['v1-a', 'v1-b'], JSON.stringify(counts));
    assert.ok(Math.abs(counts['v1-a']! - counts['v1-b']!) <= 2, `round robin: ${JSON.stringify(counts)}`);
    await c.stop();
  });

  test('a 20/80 weighted split lands within ±5%', async () => {
    const { number } = await mesh({
      pathMatchers: [
        {
          name: 'echo',
          defaultRouteAction: {
            weightedBackendServices: [
              { backendService: 'global/backendServices/v1', weight: 20 },
              { backendService: 'global/backendServices/v2', weight: 80 },
            ],
          },
        },
      ],
    });
    const c = client(number);
    await c.until((r) => r.backend !== undefined);
    const results = await c.take(1000);
    const counts = tally(results);
    const v2 = (counts['v2-a'] ?? 0) / results.length;
    assert.ok(Math.abs(v2 - 0.8) <= 0.05, `v2 share ${v2}: ${JSON.stringify(counts)}`);
    await c.stop();
  });

  test('header route rules pick the service', async () => {
    const { number } = await mesh({
      pathMatchers: [
        {
          name: 'echo',
          defaultService: 'global/backendServices/v1',
          routeRules: [
            {
              priority: 0,
              matchRules: [
                {
                  prefixMatch: '/vane.test.Echo/',
                  headerMatches: [{ headerName: 'route', exactMatch: 'v2' }],
                },
              ],
              service: 'global/backendServices/v2',
            },
            {
              priority: 1,
              matchRules: [{ prefixMatch: '/vane.test.Other/' }],
              service: 'global/backendServices/v2',
            },
          ],
        },
      ],
    });
    const c = client(number);
    await c.until((r) => r.backend !== undefined);
    assert.deepEqual(Object.keys(tally(await c.take(20))).sort(), ['v1-a', 'v1-b']);
    c.setCallMetadata({ route: 'v2' });
    await c.until((r) => r.backend === 'v2-a', { streak: 20 });
    await c.stop();
  });

  test('path rules and per-node metadata filters pick the service', async () => {
    const { number } = await mesh(
      {
        pathMatchers: [
          {
            name: 'echo',
            defaultService: 'global/backendServices/v1',
            routeRules: [
              {
                priority: 0,
                matchRules: [
                  {
                    prefixMatch: '/vane.test.Echo/',
                    metadataFilters: [
                      {
                        filterMatchCriteria: 'MATCH_ALL',
                        filterLabels: [{ name: 'track', value: 'canary' }],
                      },
                    ],
                  },
                ],
                service: 'global/backendServices/v2',
              },
              {
                priority: 1,
                matchRules: [{ prefixMatch: '/somewhere.Else/' }],
                service: 'global/backendServices/v2',
              },
              {
                priority: 2,
                matchRules: [{ fullPathMatch: '/vane.test.Echo/Who' }],
                service: 'global/backendServices/v1',
              },
            ],
          },
        ],
      },
      { validateForProxyless: false },
    );
    const canary = client(number, { nodeMetadata: { track: 'canary' } });
    const stable = client(number, { nodeMetadata: { track: 'stable' } });
    await canary.until((r) => r.backend === 'v2-a', { streak: 20 });
    await stable.until((r) => r.backend?.startsWith('v1-') === true, { streak: 20 });
    await Promise.all([canary.stop(), stable.stop()]);
  });

  test('a forwarding rule on port 80 serves clients that dial the host without a port', async () => {
    const { project, number } = await mesh();
    const moved = await vane.api(
      'PATCH',
      `/compute/v1/projects/${project}/global/forwardingRules/echo-rule`,
      { portRange: '80' },
    );
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    const c = client(number, { target: 'echo.test' });
    await c.until((r) => r.backend?.startsWith('v1-') === true, { streak: 10 });
    await c.stop();
  });

  test('RING_HASH with header affinity keeps each user on one backend', async () => {
    const { project, number } = await mesh();
    const patched = await vane.api('PATCH', `/compute/v1/projects/${project}/global/backendServices/v1`, {
      localityLbPolicy: 'RING_HASH',
      sessionAffinity: 'HEADER_FIELD',
      consistentHash: { httpHeaderName: 'user' },
    });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    const c = client(number);
    await c.until((r) => r.backend !== undefined);
    await new Promise((r) => setTimeout(r, 500));
    const seen = new Set<string>();
    for (const user of ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi']) {
      c.setCallMetadata({ user });
      await new Promise((r) => setTimeout(r, 100));
      c.drain();
      const results = await c.take(10);
      const backendsForUser = new Set(results.map((r) => r.backend));
      assert.equal(backendsForUser.size, 1, `${user}: ${JSON.stringify(tally(results))}`);
      seen.add(results[0]!.backend!);
    }
    assert.equal(seen.size, 2, 'users spread over both backends');
    await c.stop();
  });

  test('maxStreamDuration ends slow calls with DEADLINE_EXCEEDED', async () => {
    const { number } = await mesh({
      pathMatchers: [
        {
          name: 'echo',
          defaultService: 'global/backendServices/v1',
          routeRules: [
            {
              priority: 0,
              matchRules: [{ prefixMatch: '/' }],
              service: 'global/backendServices/v1',
              routeAction: { maxStreamDuration: { seconds: 0, nanos: 200_000_000 } },
            },
          ],
        },
      ],
    });
    const c = client(number);
    await c.until((r) => r.backend !== undefined);
    c.setCallMetadata({ 'sleep-ms': '1000' });
    await c.until((r) => r.error === 'DEADLINE_EXCEEDED' && r.ms < 900, { streak: 3 });
    await c.stop();
  });

  test('circuit breaking: calls over maxRequests fail fast, raising the limit lets them through', async () => {
    const { project, number } = await mesh();
    const limited = await vane.api('PATCH', `/compute/v1/projects/${project}/global/backendServices/v1`, {
      circuitBreakers: { maxRequests: 1 },
    });
    assert.equal(limited.status, 200, JSON.stringify(limited.body));
    const c = client(number, { concurrency: 4, intervalMs: 50, callMetadata: { 'sleep-ms': '200' } });
    await c.until((r) => r.error === 'UNAVAILABLE', { streak: 1 });
    c.drain();
    const counts = tally(await c.take(120));
    assert.ok(
      (counts['error:UNAVAILABLE'] ?? 0) > 0 && (counts['v1-a'] ?? 0) + (counts['v1-b'] ?? 0) > 0,
      JSON.stringify(counts),
    );
    const raised = await vane.api('PATCH', `/compute/v1/projects/${project}/global/backendServices/v1`, {
      circuitBreakers: { maxRequests: 100 },
    });
    assert.equal(raised.status, 200);
    await c.until((r) => r.backend !== undefined, { streak: 40 });
    await c.stop();
  });

  test('outlier detection ejects a backend that keeps failing', async () => {
    const { project, number } = await mesh();
    const patched = await vane.api('PATCH', `/compute/v1/projects/${project}/global/backendServices/v1`, {
      // gRPC implements success-rate and failure-percentage ejection (gRFC A50), not
      // consecutive errors: eject by success rate, two hosts being enough here.
      outlierDetection: {
        interval: { seconds: 1 },
        baseEjectionTime: { seconds: 30 },
        maxEjectionPercent: 50,
        successRateMinimumHosts: 2,
        successRateRequestVolume: 5,
        successRateStdevFactor: 500,
        enforcingSuccessRate: 100,
      },
    });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    const c = client(number, { callMetadata: { 'fail-on': 'v1-b' } });
    await c.until((r) => r.backend === 'v1-a', { streak: 1 });
    // Once v1-b is ejected, every call lands on v1-a.
    await c.until((r) => r.backend === 'v1-a', { streak: 50, timeoutMs: 20_000 });
    await c.stop();
  });

  test('a retry policy retries UNAVAILABLE on another backend', async () => {
    const { number } = await mesh({
      pathMatchers: [
        {
          name: 'echo',
          defaultService: 'global/backendServices/v1',
          routeRules: [
            {
              priority: 0,
              matchRules: [{ prefixMatch: '/', headerMatches: [{ headerName: 'retry', exactMatch: 'yes' }] }],
              service: 'global/backendServices/v1',
              routeAction: { retryPolicy: { retryConditions: ['unavailable'], numRetries: 3 } },
            },
          ],
        },
      ],
    });
    const c = client(number, { callMetadata: { 'fail-on': 'v1-b' } });
    await c.until((r) => r.error === 'UNAVAILABLE', { streak: 1 });
    c.setCallMetadata({ 'fail-on': 'v1-b', retry: 'yes' });
    await c.until((r) => r.backend === 'v1-a', { streak: 30 });
    await c.stop();
  });

  test('switching the default service moves traffic; endpoints come and go; deleting the rule fails RPCs', async () => {
    const { project, number } = await mesh();
    const c = client(number);
    await c.until((r) => r.backend?.startsWith('v1') === true);
    const patch = await vane.api('PATCH', `/compute/v1/projects/${project}/global/urlMaps/echo-map`, {
      pathMatchers: [{ name: 'echo', defaultService: 'global/backendServices/v2' }],
    });
    assert.equal(patch.status, 200, JSON.stringify(patch.body));
    await c.until((r) => r.backend === 'v2-a', { streak: 20 });
    const scraped = await fetch(`${vane.url}/metrics`).then((r) => r.text());
    assert.match(
      scraped,
      /^vane_xds_convergence_seconds_count\{type="RouteConfiguration"\} [1-9]/m,
      'the route change was ACKed and timed',
    );

    const neg = `/compute/v1/projects/${project}/zones/${ZONE}/networkEndpointGroups/neg-v2`;
    const attach = await vane.api('POST', `${neg}/attachNetworkEndpoints`, {
      networkEndpoints: [{ ipAddress: '127.0.0.1', port: backends['v1-a']!.port }],
    });
    assert.equal(attach.status, 200);
    await c.until((r) => r.backend === 'v1-a', { streak: 1 });
    const detach = await vane.api('POST', `${neg}/detachNetworkEndpoints`, {
      networkEndpoints: [{ ipAddress: '127.0.0.1', port: backends['v1-a']!.port }],
    });
    assert.equal(detach.status, 200);
    await c.until((r) => r.backend === 'v2-a', { streak: 30 });
    const timed = await fetch(`${vane.url}/metrics`).then((r) => r.text());
    for (const trigger of ['configuration', 'endpoints']) {
      for (const metric of ['vane_xds_rebuild_seconds', 'vane_xds_publish_seconds']) {
        assert.match(
          timed,
          new RegExp(`^${metric}_count\\{trigger="${trigger}"\\} [1-9]`, 'm'),
          `${metric} timed the ${trigger} rebuilds`,
        );
      }
    }

    assert.equal(
      (await vane.api('DELETE', `/compute/v1/projects/${project}/global/forwardingRules/echo-rule`)).status,
      200,
    );
    await c.until((r) => r.error === 'UNAVAILABLE', { streak: 5 });
    await c.stop();
  });

  test('fault injection: aborts and delays reach the client', async () => {
    const { number } = await mesh({
      pathMatchers: [
        {
          name: 'echo',
          defaultService: 'global/backendServices/v1',
          routeRules: [
            {
              priority: 0,
              matchRules: [
                { prefixMatch: '/', headerMatches: [{ headerName: 'fault', exactMatch: 'abort' }] },
              ],
              service: 'global/backendServices/v1',
              routeAction: { faultInjectionPolicy: { abort: { httpStatus: 503, percentage: 100 } } },
            },
            {
              priority: 1,
              matchRules: [
                { prefixMatch: '/', headerMatches: [{ headerName: 'fault', exactMatch: 'delay' }] },
              ],
              service: 'global/backendServices/v1',
              routeAction: {
                faultInjectionPolicy: {
                  delay: { fixedDelay: { seconds: 0, nanos: 300_000_000 }, percentage: 100 },
                },
              },
            },
          ],
        },
      ],
    });
    const c = client(number, { callMetadata: { fault: 'abort' } });
    await c.until((r) => r.error === 'UNAVAILABLE', { streak: 5 });
    c.setCallMetadata({ fault: 'delay' });
    await c.until((r) => r.backend !== undefined && r.ms >= 290, { streak: 3 });
    c.setCallMetadata({});
    await c.until((r) => r.backend !== undefined && r.ms < 200, { streak: 5 });
    await c.stop();
  });
});

describe('visibility', () => {
  test('the proxy list, its config dump, metrics, and CSDS all agree with the client', async () => {
    const { project, number } = await mesh();
    const c = client(number);
    await c.until((r) => r.backend !== undefined);

    const listed = await vane.api('GET', `/v1/projects/${project}/proxies`);
    assert.equal(listed.status, 200);
    const proxies = listed.body.proxies as {
      streamId: string;
      node: { id: string; kind: string };
      types: {
        typeUrl: string;
        status: string;
        ackedVersion: string;
        resources: { name: string; ackedVersion: string }[];
      }[];
    }[];
    assert.equal(proxies.length, 1, JSON.stringify(proxies));
    const proxy = proxies[0]!;
    assert.equal(proxy.node.kind, 'grpc');
    assert.deepEqual(
      proxy.types.map((t) => t.status),
      ['SYNCED', 'SYNCED', 'SYNCED', 'SYNCED'],
      JSON.stringify(proxy.types),
    );

    const config = await vane.api(
      'GET',
      `/v1/projects/${project}/proxies/${encodeURIComponent(proxy.node.id)}/config`,
    );
    assert.equal(config.status, 200, JSON.stringify(config.body));
    const dump = JSON.stringify(config.body.configDump);
    assert.match(dump, /type\.googleapis\.com\/envoy\.admin\.v3\.ListenersConfigDump/);
    assert.match(dump, /echo\.test:8000/);

    const metrics = await fetch(`${vane.url}/metrics`).then((r) => r.text());
    assert.match(metrics, /^vane_xds_connected_proxies [1-9]/m);
    assert.match(metrics, /^vane_xds_pushes_total\{type="Listener"\} [1-9]/m);

    // The client's own CSDS: every resource it holds, at the version Vane says it ACKed.
    const raw = new RawXdsClient(c.adminPort!);
    const own = await raw.fetchClientStatus();
    const held = new Map<string, string>();
    for (const cfg of own.config[0]!.genericXdsConfigs) {
      held.set(`${cfg.typeUrl.replace(/^type\.googleapis\.com\//, '')}|${cfg.name}`, cfg.versionInfo);
    }
    assert.ok(held.size >= 4, JSON.stringify([...held]));
    for (const t of proxy.types) {
      for (const r of t.resources) {
        const key = `${t.typeUrl.replace(/^type\.googleapis\.com\//, '')}|${r.name}`;
        assert.ok(held.has(key), `client CSDS lacks ${key}: ${JSON.stringify([...held])}`);
      }
    }
    const versionOf = (t: string) => proxy.types.find((x) => x.typeUrl.endsWith(t))!.ackedVersion;
    for (const [key, version] of held) {
      const type = key.split('|')[0]!;
      assert.equal(
        version,
        versionOf(type),
        `${key}: client holds ${version}, Vane recorded ${versionOf(type)}`,
      );
    }
    raw.client.close();

    // Load reports (LRS every second here) reach the per-project view and /metrics.
    const deadline = Date.now() + 15_000;
    let services: { cluster: string; totalRequests: number; locality: { zone: string } }[] = [];
    while (Date.now() < deadline) {
      services = (await vane.api('GET', `/v1/projects/${project}/load`)).body.services as typeof services;
      if (services.some((s) => s.cluster === 'v1' && s.totalRequests > 0)) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const v1 = services.find((s) => s.cluster === 'v1');
    assert.ok(v1 && v1.totalRequests > 0, JSON.stringify(services));
    assert.equal(v1.locality.zone, ZONE);
    const scraped = await fetch(`${vane.url}/metrics`).then((r) => r.text());
    assert.match(
      scraped,
      new RegExp(
        `vane_lrs_requests_per_second\\{project_number="${number}",service="v1",zone="${ZONE}"\\} [0-9.]+`,
      ),
    );
    await c.stop();
  });
});

describe('proxyless gRPC servers', () => {
  test('an XdsServer serves once Vane has its listener, and clients reach it', async () => {
    const { project, number } = await mesh();
    const port = await freePort();
    const child = spawn(process.execPath, [resolve(import.meta.dirname, 'xds-server.js')], {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: {
        ...process.env,
        VANE_XDS_ADDRESS: vane.xdsAddress,
        NODE_ID: `projects/${number}/networks/default/nodes/server-1`,
        NAME: 'xds-server',
        PORT: String(port),
      },
    });
    const states: { serving?: boolean; error?: string }[] = [];
    let changed: () => void = () => {};
    createInterface({ input: child.stdout! }).on('line', (line) => {
      states.push(JSON.parse(line) as { serving?: boolean });
      changed();
    });
    const waitFor = (predicate: () => boolean) =>
      new Promise<void>((res, rej) => {
        const timer = setTimeout(
          () => rej(new Error(`timed out; states: ${JSON.stringify(states)}`)),
          20_000,
        );
        const check = () => {
          if (predicate()) {
            clearTimeout(timer);
            res();
          }
        };
        changed = check;
        check();
      });
    try {
      await new Promise((r) => setTimeout(r, 1000));
      assert.ok(
        !states.some((s) => s.serving === true),
        `serving before Vane knows the endpoint: ${JSON.stringify(states)}`,
      );
      const neg = `/compute/v1/projects/${project}/zones/${ZONE}/networkEndpointGroups/neg-v2`;
      const attached = await vane.api('POST', `${neg}/attachNetworkEndpoints`, {
        networkEndpoints: [{ ipAddress: '127.0.0.1', port }],
      });
      assert.equal(attached.status, 200);
      await waitFor(() => states.some((s) => s.serving === true));
      await vane.api('PATCH', `/compute/v1/projects/${project}/global/urlMaps/echo-map`, {
        pathMatchers: [{ name: 'echo', defaultService: 'global/backendServices/v2' }],
      });
      const c = client(number);
      await c.until((r) => r.backend === 'xds-server', { streak: 1 });
      await c.stop();
    } finally {
      child.stdin!.end();
      await new Promise((r) => child.once('exit', r));
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => res(port));
    });
    srv.on('error', rej);
  });
}
