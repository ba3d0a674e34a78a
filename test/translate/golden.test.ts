// Golden files: testdata/<case>.in.yaml → <case>.out.yaml (IR and issues) and one file per
// xDS type. VANE_UPDATE_GOLDEN=1 rewrites them and deletes stale ones.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  buildConfigIr,
  buildEndpointsIr,
  translateConfig,
  translateEndpoints,
} from '../../src/translate/index.js';
import { consistencyProblems, loadFixture, renderYaml, TESTDATA, xdsDocuments } from './fixture.js';

const UPDATE = process.env.VANE_UPDATE_GOLDEN === '1';
const OUTPUTS = ['out', 'listeners', 'routes', 'clusters', 'endpoints'] as const;

const cases = readdirSync(TESTDATA)
  .filter((f) => f.endsWith('.in.yaml'))
  .map((f) => f.slice(0, -'.in.yaml'.length))
  .sort();

test('there are golden cases', () => {
  assert.ok(cases.length >= 6, `found ${cases.length} cases in ${TESTDATA}`);
});

for (const name of cases) {
  test(`golden: ${name}`, () => {
    const { input, views } = loadFixture(join(TESTDATA, `${name}.in.yaml`));
    const docs: Record<(typeof OUTPUTS)[number], Record<string, unknown>> = {
      out: {},
      listeners: {},
      routes: {},
      clusters: {},
      endpoints: {},
    };
    for (const [viewName, view] of views) {
      const config = translateConfig(input, view);
      const endpoints = translateEndpoints(input, view);
      assert.deepEqual(consistencyProblems(config, endpoints), [], `view ${viewName}`);
      const ir = buildConfigIr(input, view);
      const eps = buildEndpointsIr(input, view);
      docs.out[viewName] = {
        view,
        issues: ir.issues,
        endpointIssues: eps.issues,
        ir: {
          listeners: ir.listeners,
          routeConfigs: ir.routeConfigs,
          clusters: ir.clusters,
          endpoints: eps.endpoints,
        },
      };
      const x = xdsDocuments(config, endpoints);
      docs.listeners[viewName] = x.listeners;
      docs.routes[viewName] = x.routes;
      docs.clusters[viewName] = x.clusters;
      docs.endpoints[viewName] = x.endpoints;
    }
    const single = views.size === 1 && views.has('default');
    for (const kind of OUTPUTS) {
      const file = join(TESTDATA, `${name}.${kind}.yaml`);
      const text = renderYaml(single ? docs[kind].default : docs[kind]);
      if (UPDATE) {
        writeFileSync(file, text);
        continue;
      }
      assert.ok(existsSync(file), `${file} is missing: run with VANE_UPDATE_GOLDEN=1`);
      assert.equal(
        text,
        readFileSync(file, 'utf8'),
        `${name}.${kind}.yaml differs (VANE_UPDATE_GOLDEN=1 regenerates)`,
      );
    }
  });
}

test('no stale golden files', () => {
  const expected = new Set(cases.flatMap((c) => [`${c}.in.yaml`, ...OUTPUTS.map((k) => `${c}.${k}.yaml`)]));
  const stale = readdirSync(TESTDATA).filter((f) => f.endsWith('.yaml') && !expected.has(f));
  if (UPDATE) {
    for (const f of stale) unlinkSync(join(TESTDATA, f));
    return;
  }
  assert.deepEqual(stale, []);
});
