import assert from 'node:assert/strict';
import { G } from './api-suite.js';
import type { TestServer } from './server.js';

/**
 * A sidecar service at `vip:80` (override with `rule`, e.g. `{portRange: '81'}` or
 * `{network: 'global/networks/other'}`): an empty HTTP backend service, a URL map, a target
 * HTTP proxy and an INTERNAL_SELF_MANAGED forwarding rule, all named `name`.
 */
export async function createSidecarService(
  s: TestServer,
  project: string,
  name: string,
  vip: string,
  rule: Record<string, unknown> = {},
): Promise<void> {
  const ok = async (path: string, body: unknown) => {
    const res = await s.api('POST', path, body);
    assert.equal(res.status, 200, `POST ${path}: ${JSON.stringify(res.body)}`);
  };
  await ok(G(project, 'backendServices'), {
    name,
    loadBalancingScheme: 'INTERNAL_SELF_MANAGED',
    protocol: 'HTTP',
  });
  await ok(G(project, 'urlMaps'), { name, defaultService: `global/backendServices/${name}` });
  await ok(G(project, 'targetHttpProxies'), { name, urlMap: `global/urlMaps/${name}` });
  await ok(G(project, 'forwardingRules'), {
    name,
    loadBalancingScheme: 'INTERNAL_SELF_MANAGED',
    IPAddress: vip,
    portRange: '80',
    network: 'global/networks/default',
    target: `global/targetHttpProxies/${name}`,
    ...rule,
  });
}
