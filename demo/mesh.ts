// The demo's resources, created and changed through Vane's REST API as a user would: a gRPC
// health check, one NEG per version and zone holding the real backends, backend services
// wallet-v1 and wallet-v2, a URL map splitting between them (and sending `route: v2` to
// v2), a target gRPC proxy and a forwarding rule on port 80 for wallet.example.com.

export const PROJECT = 'demo';
export const HOST = 'wallet.example.com';
export const ZONES = ['us-central1-a', 'us-east1-b'] as const;
export const VERSIONS = ['v1', 'v2'] as const;
export type Version = (typeof VERSIONS)[number];

/** A backend the mesh routes to. */
export interface Endpoint {
  zone: string;
  version: Version;
  port: number;
}

/** A JSON-over-HTTP client of Vane's REST API with a bearer token. */
export class VaneApi {
  constructor(
    readonly url: string,
    readonly token: string,
  ) {}

  async request<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(this.url + path, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
    return (text ? JSON.parse(text) : {}) as T;
  }
}

const service = (version: Version) => `global/backendServices/wallet-${version}`;

/** The URL map: `route: v2` goes to v2; everything else is split v1/v2 by weight. */
export function urlMap(v1Weight: number): Record<string, unknown> {
  return {
    kind: 'urlMap',
    name: 'wallet-map',
    defaultService: service('v1'),
    hostRules: [{ hosts: [HOST], pathMatcher: 'wallet' }],
    pathMatchers: [
      {
        name: 'wallet',
        defaultService: service('v1'),
        routeRules: [
          {
            priority: 0,
            matchRules: [{ prefixMatch: '/', headerMatches: [{ headerName: 'route', exactMatch: 'v2' }] }],
            service: service('v2'),
          },
          {
            priority: 1,
            matchRules: [{ prefixMatch: '/' }],
            routeAction: {
              weightedBackendServices: [
                { backendService: service('v1'), weight: v1Weight },
                { backendService: service('v2'), weight: 100 - v1Weight },
              ],
            },
          },
        ],
      },
    ],
  };
}

/** Every resource of the demo mesh, as `vane apply` documents. */
export function meshResources(endpoints: readonly Endpoint[]): Record<string, unknown>[] {
  const negName = (version: Version) => `wallet-${version}-neg`;
  return [
    {
      kind: 'healthCheck',
      name: 'wallet-hc',
      type: 'GRPC',
      // Probed every second so that a stopped backend shows within a second or two.
      checkIntervalSec: 1,
      timeoutSec: 1,
      healthyThreshold: 1,
      unhealthyThreshold: 1,
      grpcHealthCheck: { portSpecification: 'USE_SERVING_PORT', grpcServiceName: 'wallet' },
    },
    ...VERSIONS.flatMap((version) =>
      ZONES.map((zone) => ({
        kind: 'networkEndpointGroup',
        name: negName(version),
        zone,
        networkEndpointType: 'GCE_VM_IP_PORT',
        networkEndpoints: endpoints
          .filter((e) => e.zone === zone && e.version === version)
          .map((e) => ({ ipAddress: '127.0.0.1', port: e.port })),
      })),
    ),
    ...VERSIONS.map((version) => ({
      kind: 'backendService',
      name: `wallet-${version}`,
      loadBalancingScheme: 'INTERNAL_SELF_MANAGED',
      protocol: 'GRPC',
      healthChecks: ['global/healthChecks/wallet-hc'],
      backends: ZONES.map((zone) => ({
        group: `zones/${zone}/networkEndpointGroups/${negName(version)}`,
        balancingMode: 'RATE',
        // Far above the demo's load, so that traffic stays in the client's zone until health says otherwise.
        maxRatePerEndpoint: 1000,
      })),
    })),
    urlMap(50),
    {
      kind: 'targetGrpcProxy',
      name: 'wallet-proxy',
      urlMap: 'global/urlMaps/wallet-map',
      validateForProxyless: true,
    },
    {
      kind: 'forwardingRule',
      name: 'wallet-rule',
      loadBalancingScheme: 'INTERNAL_SELF_MANAGED',
      IPAddress: '0.0.0.0',
      portRange: '80',
      network: 'global/networks/default',
      target: 'global/targetGrpcProxies/wallet-proxy',
    },
  ];
}

/** Creates the project and the mesh; returns the project number (what proxies name in their node id). */
export async function createMesh(api: VaneApi, endpoints: readonly Endpoint[]): Promise<string> {
  const project = await api.request<{ projectNumber: string }>('POST', '/v1/projects', {
    projectId: PROJECT,
  });
  await api.request('POST', `/v1/projects/${PROJECT}/apply`, { resources: meshResources(endpoints) });
  return String(project.projectNumber);
}

/** Changes the split to `v1Weight` % v1, the rest v2 (the same request `vane apply -f` makes). */
export async function setSplit(api: VaneApi, v1Weight: number): Promise<void> {
  await api.request('POST', `/v1/projects/${PROJECT}/apply`, { resources: [urlMap(v1Weight)] });
}

interface HealthView {
  endpoints: { ipAddress: string; port: number; state: string }[];
}

/** Endpoint states of one backend service: `port → HEALTHY | UNHEALTHY | …`. */
export async function endpointStates(api: VaneApi, version: Version): Promise<Map<number, string>> {
  const view = await api.request<HealthView>(
    'GET',
    `/v1/projects/${PROJECT}/backendServices/wallet-${version}/health`,
  );
  return new Map(view.endpoints.map((e) => [Number(e.port), e.state]));
}

/** Waits until every endpoint of both services is HEALTHY. */
export async function waitHealthy(
  api: VaneApi,
  endpoints: readonly Endpoint[],
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const unhealthy: string[] = [];
    for (const version of VERSIONS) {
      const states = await endpointStates(api, version);
      for (const e of endpoints.filter((x) => x.version === version)) {
        const state = states.get(e.port) ?? 'MISSING';
        if (state !== 'HEALTHY') unhealthy.push(`wallet-${version} 127.0.0.1:${e.port} ${state}`);
      }
    }
    if (unhealthy.length === 0) return;
    if (Date.now() > deadline)
      throw new Error(`backends not healthy after ${timeoutMs} ms: ${unhealthy.join(', ')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
