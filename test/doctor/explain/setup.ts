// A project for explain and diff tests: real backends (one stopped, so its health check
// fails), two zones, a header-matched route rule, a weighted default, a rule withheld by
// metadataFilters, a drained backend, a VIP rule for sidecars and a label-gated rule.
import assert from 'node:assert/strict';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { NodeSchema } from '../../../src/gen/envoy/config/core/v3/base_pb.js';
import { TYPE_URL } from '../../../src/xds/types.js';
import { type Backend, startBackend } from '../../helpers/backends.js';
import { FAST_TCP_HEALTH_CHECK } from '../../helpers/routing-docs.js';
import type { TestServer } from '../../helpers/server.js';
import { ZONE_A, ZONE_B } from '../../helpers/td-setup.js';
import { RawXdsClient, type SotwStream } from '../../xds/helpers/raw-client.js';

export const P = 'ex';
export const VIP = '10.9.0.5';
const G = (kind: string, name: string) => `global/${kind}/${name}`;

export interface Shop {
  number: string;
  backends: Backend[];
}

/** Creates project `ex`; backend s2 is stopped, so its endpoint turns UNHEALTHY. */
export async function createShop(vane: TestServer): Promise<Shop> {
  const created = await vane.api('POST', '/v1/projects', { projectId: P });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const backends = [await startBackend('s1'), await startBackend('s2'), await startBackend('s3')];
  const [s1, s2, s3] = backends as [Backend, Backend, Backend];
  const resources = [
    FAST_TCP_HEALTH_CHECK,
    {
      kind: 'networkEndpointGroup',
      name: 'neg-a',
      zone: ZONE_A,
      networkEndpoints: [s1, s2].map((b) => ({ ipAddress: '127.0.0.1', port: b.port })),
    },
    {
      kind: 'networkEndpointGroup',
      name: 'neg-b',
      zone: ZONE_B,
      networkEndpoints: [{ ipAddress: '127.0.0.1', port: s3.port }],
    },
    {
      kind: 'networkEndpointGroup',
      name: 'neg-drain',
      zone: ZONE_A,
      networkEndpoints: [{ ipAddress: '127.0.0.2', port: s1.port }],
    },
    {
      kind: 'backendService',
      name: 'main',
      protocol: 'GRPC',
      healthChecks: [G('healthChecks', 'tcp')],
      backends: [
        { group: `zones/${ZONE_A}/networkEndpointGroups/neg-a` },
        { group: `zones/${ZONE_B}/networkEndpointGroups/neg-b` },
        { group: `zones/${ZONE_A}/networkEndpointGroups/neg-drain`, capacityScaler: 0 },
      ],
    },
    {
      kind: 'backendService',
      name: 'canary',
      protocol: 'GRPC',
      backends: [{ group: `zones/${ZONE_B}/networkEndpointGroups/neg-b` }],
    },
    {
      kind: 'urlMap',
      name: 'shop-map',
      defaultService: G('backendServices', 'main'),
      hostRules: [{ hosts: ['shop.test'], pathMatcher: 'pm' }],
      pathMatchers: [
        {
          name: 'pm',
          defaultService: G('backendServices', 'main'),
          routeRules: [
            {
              priority: 5,
              matchRules: [
                {
                  prefixMatch: '/',
                  metadataFilters: [
                    { filterMatchCriteria: 'MATCH_ALL', filterLabels: [{ name: 'track', value: 'beta' }] },
                  ],
                },
              ],
              service: G('backendServices', 'canary'),
            },
            {
              priority: 10,
              matchRules: [
                {
                  prefixMatch: '/vane.test.Echo/',
                  headerMatches: [{ headerName: 'x-canary', exactMatch: 'yes' }],
                },
              ],
              service: G('backendServices', 'canary'),
            },
            {
              priority: 20,
              matchRules: [{ prefixMatch: '/' }],
              routeAction: {
                weightedBackendServices: [
                  { backendService: G('backendServices', 'main'), weight: 80 },
                  { backendService: G('backendServices', 'canary'), weight: 20 },
                ],
              },
            },
          ],
        },
      ],
    },
    { kind: 'targetGrpcProxy', name: 'shop-proxy', urlMap: G('urlMaps', 'shop-map') },
    {
      kind: 'forwardingRule',
      name: 'shop-rule',
      IPAddress: '0.0.0.0',
      portRange: '8000',
      target: G('targetGrpcProxies', 'shop-proxy'),
    },
    {
      kind: 'forwardingRule',
      name: 'shop-vip',
      IPAddress: VIP,
      portRange: '80',
      target: G('targetGrpcProxies', 'shop-proxy'),
    },
    {
      kind: 'forwardingRule',
      name: 'labelled',
      IPAddress: '0.0.0.0',
      portRange: '9000',
      target: G('targetGrpcProxies', 'shop-proxy'),
      metadataFilters: [{ filterMatchCriteria: 'MATCH_ALL', filterLabels: [{ name: 'env', value: 'prod' }] }],
    },
  ];
  const applied = await vane.api('POST', `/v1/projects/${P}/apply`, { resources });
  assert.equal(applied.status, 200, JSON.stringify(applied.body));
  await s2.stop();
  await waitFor(vane, 'health: s2 UNHEALTHY, s1 and s3 HEALTHY', async () => {
    const h = (await vane.api('GET', `/v1/projects/${P}/backendServices/main/health`)).body as {
      endpoints: { port: number; state: string; group: string }[];
    };
    const state = (b: Backend) =>
      h.endpoints.find((e) => e.port === b.port && !e.group.endsWith('neg-drain'))?.state;
    return state(s1) === 'HEALTHY' && state(s2) === 'UNHEALTHY' && state(s3) === 'HEALTHY';
  });
  return { number: String(created.body.projectNumber), backends };
}

export async function waitFor(
  _vane: TestServer,
  what: string,
  ok: () => Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The node id of the connected proxy of `kind` (grpc-js clients pick a random id). */
export async function nodeIdOf(vane: TestServer, kind: 'grpc' | 'envoy'): Promise<string> {
  let id: string | undefined;
  await waitFor(vane, `a connected ${kind} proxy`, async () => {
    const list = (await vane.api('GET', `/v1/projects/${P}/proxies`)).body as {
      proxies: { node?: { id: string; kind: string } }[];
    };
    id = list.proxies.find((p) => p.node?.kind === kind)?.node?.id;
    return id !== undefined;
  });
  return id!;
}

export const SIDECAR_ID = (number: string) => `projects/${number}/networks/default/nodes/sidecar-1`;

/**
 * An Envoy-style sidecar over a raw ADS stream, subscribing as Envoy does: LDS and CDS
 * wildcard, then RDS and EDS by the names those carry.
 */
export async function connectSidecar(
  vane: TestServer,
  number: string,
): Promise<{ client: RawXdsClient; stream: SotwStream }> {
  const port = Number(vane.xdsAddress.split(':').pop());
  const client = new RawXdsClient(port);
  const stream = client.sotw();
  const node: MessageInitShape<typeof NodeSchema> = {
    id: SIDECAR_ID(number),
    userAgentName: 'envoy',
    locality: { zone: ZONE_A },
    metadata: { TRAFFICDIRECTOR_INTERCEPTION_PORT: '15001' },
  };
  stream.send({ node, typeUrl: TYPE_URL.cluster });
  const cds = await nextOf(stream, TYPE_URL.cluster);
  stream.send({ typeUrl: TYPE_URL.cluster, versionInfo: cds.versionInfo, responseNonce: cds.nonce });
  stream.send({ typeUrl: TYPE_URL.listener });
  const lds = await nextOf(stream, TYPE_URL.listener);
  stream.send({ typeUrl: TYPE_URL.listener, versionInfo: lds.versionInfo, responseNonce: lds.nonce });
  stream.send({ typeUrl: TYPE_URL.endpoint, resourceNames: ['canary', 'main'] });
  const eds = await nextOf(stream, TYPE_URL.endpoint);
  stream.send({
    typeUrl: TYPE_URL.endpoint,
    resourceNames: ['canary', 'main'],
    versionInfo: eds.versionInfo,
    responseNonce: eds.nonce,
  });
  stream.send({ typeUrl: TYPE_URL.route, resourceNames: [`URL_MAP/${number}_shop-map`] });
  const rds = await nextOf(stream, TYPE_URL.route);
  stream.send({
    typeUrl: TYPE_URL.route,
    resourceNames: [`URL_MAP/${number}_shop-map`],
    versionInfo: rds.versionInfo,
    responseNonce: rds.nonce,
  });
  return { client, stream };
}

/** The next response of one type (a health push of another type may come first). */
async function nextOf(stream: SotwStream, typeUrl: string) {
  for (;;) {
    const res = await stream.next(5000);
    if (res.typeUrl === typeUrl) return res;
  }
}
