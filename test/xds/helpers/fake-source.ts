// A ConfigSource for tests: serves Snapshots built from real encoded Envoy resources and
// publishes new ones on demand. Also the builders of those resources.
import { createHash } from 'node:crypto';
import { create, toBinary } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import {
  Cluster_DiscoveryType,
  Cluster_LbPolicy,
  ClusterSchema,
} from '../../../src/gen/envoy/config/cluster/v3/cluster_pb.js';
import { ApiVersion } from '../../../src/gen/envoy/config/core/v3/config_source_pb.js';
import { ClusterLoadAssignmentSchema } from '../../../src/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { ListenerSchema } from '../../../src/gen/envoy/config/listener/v3/listener_pb.js';
import { RouteConfigurationSchema } from '../../../src/gen/envoy/config/route/v3/route_pb.js';
import { RouterSchema } from '../../../src/gen/envoy/extensions/filters/http/router/v3/router_pb.js';
import { HttpConnectionManagerSchema } from '../../../src/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { snapshotChange } from '../../../src/xds/cache/snapshot-change.js';
import {
  type ConfigSource,
  type EncodedResource,
  type NodeInfo,
  type Snapshot,
  type SnapshotChange,
  type Subscription,
  TYPE_URL,
  type TypeUrl,
  type XdsRefusal,
} from '../../../src/xds/types.js';

function hash(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex').slice(0, 16);
}

export function encoded(typeUrl: TypeUrl, name: string, bytes: Uint8Array): EncodedResource {
  return { name, typeUrl, version: hash(bytes), bytes };
}

/** A client Listener (api_listener HCM, RDS over ADS, router last), the kind grpc-js-xds accepts. */
export function listener(name: string, routeConfigName = `${name}-route`, statPrefix = ''): EncodedResource {
  const hcm = create(HttpConnectionManagerSchema, {
    statPrefix,
    routeSpecifier: {
      case: 'rds',
      value: {
        routeConfigName,
        configSource: {
          configSourceSpecifier: { case: 'ads', value: {} },
          resourceApiVersion: ApiVersion.V3,
        },
      },
    },
    httpFilters: [
      {
        name: 'envoy.filters.http.router',
        configType: { case: 'typedConfig', value: anyPack(RouterSchema, create(RouterSchema)) },
      },
    ],
  });
  const l = create(ListenerSchema, {
    name,
    apiListener: { apiListener: anyPack(HttpConnectionManagerSchema, hcm) },
  });
  return encoded(TYPE_URL.listener, name, toBinary(ListenerSchema, l));
}

export function route(name: string, cluster: string, domains: string[] = ['*']): EncodedResource {
  const r = create(RouteConfigurationSchema, {
    name,
    virtualHosts: [
      {
        name: `${name}-vh`,
        domains,
        routes: [
          {
            match: { pathSpecifier: { case: 'prefix', value: '' } },
            action: { case: 'route', value: { clusterSpecifier: { case: 'cluster', value: cluster } } },
          },
        ],
      },
    ],
  });
  return encoded(TYPE_URL.route, name, toBinary(RouteConfigurationSchema, r));
}

export function cluster(name: string, connectTimeoutSeconds = 5): EncodedResource {
  const c = create(ClusterSchema, {
    name,
    clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.EDS },
    edsClusterConfig: {
      serviceName: name,
      edsConfig: { configSourceSpecifier: { case: 'ads', value: {} }, resourceApiVersion: ApiVersion.V3 },
    },
    lbPolicy: Cluster_LbPolicy.ROUND_ROBIN,
    connectTimeout: { seconds: BigInt(connectTimeoutSeconds), nanos: 0 },
  });
  return encoded(TYPE_URL.cluster, name, toBinary(ClusterSchema, c));
}

export function endpoints(clusterName: string, ports: number[], zone = 'us-central1-a'): EncodedResource {
  const cla = create(ClusterLoadAssignmentSchema, {
    clusterName,
    endpoints: [
      {
        locality: { region: zone.replace(/-[a-z]$/, ''), zone },
        loadBalancingWeight: 1,
        lbEndpoints: ports.map((port) => ({
          hostIdentifier: {
            case: 'endpoint' as const,
            value: {
              address: {
                address: {
                  case: 'socketAddress' as const,
                  value: { address: '127.0.0.1', portSpecifier: { case: 'portValue' as const, value: port } },
                },
              },
            },
          },
        })),
      },
    ],
  });
  return encoded(TYPE_URL.endpoint, clusterName, toBinary(ClusterLoadAssignmentSchema, cla));
}

/** A Snapshot with content-hash versions per type (a hash of the sorted name:version pairs). */
export function snapshotOf(resources: EncodedResource[]): Snapshot {
  const byType = new Map<TypeUrl, Map<string, EncodedResource>>();
  for (const t of Object.values(TYPE_URL)) byType.set(t, new Map());
  for (const r of [...resources].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    byType.get(r.typeUrl)!.set(r.name, r);
  }
  const versions = new Map<TypeUrl, string>();
  for (const [t, m] of byType)
    versions.set(t, hash([...m.values()].map((r) => `${r.name}:${r.version}`).join('\n')));
  return { resources: byType, versions };
}

/** Listener → route → cluster → endpoints for one service. */
export function serviceResources(service: string, ports: number[] = [8080]): EncodedResource[] {
  return [
    listener(service, `${service}-route`),
    route(`${service}-route`, service),
    cluster(service),
    endpoints(service, ports),
  ];
}

export class FakeSource implements ConfigSource {
  private current: Snapshot;
  private readonly listeners = new Set<(s: Snapshot, change?: SnapshotChange) => void>();
  /** Nodes that subscribed, in order. */
  readonly subscribed: NodeInfo[] = [];
  /** Nodes that passed `check`. */
  readonly checked: NodeInfo[] = [];
  /** Returns a refusal to throw for a node, or undefined to admit it. */
  refuse: (node: NodeInfo) => XdsRefusal | undefined = () => undefined;
  /** Delay before subscribe resolves (lets tests send requests while identification is pending). */
  subscribeDelayMs = 0;

  constructor(initial: Snapshot = snapshotOf([])) {
    this.current = initial;
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  get snapshot(): Snapshot {
    return this.current;
  }

  /**
   * Publishes a snapshot with what changed since the current one, as the snapshot cache does;
   * `change` overrides it (`undefined`: none, every stream evaluates everything).
   */
  publish(
    snapshot: Snapshot,
    change: SnapshotChange | undefined = snapshotChange(this.current, snapshot),
  ): void {
    this.current = snapshot;
    for (const l of [...this.listeners]) l(snapshot, change);
  }

  async subscribe(
    node: NodeInfo,
    onChange: (snapshot: Snapshot, change?: SnapshotChange) => void,
  ): Promise<Subscription> {
    const refusal = this.refuse(node);
    if (refusal) throw refusal;
    if (this.subscribeDelayMs > 0) await new Promise((r) => setTimeout(r, this.subscribeDelayMs));
    this.subscribed.push(node);
    this.listeners.add(onChange);
    return {
      current: () => this.current,
      close: () => {
        this.listeners.delete(onChange);
      },
    };
  }

  async check(node: NodeInfo): Promise<void> {
    const refusal = this.refuse(node);
    if (refusal) throw refusal;
    this.checked.push(node);
  }
}
