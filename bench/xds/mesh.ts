// The bench mesh: per service i a NEG `neg-i` with E endpoints and a backend service `svc-i`; the
// services are spread over M URL maps (`map-m` serves services i ≡ m mod M, one host rule
// `svc-i.bench` each), each behind a target gRPC proxy and a 0.0.0.0 forwarding rule on its own
// port (80 for map-0, 8000+m for the others: proxyless rules take one port each). Created through
// `POST /v1/projects/{p}/apply` in batches (one transaction each).
import type { TestServer } from '../../test/helpers/server.js';

export const PROJECT = 'bench';
export const ZONE = 'us-central1-a';
const PER_APPLY = 100;

export class Mesh {
  constructor(
    readonly services: number,
    readonly endpoints: number,
    readonly urlMaps: number,
    /** Envoy sidecars are served through target HTTP proxies, proxyless clients through target gRPC proxies. */
    readonly target: 'grpc' | 'http' = 'grpc',
  ) {}

  mapOf(service: number): number {
    return service % this.urlMaps;
  }

  port(map: number): number {
    return map === 0 ? 80 : 8000 + map;
  }

  /** The authority a client of service i dials: the LDS resource name. */
  authority(service: number): string {
    return `svc-${service}.bench:${this.port(this.mapOf(service))}`;
  }

  routeConfig(projectNumber: string, service: number): string {
    return `URL_MAP/${projectNumber}_map-${this.mapOf(service)}`;
  }

  /** Creates the project and the mesh; returns the project number. */
  async create(server: TestServer): Promise<string> {
    const created = await server.api('POST', '/v1/projects', { projectId: PROJECT });
    if (created.status !== 200) throw new Error(`create project: ${JSON.stringify(created.body)}`);
    const docs = this.docs();
    for (let first = 0; first < docs.length; first += PER_APPLY * 2) {
      const resources = docs.slice(first, first + PER_APPLY * 2);
      const applied = await server.api('POST', `/v1/projects/${PROJECT}/apply`, { resources });
      if (applied.status !== 200) throw new Error(`apply: ${JSON.stringify(applied.body).slice(0, 2000)}`);
    }
    return String(created.body.projectNumber);
  }

  /** Attaches one new endpoint to service i's NEG. */
  async attachEndpoint(server: TestServer, i: number, n: number): Promise<void> {
    const res = await server.api('POST', `${negPath(i)}/attachNetworkEndpoints`, {
      networkEndpoints: [{ ipAddress: `10.254.${(n >> 8) & 255}.${n & 255}`, port: 8080 }],
    });
    if (res.status !== 200) throw new Error(`attach: ${JSON.stringify(res.body)}`);
  }

  /** Detaches (`up` false) or re-attaches service i's endpoint j: the endpoint flap. */
  async flapEndpoint(server: TestServer, i: number, j: number, up: boolean): Promise<void> {
    const verb = up ? 'attachNetworkEndpoints' : 'detachNetworkEndpoints';
    const res = await server.api('POST', `${negPath(i)}/${verb}`, {
      networkEndpoints: [{ ipAddress: this.endpointIp(i, j), port: 8080 }],
    });
    if (res.status !== 200) throw new Error(`${verb}: ${JSON.stringify(res.body)}`);
  }

  endpointIp(i: number, j: number): string {
    return `10.${(i >> 8) & 255}.${i & 255}.${j + 1}`;
  }

  /** Adds a header-matched route rule for service i to its URL map (same service: no new clusters). */
  async patchRoute(server: TestServer, i: number, n: number): Promise<void> {
    const path = `/compute/v1/projects/${PROJECT}/global/urlMaps/map-${this.mapOf(i)}`;
    const got = await server.api('GET', path);
    if (got.status !== 200) throw new Error(`get url map: ${JSON.stringify(got.body)}`);
    const service = `global/backendServices/svc-${i}`;
    const pathMatchers = (got.body.pathMatchers as Record<string, unknown>[]).map((pm) =>
      pm.name !== `svc-${i}`
        ? pm
        : {
            ...pm,
            routeRules: [
              {
                priority: 0,
                matchRules: [
                  { prefixMatch: '/', headerMatches: [{ headerName: 'x-bench', exactMatch: `${n}` }] },
                ],
                service,
              },
            ],
          },
    );
    const res = await server.api('PATCH', path, { pathMatchers, fingerprint: got.body.fingerprint });
    if (res.status !== 200) throw new Error(`patch url map: ${JSON.stringify(res.body)}`);
  }

  /** Every resource of the mesh as `apply` documents (`kind` and the body; NEGs carry their endpoints). */
  docs(): Record<string, unknown>[] {
    const docs: Record<string, unknown>[] = [];
    for (let i = 0; i < this.services; i++) docs.push(...this.serviceDocs(i));
    for (let m = 0; m < Math.min(this.urlMaps, this.services); m++) docs.push(...this.mapDocs(m));
    return docs;
  }

  private serviceDocs(i: number): Record<string, unknown>[] {
    return [
      {
        kind: 'networkEndpointGroup',
        name: `neg-${i}`,
        zone: ZONE,
        networkEndpointType: 'GCE_VM_IP_PORT',
        defaultPort: 8080,
        networkEndpoints: Array.from({ length: this.endpoints }, (_, j) => ({
          ipAddress: this.endpointIp(i, j),
          port: 8080,
        })),
      },
      {
        kind: 'backendService',
        name: `svc-${i}`,
        loadBalancingScheme: 'INTERNAL_SELF_MANAGED',
        protocol: 'GRPC',
        backends: [
          {
            group: `zones/${ZONE}/networkEndpointGroups/neg-${i}`,
            balancingMode: 'RATE',
            maxRatePerEndpoint: 100,
          },
        ],
      },
    ];
  }

  private mapDocs(m: number): Record<string, unknown>[] {
    const services: number[] = [];
    for (let i = m; i < this.services; i += this.urlMaps) services.push(i);
    return [
      {
        kind: 'urlMap',
        name: `map-${m}`,
        defaultService: `global/backendServices/svc-${services[0]}`,
        hostRules: services.map((i) => ({ hosts: [`svc-${i}.bench`], pathMatcher: `svc-${i}` })),
        pathMatchers: services.map((i) => ({
          name: `svc-${i}`,
          defaultService: `global/backendServices/svc-${i}`,
        })),
      },
      this.target === 'grpc'
        ? {
            kind: 'targetGrpcProxy',
            name: `proxy-${m}`,
            urlMap: `global/urlMaps/map-${m}`,
            validateForProxyless: true,
          }
        : { kind: 'targetHttpProxy', name: `proxy-${m}`, urlMap: `global/urlMaps/map-${m}` },
      {
        kind: 'forwardingRule',
        name: `rule-${m}`,
        loadBalancingScheme: 'INTERNAL_SELF_MANAGED',
        IPAddress: '0.0.0.0',
        portRange: String(this.port(m)),
        network: 'global/networks/default',
        target: `global/${this.target === 'grpc' ? 'targetGrpcProxies' : 'targetHttpProxies'}/proxy-${m}`,
      },
    ];
  }
}

function negPath(i: number): string {
  return `/compute/v1/projects/${PROJECT}/zones/${ZONE}/networkEndpointGroups/neg-${i}`;
}
