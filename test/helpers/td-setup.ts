import assert from 'node:assert/strict';
import { G, Z } from './api-suite.js';
import type { TestServer } from './server.js';

export const ZONE_A = 'us-central1-a';
export const ZONE_B = 'us-east1-b';

/** Creates the project and a complete proxyless gRPC service chain; asserts every step succeeded. */
export async function createMesh(
  s: TestServer,
  project: string,
  opts: { createProject?: boolean } = {},
): Promise<void> {
  const ok = async (method: string, path: string, body?: unknown) => {
    const res = await s.api(method, path, body);
    assert.equal(res.status, 200, `${method} ${path}: ${JSON.stringify(res.body)}`);
    return res.body;
  };
  if (opts.createProject !== false) await ok('POST', '/v1/projects', { projectId: project });
  await ok('POST', G(project, 'healthChecks'), {
    name: 'grpc-hc',
    type: 'GRPC',
    grpcHealthCheck: { portSpecification: 'USE_SERVING_PORT', grpcServiceName: 'wallet' },
  });
  for (const zone of [ZONE_A, ZONE_B]) {
    await ok('POST', Z(project, zone, 'networkEndpointGroups'), {
      name: 'wallet-neg',
      networkEndpointType: 'GCE_VM_IP_PORT',
      defaultPort: 50051,
    });
    await ok('POST', `${Z(project, zone, 'networkEndpointGroups', 'wallet-neg')}/attachNetworkEndpoints`, {
      networkEndpoints: [
        { ipAddress: zone === ZONE_A ? '10.0.0.1' : '10.1.0.1', port: 50051 },
        { ipAddress: zone === ZONE_A ? '10.0.0.2' : '10.1.0.2' },
      ],
    });
  }
  for (const name of ['wallet-v1', 'wallet-v2']) {
    await ok('POST', G(project, 'backendServices'), {
      name,
      loadBalancingScheme: 'INTERNAL_SELF_MANAGED',
      protocol: 'GRPC',
      healthChecks: ['global/healthChecks/grpc-hc'],
      backends: [ZONE_A, ZONE_B].map((zone) => ({
        group: `zones/${zone}/networkEndpointGroups/wallet-neg`,
        balancingMode: 'RATE',
        maxRatePerEndpoint: 5,
      })),
    });
  }
  await ok('POST', G(project, 'urlMaps'), {
    name: 'wallet-map',
    defaultService: 'global/backendServices/wallet-v1',
    hostRules: [{ hosts: ['wallet.example.com'], pathMatcher: 'wallet' }],
    pathMatchers: [
      {
        name: 'wallet',
        defaultService: 'global/backendServices/wallet-v1',
        routeRules: [
          {
            priority: 0,
            matchRules: [{ prefixMatch: '/', headerMatches: [{ headerName: 'route', exactMatch: 'v2' }] }],
            service: 'global/backendServices/wallet-v2',
          },
          {
            priority: 1,
            matchRules: [{ prefixMatch: '/' }],
            routeAction: {
              weightedBackendServices: [
                { backendService: 'global/backendServices/wallet-v1', weight: 50 },
                { backendService: 'global/backendServices/wallet-v2', weight: 50 },
              ],
            },
          },
        ],
      },
    ],
  });
  await ok('POST', G(project, 'targetGrpcProxies'), {
    name: 'wallet-proxy',
    urlMap: 'global/urlMaps/wallet-map',
    validateForProxyless: true,
  });
  await ok('POST', G(project, 'forwardingRules'), {
    name: 'wallet-rule',
    loadBalancingScheme: 'INTERNAL_SELF_MANAGED',
    IPAddress: '0.0.0.0',
    portRange: '80',
    network: 'global/networks/default',
    target: 'global/targetGrpcProxies/wallet-proxy',
  });
}
