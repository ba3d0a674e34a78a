// Inputs for the pure analysis: a small healthy proxyless mesh (as the API stores it) that
// tests copy and break, and hand-made proxy views as the connection registry reports them.
import { stringify } from 'yaml';
import type { AnalysisInput } from '../../../src/doctor/analyze/index.js';
import type { Finding } from '../../../src/doctor/finding.js';
import type { ProxyView, TypeView } from '../../../src/xds/registry.js';
import { type NodeInfo, TYPE_URL } from '../../../src/xds/types.js';
import { fixtureFromYaml } from '../../translate/fixture.js';

export const NOW = Date.parse('2026-03-01T12:00:00Z');
export const NEG = 'zones/us-central1-a/networkEndpointGroups/neg';

type Doc = {
  project: { id: string; number: string };
  resources: Record<string, Record<string, unknown>[]>;
  endpoints: Record<string, { ipAddress: string; port: number }[]>;
  health?: Record<string, string>;
};

/** A healthy mesh: svc.test:80 → map → svc (health-checked, two endpoints). */
export function meshDoc(): Doc {
  return {
    project: { id: 'p', number: '123' },
    resources: {
      networks: [{ name: 'default' }],
      healthChecks: [{ name: 'hc', type: 'TCP', tcpHealthCheck: { portSpecification: 'USE_SERVING_PORT' } }],
      networkEndpointGroups: [{ name: 'neg', zone: 'us-central1-a', defaultPort: 50051 }],
      backendServices: [
        {
          name: 'svc',
          protocol: 'GRPC',
          healthChecks: ['global/healthChecks/hc'],
          backends: [{ group: NEG }],
        },
      ],
      urlMaps: [
        {
          name: 'map',
          defaultService: 'global/backendServices/svc',
          hostRules: [{ hosts: ['svc.test'], pathMatcher: 'pm' }],
          pathMatchers: [{ name: 'pm', defaultService: 'global/backendServices/svc' }],
        },
      ],
      targetGrpcProxies: [{ name: 'proxy', urlMap: 'global/urlMaps/map', validateForProxyless: true }],
      forwardingRules: [rule('rule', 'global/targetGrpcProxies/proxy', '80')],
    },
    endpoints: {
      [NEG]: [
        { ipAddress: '10.0.0.1', port: 50051 },
        { ipAddress: '10.0.0.2', port: 50051 },
      ],
    },
  };
}

export function rule(name: string, target: string, port: string, ip = '0.0.0.0', network = 'default') {
  return {
    name,
    loadBalancingScheme: 'INTERNAL_SELF_MANAGED',
    IPAddress: ip,
    portRange: port,
    network: `global/networks/${network}`,
    target,
  };
}

export function inputOf(doc: Doc, extra: Partial<AnalysisInput> = {}): AnalysisInput {
  const { input } = fixtureFromYaml(stringify(doc));
  return { config: input, proxies: [], refusals: [], guestAttributes: new Map(), now: NOW, ...extra };
}

export function node(id: string, opts: Partial<NodeInfo> = {}): NodeInfo {
  const m = /^projects\/(\d+)\/networks\/([^/]+)\//.exec(id);
  return {
    id,
    cluster: '',
    userAgentName: 'grpc-node-js',
    userAgentVersion: '1.14',
    locality: { region: '', zone: 'us-central1-a', subZone: '' },
    metadata: {},
    clientFeatures: [],
    projectNumber: m?.[1] ?? '123',
    network: m?.[2] ?? 'default',
    kind: 'grpc',
    ...opts,
  };
}

export function proxyView(n: NodeInfo, types: Partial<TypeView>[] = []): ProxyView {
  return {
    streamId: 'sotw-1',
    protocol: 'sotw',
    peer: 'ipv4:127.0.0.1:5000',
    connectedAt: new Date(NOW).toISOString(),
    node: n,
    types: types.map((t) => ({
      typeUrl: TYPE_URL.listener,
      status: 'SYNCED',
      wildcard: false,
      subscribed: [],
      sentVersion: 'v1',
      sentNonce: '1',
      sentAt: undefined,
      ackedVersion: 'v1',
      nack: undefined,
      resources: [],
      ...t,
    })),
  };
}

export const codes = (findings: readonly Finding[]): string[] => findings.map((f) => f.code);
export const only = (findings: readonly Finding[], code: string): Finding[] =>
  findings.filter((f) => f.code === code);
