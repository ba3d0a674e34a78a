// The pure diff core: reading dumps in their several shapes and comparing by name and field.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diffConfigs, readProxyConfig } from '../../../src/doctor/diff/index.js';

const CLA = 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment';
const cla = (weight?: number) => ({
  '@type': CLA,
  cluster_name: 'svc',
  endpoints: [
    {
      locality: { zone: 'us-central1-a' },
      load_balancing_weight: 100,
      lb_endpoints: [
        {
          endpoint: { address: { socket_address: { address: '10.0.0.1', port_value: 80 } } },
          health_status: 'HEALTHY',
          ...(weight === undefined ? {} : { load_balancing_weight: weight }),
        },
      ],
    },
  ],
});
const dump = (c: object, extra: object = {}) => ({
  configs: [
    {
      '@type': 'type.googleapis.com/envoy.admin.v3.EndpointsConfigDump',
      dynamic_endpoint_configs: [
        { version_info: 'v1', endpoint_config: c, last_updated: '2026-01-01T00:00:00Z' },
      ],
      ...extra,
    },
  ],
});

test("versions and Envoy's own defaults (endpoint weight 1, overprovisioning 140) are not differences", () => {
  const vane = readProxyConfig(dump(cla()));
  const proxy = readProxyConfig(dump({ ...cla(1), policy: { overprovisioning_factor: 140 } }));
  const d = diffConfigs(vane, proxy);
  assert.equal(d.equal, true, JSON.stringify(d));
  assert.deepEqual(d.types.find((t) => t.type === 'endpoints')?.same, ['svc']);
  // Types the dump does not cover are not compared, and say so.
  assert.equal(d.types.find((t) => t.type === 'listeners')?.compared, false);
  assert.ok(d.notes.includes("the proxy's input has no listeners: not compared"));
  // A weight other than the default is a difference, by path.
  const other = diffConfigs(vane, readProxyConfig(dump(cla(3))));
  assert.deepEqual(other.types.find((t) => t.type === 'endpoints')?.different, [
    { name: 'svc', fields: [{ path: 'endpoints[0].lbEndpoints[0].loadBalancingWeight', proxy: 3 }], more: 0 },
  ]);
});

test('CSDS: generic configs (with or without the type URL prefix) and the older per-type dumps', () => {
  const generic = readProxyConfig(
    {
      config: [
        { node: { id: 'other' }, generic_xds_configs: [] },
        {
          node: { id: 'n1' },
          generic_xds_configs: [
            { type_url: 'envoy.config.endpoint.v3.ClusterLoadAssignment', name: 'svc', xds_config: cla() },
            { type_url: 'envoy.config.cluster.v3.Cluster', name: 'gone', client_status: 'DOES_NOT_EXIST' },
          ],
        },
      ],
    },
    { nodeId: 'n1' },
  );
  assert.equal(generic.format, 'csds');
  assert.equal(generic.nodeId, 'n1');
  assert.deepEqual([...generic.resources.endpoints.keys()], ['svc']);
  assert.ok(
    generic.notes.some((n) => n.includes('clusters gone: DOES_NOT_EXIST')),
    JSON.stringify(generic.notes),
  );

  const legacy = readProxyConfig({
    config: [{ node: { id: 'n1' }, xdsConfig: [{ endpointConfig: dump(cla()).configs[0] }] }],
  });
  assert.deepEqual([...legacy.resources.endpoints.keys()], ['svc']);
  assert.equal(diffConfigs(legacy, generic).types.find((t) => t.type === 'endpoints')?.same.length, 1);
});

test('listeners: active state is compared, warming and rejected ones are noted; static ones are not compared', () => {
  const set = readProxyConfig({
    configs: [
      {
        '@type': 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump',
        static_listeners: [{ listener: { name: 'admin' } }],
        dynamic_listeners: [
          { name: 'a', active_state: { listener: { '@type': 'x', name: 'a' } } },
          { name: 'b', warming_state: { listener: { name: 'b' } } },
          { name: 'c', error_state: { details: 'bad' } },
        ],
      },
    ],
  });
  assert.deepEqual([...set.resources.listeners.keys()], ['a', 'b']);
  assert.deepEqual(set.notes, [
    '1 static listeners from the bootstrap are not compared',
    'listener b is only warming',
    'listener c was rejected by the proxy',
  ]);
  assert.throws(() => readProxyConfig({ version: '1.15' }), /found neither 'configs'/);
});
