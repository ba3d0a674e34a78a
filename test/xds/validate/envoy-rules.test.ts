// The validator on the real Envoy types Vane emits: each rule kind that occurs in their
// descriptors, violated and satisfied, plus a realistic sidecar that must validate cleanly.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { create, type DescMessage, type Message, type MessageInitShape } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import {
  AccessLogFilterSchema,
  type GrpcStatusFilter_Status,
} from '../../../src/gen/envoy/config/accesslog/v3/accesslog_pb.js';
import { ClusterSchema } from '../../../src/gen/envoy/config/cluster/v3/cluster_pb.js';
import {
  AddressSchema,
  type SocketAddress_Protocol,
  SocketAddressSchema,
} from '../../../src/gen/envoy/config/core/v3/address_pb.js';
import {
  HeaderValueSchema,
  MetadataSchema,
  RequestMethod,
} from '../../../src/gen/envoy/config/core/v3/base_pb.js';
import { RateLimitSettingsSchema } from '../../../src/gen/envoy/config/core/v3/config_source_pb.js';
import { TypedExtensionConfigSchema } from '../../../src/gen/envoy/config/core/v3/extension_pb.js';
import { HealthCheck_HttpHealthCheckSchema } from '../../../src/gen/envoy/config/core/v3/health_check_pb.js';
import {
  SchemeHeaderTransformationSchema,
  UpstreamHttpProtocolOptionsSchema,
} from '../../../src/gen/envoy/config/core/v3/protocol_pb.js';
import { UdpSocketConfigSchema } from '../../../src/gen/envoy/config/core/v3/udp_socket_config_pb.js';
import { ClusterLoadAssignmentSchema } from '../../../src/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import {
  FilterChainMatchSchema,
  ListenerFilterChainMatchPredicateSchema,
} from '../../../src/gen/envoy/config/listener/v3/listener_components_pb.js';
import { ListenerSchema } from '../../../src/gen/envoy/config/listener/v3/listener_pb.js';
import {
  DirectResponseActionSchema,
  InternalRedirectPolicySchema,
  RetryPolicy_RetryBackOffSchema,
  RouteMatchSchema,
  RouteSchema,
  WeightedCluster_ClusterWeightSchema,
} from '../../../src/gen/envoy/config/route/v3/route_components_pb.js';
import { RouteConfigurationSchema } from '../../../src/gen/envoy/config/route/v3/route_pb.js';
import { RouterSchema } from '../../../src/gen/envoy/extensions/filters/http/router/v3/router_pb.js';
import { HttpConnectionManagerSchema } from '../../../src/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { PercentSchema } from '../../../src/gen/envoy/type/v3/percent_pb.js';
import { checkConsistency } from '../../../src/xds/validate/consistency.js';
import { ruleKindsIn } from '../../../src/xds/validate/inventory.js';
import { SUPPORTED_RULE_KINDS, validateMessage } from '../../../src/xds/validate/proto-rules.js';
import { envoyRegistry } from '../../../src/xds/validate/registry.js';
import { CLUSTERS, cluster, hcm, listener, loadAssignment, routeConfiguration } from './sidecar.js';

function check<D extends DescMessage>(
  schema: D,
  init: MessageInitShape<D>,
): { path: string; rule: string }[] {
  return validateMessage(schema, create(schema, init) as Message).map(({ path, rule }) => ({ path, rule }));
}

interface Case<D extends DescMessage = DescMessage> {
  name: string;
  schema: D;
  bad: MessageInitShape<D>;
  good: MessageInitShape<D>;
  expect: { path: string; rule: string }[];
}

function c<D extends DescMessage>(x: Case<D>): Case {
  return x as unknown as Case;
}

const ADS = { configSourceSpecifier: { case: 'ads' as const, value: {} } };

const sock = (port: number) => ({
  address: {
    case: 'socketAddress' as const,
    value: { address: '10.0.0.1', portSpecifier: { case: 'portValue' as const, value: port } },
  },
});

const CASES: Case[] = [
  c({
    name: 'HCM stat_prefix empty (string.min_len)',
    schema: HttpConnectionManagerSchema,
    bad: {
      statPrefix: '',
      routeSpecifier: { case: 'rds', value: { routeConfigName: 'r', configSource: ADS } },
    },
    good: {
      statPrefix: 'ingress',
      routeSpecifier: { case: 'rds', value: { routeConfigName: 'r', configSource: ADS } },
    },
    expect: [{ path: 'stat_prefix', rule: 'string.min_len' }],
  }),
  c({
    name: 'HCM without a route specifier (oneof.required)',
    schema: HttpConnectionManagerSchema,
    bad: { statPrefix: 'x' },
    good: {
      statPrefix: 'x',
      routeSpecifier: { case: 'rds', value: { routeConfigName: 'r', configSource: ADS } },
    },
    expect: [{ path: 'route_specifier', rule: 'oneof.required' }],
  }),
  c({
    name: 'virtual host without domains (repeated.min_items)',
    schema: RouteConfigurationSchema,
    bad: {
      name: 'r',
      virtualHosts: [
        { name: 'a', domains: ['a'] },
        { name: 'b', domains: [] },
      ],
    },
    good: {
      name: 'r',
      virtualHosts: [
        { name: 'a', domains: ['a'] },
        { name: 'b', domains: ['*'] },
      ],
    },
    expect: [{ path: 'virtual_hosts[1].domains', rule: 'repeated.min_items' }],
  }),
  c({
    name: 'domain with a newline (items → well_known_regex HTTP_HEADER_VALUE, not strict)',
    schema: RouteConfigurationSchema,
    bad: { name: 'r', virtualHosts: [{ name: 'a', domains: ['ok', 'evil\nhost'] }] },
    good: { name: 'r', virtualHosts: [{ name: 'a', domains: ['ok', 'under_score.host:8080'] }] },
    expect: [{ path: 'virtual_hosts[0].domains[1]', rule: 'string.well_known_regex' }],
  }),
  c({
    name: 'header name with a newline (well_known_regex HTTP_HEADER_NAME)',
    schema: RouteConfigurationSchema,
    bad: { name: 'r', requestHeadersToAdd: [{ header: { key: 'x-bad\nname', value: 'v' } }] },
    good: { name: 'r', requestHeadersToAdd: [{ header: { key: 'x-good', value: 'v' } }] },
    expect: [{ path: 'request_headers_to_add[0].header.key', rule: 'string.well_known_regex' }],
  }),
  c({
    name: 'header name empty (string.min_len) and too long (string.max_bytes)',
    schema: HeaderValueSchema,
    bad: { key: 'x'.repeat(16385) },
    good: { key: 'x'.repeat(16384) },
    expect: [{ path: 'key', rule: 'string.max_bytes' }],
  }),
  c({
    name: 'negative connect_timeout (duration.gt)',
    schema: ClusterSchema,
    bad: { name: 'c', connectTimeout: { seconds: -1n } },
    good: { name: 'c', connectTimeout: { nanos: 250_000_000 } },
    expect: [{ path: 'connect_timeout', rule: 'duration.gt' }],
  }),
  c({
    name: 'retry back-off without base_interval (duration.required)',
    schema: RetryPolicy_RetryBackOffSchema,
    bad: {},
    good: { baseInterval: { nanos: 25_000_000 } },
    expect: [{ path: 'base_interval', rule: 'duration.required' }],
  }),
  c({
    name: 'locality load_balancing_weight 0 (UInt32Value, uint32.gte)',
    schema: ClusterLoadAssignmentSchema,
    bad: { clusterName: 'c', endpoints: [{ loadBalancingWeight: 0 }] },
    good: { clusterName: 'c', endpoints: [{ loadBalancingWeight: 1 }] },
    expect: [{ path: 'endpoints[0].load_balancing_weight', rule: 'uint32.gte' }],
  }),
  c({
    name: 'overprovisioning_factor 0 (uint32.gt)',
    schema: ClusterLoadAssignmentSchema,
    bad: { clusterName: 'c', policy: { overprovisioningFactor: 0 } },
    good: { clusterName: 'c', policy: { overprovisioningFactor: 140 } },
    expect: [{ path: 'policy.overprovisioning_factor', rule: 'uint32.gt' }],
  }),
  c({
    name: 'ClusterLoadAssignment without cluster_name (string.min_len)',
    schema: ClusterLoadAssignmentSchema,
    bad: {},
    good: { clusterName: 'c' },
    expect: [{ path: 'cluster_name', rule: 'string.min_len' }],
  }),
  c({
    name: 'filter name empty (string.min_len)',
    schema: ListenerSchema,
    bad: { name: 'l', filterChains: [{ filters: [{ name: '' }] }] },
    good: { name: 'l', filterChains: [{ filters: [{ name: 'envoy.filters.network.tcp_proxy' }] }] },
    expect: [{ path: 'filter_chains[0].filters[0].name', rule: 'string.min_len' }],
  }),
  c({
    name: 'port above 65535 (uint32.lte)',
    schema: SocketAddressSchema,
    bad: { address: '0.0.0.0', portSpecifier: { case: 'portValue', value: 65536 } },
    good: { address: '0.0.0.0', portSpecifier: { case: 'portValue', value: 65535 } },
    expect: [{ path: 'port_value', rule: 'uint32.lte' }],
  }),
  c({
    name: 'socket address without address / port (string.min_len, oneof.required)',
    schema: AddressSchema,
    bad: { address: { case: 'socketAddress', value: {} } },
    good: sock(80),
    expect: [
      { path: 'socket_address.port_specifier', rule: 'oneof.required' },
      { path: 'socket_address.address', rule: 'string.min_len' },
    ],
  }),
  c({
    name: 'Address with nothing set (oneof.required)',
    schema: AddressSchema,
    bad: {},
    good: sock(80),
    expect: [{ path: 'address', rule: 'oneof.required' }],
  }),
  c({
    name: 'enum value not defined (enum.defined_only)',
    schema: SocketAddressSchema,
    bad: {
      address: '::',
      protocol: 7 as SocketAddress_Protocol,
      portSpecifier: { case: 'portValue', value: 1 },
    },
    good: { address: '::', protocol: 1, portSpecifier: { case: 'portValue', value: 1 } },
    expect: [{ path: 'protocol', rule: 'enum.defined_only' }],
  }),
  c({
    name: 'health check method CONNECT (enum.not_in)',
    schema: HealthCheck_HttpHealthCheckSchema,
    bad: { path: '/healthz', method: RequestMethod.CONNECT },
    good: { path: '/healthz', method: RequestMethod.GET },
    expect: [{ path: 'method', rule: 'enum.not_in' }],
  }),
  c({
    name: 'route without match (message.required)',
    schema: RouteSchema,
    bad: { action: { case: 'route', value: { clusterSpecifier: { case: 'cluster', value: 'c' } } } },
    good: {
      match: { pathSpecifier: { case: 'prefix', value: '/' } },
      action: { case: 'route', value: { clusterSpecifier: { case: 'cluster', value: 'c' } } },
    },
    expect: [{ path: 'match', rule: 'message.required' }],
  }),
  c({
    name: 'path_separated_prefix ending in / (string.pattern)',
    schema: RouteMatchSchema,
    bad: { pathSpecifier: { case: 'pathSeparatedPrefix', value: '/api/' } },
    good: { pathSpecifier: { case: 'pathSeparatedPrefix', value: '/api' } },
    expect: [{ path: 'path_separated_prefix', rule: 'string.pattern' }],
  }),
  c({
    name: 'direct response status 99 (uint32 gte/lt range)',
    schema: DirectResponseActionSchema,
    bad: { status: 99 },
    good: { status: 200 },
    expect: [{ path: 'status', rule: 'uint32.gte_lt' }],
  }),
  c({
    name: 'source_ports item 0 (repeated.items → uint32 range)',
    schema: FilterChainMatchSchema,
    bad: { sourcePorts: [443, 0] },
    good: { sourcePorts: [443, 1] },
    expect: [{ path: 'source_ports[1]', rule: 'uint32.gte_lte' }],
  }),
  c({
    name: 'router strict_check_headers (repeated.items → string.in)',
    schema: RouterSchema,
    bad: { strictCheckHeaders: ['x-envoy-upstream-rq-timeout-ms', 'x-foo'] },
    good: { strictCheckHeaders: ['x-envoy-max-retries'] },
    expect: [{ path: 'strict_check_headers[1]', rule: 'string.in' }],
  }),
  c({
    name: 'response_headers_to_copy duplicated (repeated.unique)',
    schema: InternalRedirectPolicySchema,
    bad: { responseHeadersToCopy: ['x-a', 'x-a'] },
    good: { responseHeadersToCopy: ['x-a', 'x-b'] },
    expect: [{ path: 'response_headers_to_copy[1]', rule: 'repeated.unique' }],
  }),
  c({
    name: 'too many request_headers_to_add (repeated.max_items)',
    schema: WeightedCluster_ClusterWeightSchema,
    bad: {
      name: 'c',
      requestHeadersToAdd: Array.from({ length: 1001 }, () => ({ header: { key: 'x', value: 'y' } })),
    },
    good: { name: 'c', requestHeadersToAdd: [{ header: { key: 'x', value: 'y' } }] },
    expect: [{ path: 'request_headers_to_add', rule: 'repeated.max_items' }],
  }),
  c({
    name: 'override_auto_sni_header (string.ignore_empty)',
    schema: UpstreamHttpProtocolOptionsSchema,
    bad: { overrideAutoSniHeader: 'bad header' },
    good: { overrideAutoSniHeader: '' },
    expect: [{ path: 'override_auto_sni_header', rule: 'string.well_known_regex' }],
  }),
  c({
    name: 'scheme_to_overwrite (string.in)',
    schema: SchemeHeaderTransformationSchema,
    bad: { transformation: { case: 'schemeToOverwrite', value: 'ftp' } },
    good: { transformation: { case: 'schemeToOverwrite', value: 'https' } },
    expect: [{ path: 'scheme_to_overwrite', rule: 'string.in' }],
  }),
  c({
    name: 'metadata with an empty filter name (map.keys → string.min_len)',
    schema: MetadataSchema,
    bad: { filterMetadata: { '': {} } },
    good: { filterMetadata: { 'envoy.lb': { canary: true } } },
    expect: [{ path: 'filter_metadata[""]', rule: 'string.min_len' }],
  }),
  c({
    name: 'Percent above 100 (double gte/lte)',
    schema: PercentSchema,
    bad: { value: 100.5 },
    good: { value: 12.5 },
    expect: [{ path: 'value', rule: 'double.gte_lte' }],
  }),
  c({
    name: 'fill_rate 0 (DoubleValue, double.gt)',
    schema: RateLimitSettingsSchema,
    bad: { fillRate: 0 },
    good: { fillRate: 0.5 },
    expect: [{ path: 'fill_rate', rule: 'double.gt' }],
  }),
  c({
    name: 'max_rx_datagram_size 65536 (UInt64Value, uint64 gt/lt)',
    schema: UdpSocketConfigSchema,
    bad: { maxRxDatagramSize: 65536n },
    good: { maxRxDatagramSize: 1500n },
    expect: [{ path: 'max_rx_datagram_size', rule: 'uint64.gt_lt' }],
  }),
  c({
    name: 'any_match false (bool.const)',
    schema: ListenerFilterChainMatchPredicateSchema,
    bad: { rule: { case: 'anyMatch', value: false } },
    good: { rule: { case: 'anyMatch', value: true } },
    expect: [{ path: 'any_match', rule: 'bool.const' }],
  }),
  c({
    name: 'TypedExtensionConfig without typed_config (any.required)',
    schema: TypedExtensionConfigSchema,
    bad: { name: 'x' },
    good: { name: 'x', typedConfig: anyPack(RouterSchema, create(RouterSchema)) },
    expect: [{ path: 'typed_config', rule: 'any.required' }],
  }),
  c({
    name: 'access log gRPC status filter with an undefined status (items → enum.defined_only)',
    schema: AccessLogFilterSchema,
    bad: {
      filterSpecifier: { case: 'grpcStatusFilter', value: { statuses: [0, 99 as GrpcStatusFilter_Status] } },
    },
    good: { filterSpecifier: { case: 'grpcStatusFilter', value: { statuses: [0, 14] } } },
    expect: [{ path: 'grpc_status_filter.statuses[1]', rule: 'enum.defined_only' }],
  }),
];

describe('Envoy types: each rule kind violated and satisfied', () => {
  for (const x of CASES) {
    it(x.name, () => {
      assert.deepEqual(check(x.schema, x.bad), x.expect);
      assert.deepEqual(check(x.schema, x.good), []);
    });
  }
});

describe('google.protobuf.Any is unpacked and validated recursively', () => {
  it('an HCM packed in a listener filter is validated, with an Envoy-style path', () => {
    const h = hcm();
    h.statPrefix = '';
    const rds = h.routeSpecifier;
    assert.equal(rds.case, 'rds');
    h.routeSpecifier = {
      case: 'routeConfig',
      value: create(RouteConfigurationSchema, {
        virtualHosts: [
          { name: 'ok', domains: ['*'] },
          { name: 'bad', domains: [] },
        ],
      }),
    };
    const v = validateMessage(ListenerSchema, listener(h));
    assert.deepEqual(
      v.map((x) => `${x.path} ${x.rule}`),
      [
        'filter_chains[0].filters[0].typed_config.stat_prefix string.min_len',
        'filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[1].domains repeated.min_items',
      ],
    );
  });
  it('an HCM in api_listener and filters inside the HCM (http_filters typed_config) are validated', () => {
    const h = hcm();
    h.httpFilters[2].configType = {
      case: 'typedConfig',
      value: anyPack(RouterSchema, create(RouterSchema, { strictCheckHeaders: ['nope'] })),
    };
    const l = create(ListenerSchema, {
      name: 'api',
      apiListener: { apiListener: anyPack(HttpConnectionManagerSchema, h) },
    });
    assert.deepEqual(
      validateMessage(ListenerSchema, l).map((x) => `${x.path} ${x.rule}`),
      ['api_listener.api_listener.http_filters[2].typed_config.strict_check_headers[0] string.in'],
    );
  });
  it('an Any of an unknown type is a violation by default, and only then', () => {
    const l = create(ListenerSchema, {
      name: 'l',
      filterChains: [
        {
          filters: [
            {
              name: 'x',
              configType: { case: 'typedConfig', value: { typeUrl: 'type.googleapis.com/acme.Unknown' } },
            },
          ],
        },
      ],
    });
    assert.deepEqual(validateMessage(ListenerSchema, l), [
      {
        path: 'filter_chains[0].filters[0].typed_config',
        rule: 'any.unknown_type',
        message: 'unknown type type.googleapis.com/acme.Unknown',
      },
    ]);
    assert.deepEqual(validateMessage(ListenerSchema, l, { unknownAnyIsViolation: false }), []);
  });
  it('an Any packed by the caller is validated from the message it was packed from, when given', () => {
    const bad = create(HttpConnectionManagerSchema, { statPrefix: '' });
    const any = anyPack(HttpConnectionManagerSchema, bad);
    const l = create(ListenerSchema, {
      name: 'l',
      filterChains: [{ filters: [{ name: 'hcm', configType: { case: 'typedConfig', value: any } }] }],
    });
    const expected = [
      'filter_chains[0].filters[0].typed_config.stat_prefix string.min_len',
      'filter_chains[0].filters[0].typed_config.route_specifier oneof.required',
    ].sort();
    const rules = (packedFrom?: (a: typeof any) => Message | undefined) =>
      validateMessage(ListenerSchema, l, { packedFrom })
        .map((x) => `${x.path} ${x.rule}`)
        .sort();
    assert.deepEqual(rules(), expected, 'decoded from the bytes');
    const asked: unknown[] = [];
    assert.deepEqual(
      rules((a) => {
        asked.push(a);
        return bad;
      }),
      expected,
      'read from the message',
    );
    assert.equal(asked.length, 1);
    assert.equal(asked[0], l.filterChains[0]!.filters[0]!.configType.value, 'asked about that Any');
    // A message of another type than the Any names is not taken for it.
    assert.deepEqual(
      rules(() => create(RouterSchema)),
      expected,
    );
  });
  it('an Any whose bytes do not decode is a violation', () => {
    const l = create(ListenerSchema, {
      name: 'l',
      filterChains: [
        {
          filters: [
            {
              name: 'x',
              configType: {
                case: 'typedConfig',
                value: {
                  typeUrl: `type.googleapis.com/${RouterSchema.typeName}`,
                  value: new Uint8Array([0xff, 0xff]),
                },
              },
            },
          ],
        },
      ],
    });
    assert.deepEqual(
      validateMessage(ListenerSchema, l).map((x) => x.rule),
      ['any.decode'],
    );
  });
  it('typed_extension_protocol_options map values (Any) are validated', () => {
    const c0 = cluster('c');
    c0.typedExtensionProtocolOptions['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'] = anyPack(
      HttpConnectionManagerSchema,
      create(HttpConnectionManagerSchema),
    );
    const v = validateMessage(ClusterSchema, c0).map((x) => `${x.path} ${x.rule}`);
    assert.deepEqual(v, [
      'typed_extension_protocol_options["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"].route_specifier oneof.required',
      'typed_extension_protocol_options["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"].stat_prefix string.min_len',
    ]);
  });
});

describe('resource names', () => {
  it('a Cluster without a name violates string.min_len', () => {
    assert.deepEqual(check(ClusterSchema, { connectTimeout: { seconds: 1n } }), [
      { path: 'name', rule: 'string.min_len' },
    ]);
  });
  it("a Listener without a name: Envoy's proto has no rule on it, consistency reports it", () => {
    const l = listener();
    l.name = '';
    assert.deepEqual(validateMessage(ListenerSchema, l), []);
    assert.deepEqual(
      checkConsistency({ listeners: [l], routes: [routeConfiguration()], clusters: [], endpoints: [] })
        .filter((v) => v.rule === 'name.empty')
        .map((v) => v.path),
      ['listeners[0]'],
    );
  });
});

describe('a realistic sidecar configuration', () => {
  it('Listener, RouteConfiguration, Clusters and ClusterLoadAssignments produce no violations', () => {
    assert.deepEqual(validateMessage(ListenerSchema, listener()), []);
    assert.deepEqual(validateMessage(RouteConfigurationSchema, routeConfiguration()), []);
    for (const name of CLUSTERS) {
      assert.deepEqual(validateMessage(ClusterSchema, cluster(name)), []);
      assert.deepEqual(validateMessage(ClusterLoadAssignmentSchema, loadAssignment(name)), []);
    }
  });
});

describe('coverage of the rule kinds in the descriptors Vane emits', () => {
  const EMITTED = [
    'envoy.config.listener.v3.Listener',
    'envoy.config.route.v3.RouteConfiguration',
    'envoy.config.cluster.v3.Cluster',
    'envoy.config.endpoint.v3.ClusterLoadAssignment',
    'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
    'envoy.extensions.filters.http.router.v3.Router',
    'envoy.extensions.filters.http.fault.v3.HTTPFault',
    'envoy.extensions.filters.http.cors.v3.Cors',
    'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
    'envoy.extensions.access_loggers.file.v3.FileAccessLog',
    'envoy.extensions.filters.listener.original_dst.v3.OriginalDst',
    'envoy.extensions.request_id.uuid.v3.UuidRequestIdConfig',
    'envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
  ];
  it('every rule kind occurring in them (and in all generated envoy.* types) is implemented', () => {
    const registry = envoyRegistry();
    const roots = EMITTED.map((n) => {
      const d = registry.getMessage(n);
      assert.ok(d, n);
      return d;
    });
    const kinds = ruleKindsIn(roots);
    assert.ok(kinds.size >= 30, `only ${kinds.size} rule kinds found`);
    for (const [kind, where] of kinds)
      assert.ok(SUPPORTED_RULE_KINDS.has(kind), `${kind} (${where.join(', ')})`);
    const all: DescMessage[] = [];
    for (const t of registry) if (t.kind === 'message' && t.typeName.startsWith('envoy.')) all.push(t);
    for (const [kind, where] of ruleKindsIn(all))
      assert.ok(SUPPORTED_RULE_KINDS.has(kind), `${kind} (${where.join(', ')})`);
  });
});
