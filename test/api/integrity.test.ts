import assert from 'node:assert/strict';
import { test } from 'node:test';
import { firstError, forEachStore, G, uniqueProject, Z } from '../helpers/api-suite.js';
import { createMesh, ZONE_A } from '../helpers/td-setup.js';

forEachStore('integrity across resources', (server) => {
  test('a resource in use cannot be deleted; the error names the user', async () => {
    const s = server();
    const p = uniqueProject();
    await createMesh(s, p);
    const cases: [string, string][] = [
      [G(p, 'healthChecks', 'grpc-hc'), 'backendServices/wallet-'],
      [Z(p, ZONE_A, 'networkEndpointGroups', 'wallet-neg'), 'backendServices/wallet-'],
      [G(p, 'backendServices', 'wallet-v2'), 'urlMaps/wallet-map'],
      [G(p, 'urlMaps', 'wallet-map'), 'targetGrpcProxies/wallet-proxy'],
      [G(p, 'targetGrpcProxies', 'wallet-proxy'), 'forwardingRules/wallet-rule'],
      [G(p, 'networks', 'default'), '/'],
    ];
    for (const [path, user] of cases) {
      const res = await s.api('DELETE', path);
      assert.equal(res.status, 400, path);
      const err = firstError(res.body);
      assert.equal(err.reason, 'resourceInUseByAnotherResource', path);
      assert.ok(err.message.includes(user), `${path}: ${err.message}`);
    }
    // Top-down deletion works.
    for (const path of [
      G(p, 'forwardingRules', 'wallet-rule'),
      G(p, 'targetGrpcProxies', 'wallet-proxy'),
      G(p, 'urlMaps', 'wallet-map'),
    ]) {
      assert.equal((await s.api('DELETE', path)).status, 200, path);
    }
  });

  test('a gRPC target proxy needs GRPC backend services, whichever link changes', async () => {
    const s = server();
    const p = uniqueProject();
    await createMesh(s, p);
    const patchBs = await s.api('PATCH', G(p, 'backendServices', 'wallet-v2'), { protocol: 'HTTP' });
    assert.equal(patchBs.status, 400);
    assert.equal(firstError(patchBs.body).location, 'protocol');
    assert.match(firstError(patchBs.body).message, /wallet-proxy/);

    await s.api('POST', G(p, 'backendServices'), { name: 'web', protocol: 'HTTP' });
    const patchMap = await s.api('PATCH', G(p, 'urlMaps', 'wallet-map'), {
      defaultService: 'global/backendServices/web',
    });
    assert.equal(patchMap.status, 400);
    assert.equal(firstError(patchMap.body).location, 'defaultService');

    await s.api('POST', G(p, 'urlMaps'), { name: 'web-map', defaultService: 'global/backendServices/web' });
    const proxy = await s.api('POST', G(p, 'targetGrpcProxies'), {
      name: 'bad-proxy',
      urlMap: 'global/urlMaps/web-map',
    });
    assert.equal(proxy.status, 400);
    assert.equal(firstError(proxy.body).location, 'urlMap');
    assert.equal(
      (
        await s.api('POST', G(p, 'targetHttpProxies'), {
          name: 'web-proxy',
          urlMap: 'global/urlMaps/web-map',
        })
      ).status,
      200,
    );
  });

  test('validateForProxyless refuses what proxyless gRPC cannot do', async () => {
    const s = server();
    const p = uniqueProject();
    await createMesh(s, p);
    const timeout = await s.api('PATCH', G(p, 'urlMaps', 'wallet-map'), {
      pathMatchers: [
        {
          name: 'wallet',
          defaultService: 'global/backendServices/wallet-v1',
          defaultRouteAction: undefined,
          headerAction: { requestHeadersToAdd: [{ headerName: 'x', headerValue: 'y', replace: true }] },
        },
      ],
    });
    assert.equal(timeout.status, 400);
    assert.match(firstError(timeout.body).location ?? '', /^pathMatchers\[0\]\.headerAction/);
    assert.match(firstError(timeout.body).message, /validateForProxyless/);

    const vip = await s.api('POST', G(p, 'forwardingRules'), {
      name: 'vip-rule',
      IPAddress: '10.9.9.9',
      portRange: '8080',
      target: 'global/targetGrpcProxies/wallet-proxy',
    });
    assert.equal(vip.status, 400);
    assert.equal(firstError(vip.body).location, 'IPAddress');

    const affinity = await s.api('PATCH', G(p, 'backendServices', 'wallet-v1'), {
      sessionAffinity: 'CLIENT_IP',
      localityLbPolicy: 'RING_HASH',
    });
    assert.equal(affinity.status, 400);
    assert.equal(firstError(affinity.body).location, 'sessionAffinity');
  });

  test('forwarding rules: one per network/IP/port, a single port, the mesh scheme, a target proxy', async () => {
    const s = server();
    const p = uniqueProject();
    await createMesh(s, p);
    const base = { IPAddress: '0.0.0.0', target: 'global/targetGrpcProxies/wallet-proxy' };
    const clash = await s.api('POST', G(p, 'forwardingRules'), {
      ...base,
      name: 'again',
      portRange: '80-80',
    });
    assert.equal(clash.status, 400);
    assert.equal(firstError(clash.body).location, 'portRange');
    assert.match(firstError(clash.body).message, /wallet-rule/);
    const range = await s.api('POST', G(p, 'forwardingRules'), {
      ...base,
      name: 'range',
      portRange: '80-90',
    });
    assert.equal(firstError(range.body).location, 'portRange');
    const scheme = await s.api('POST', G(p, 'forwardingRules'), {
      ...base,
      name: 'ext',
      portRange: '81',
      loadBalancingScheme: 'EXTERNAL',
    });
    assert.equal(firstError(scheme.body).location, 'loadBalancingScheme');
    const target = await s.api('POST', G(p, 'forwardingRules'), {
      ...base,
      name: 'tgt',
      portRange: '82',
      target: 'global/urlMaps/wallet-map',
    });
    assert.equal(firstError(target.body).location, 'target');
    const ok = await s.api('POST', G(p, 'forwardingRules'), {
      ...base,
      name: 'other-port',
      portRange: '8080',
    });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal((await s.api('GET', G(p, 'forwardingRules', 'other-port'))).body.portRange, '8080-8080');
  });

  test('target TCP proxies take one backend service and no URL map', async () => {
    const s = server();
    const p = uniqueProject();
    await createMesh(s, p);
    await s.api('POST', G(p, 'backendServices'), { name: 'db', protocol: 'TCP' });
    const withMap = await s.api('POST', G(p, 'targetTcpProxies'), {
      name: 't',
      service: 'global/backendServices/db',
      urlMap: 'global/urlMaps/wallet-map',
    });
    assert.equal(withMap.status, 400);
    assert.equal(firstError(withMap.body).location, 'urlMap');
    const grpcService = await s.api('POST', G(p, 'targetTcpProxies'), {
      name: 't',
      service: 'global/backendServices/wallet-v1',
    });
    assert.equal(firstError(grpcService.body).location, 'service');
    assert.equal(
      (await s.api('POST', G(p, 'targetTcpProxies'), { name: 't', service: 'global/backendServices/db' }))
        .status,
      200,
    );
  });

  test('URL map rules report their exact field path', async () => {
    const s = server();
    const p = uniqueProject();
    await createMesh(s, p);
    const map = (await s.api('GET', G(p, 'urlMaps', 'wallet-map'))).body as {
      pathMatchers: { routeRules: { priority: number }[] }[];
    };
    map.pathMatchers[0]!.routeRules[1]!.priority = 0;
    const dup = await s.api('PUT', G(p, 'urlMaps', 'wallet-map'), { ...map, fingerprint: undefined });
    assert.equal(dup.status, 400);
    assert.equal(firstError(dup.body).location, 'pathMatchers[0].routeRules[1].priority');
    const hostRule = await s.api('PATCH', G(p, 'urlMaps', 'wallet-map'), {
      hostRules: [{ hosts: ['x.example.com'], pathMatcher: 'nope' }],
    });
    assert.equal(firstError(hostRule.body).location, 'hostRules[0].pathMatcher');
    const big = await s.api('POST', G(p, 'urlMaps'), {
      name: 'big',
      defaultService: 'global/backendServices/wallet-v1',
      description: 'x'.repeat(2000),
      hostRules: Array.from({ length: 600 }, (_, i) => ({
        hosts: [`h${i}.example.com`],
        pathMatcher: 'pm',
        description: 'y'.repeat(900),
      })),
      pathMatchers: [{ name: 'pm', defaultService: 'global/backendServices/wallet-v1' }],
    });
    assert.equal(big.status, 400, 'a URL map over 524 KB is refused');
    assert.match(JSON.stringify(big.body), /KB|bytes/);
  });
});
