// Every golden case's output, for every view, against Envoy's own protoc-gen-validate rules
// and the snapshot consistency check: the proof that sidecar and proxyless configuration is
// well formed without an Envoy binary. (The snapshot cache applies the same checks before
// it publishes anything.)
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ClusterSchema } from '../../src/gen/envoy/config/cluster/v3/cluster_pb.js';
import { ClusterLoadAssignmentSchema } from '../../src/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { ListenerSchema } from '../../src/gen/envoy/config/listener/v3/listener_pb.js';
import { RouteConfigurationSchema } from '../../src/gen/envoy/config/route/v3/route_pb.js';
import {
  serverListenerNames,
  translateConfig,
  translateEndpoints,
  translateServerListener,
} from '../../src/translate/index.js';
import { checkConsistency, validateMessage } from '../../src/xds/validate/index.js';
import { loadFixture, TESTDATA } from './fixture.js';

const cases = readdirSync(TESTDATA)
  .filter((f) => f.endsWith('.in.yaml'))
  .map((f) => f.replace(/\.in\.yaml$/, ''));

test('there are golden cases to check', () => {
  assert.ok(cases.length >= 5, cases.join());
});

for (const name of cases) {
  test(`${name}: every resource of every view passes Envoy's validation rules`, () => {
    const fixture = loadFixture(join(TESTDATA, `${name}.in.yaml`));
    let checked = 0;
    for (const [viewName, view] of fixture.views) {
      const config = translateConfig(fixture.input, view);
      const { endpoints } = translateEndpoints(fixture.input, view);
      const servers = serverListenerNames(fixture.input, view)
        .map((n) => translateServerListener(view, n))
        .filter((l) => l !== undefined);
      const problems = [
        ...[...config.listeners, ...servers].flatMap((m) =>
          validateMessage(ListenerSchema, m).map((v) => `listener ${m.name}: ${v.path}: ${v.message}`),
        ),
        ...config.routes.flatMap((m) =>
          validateMessage(RouteConfigurationSchema, m).map((v) => `route ${m.name}: ${v.path}: ${v.message}`),
        ),
        ...config.clusters.flatMap((m) =>
          validateMessage(ClusterSchema, m).map((v) => `cluster ${m.name}: ${v.path}: ${v.message}`),
        ),
        ...endpoints.flatMap((m) =>
          validateMessage(ClusterLoadAssignmentSchema, m).map(
            (v) => `endpoints ${m.clusterName}: ${v.path}: ${v.message}`,
          ),
        ),
        ...checkConsistency({ ...config, endpoints }).map((v) => `snapshot: ${v.path}: ${v.message}`),
      ];
      assert.deepEqual(problems, [], `view ${viewName}`);
      checked +=
        config.listeners.length +
        servers.length +
        config.routes.length +
        config.clusters.length +
        endpoints.length;
    }
    assert.ok(checked > 0, 'the case produced resources to check');
  });
}
