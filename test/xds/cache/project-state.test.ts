import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Store } from '../../../src/store/store.js';
import type { Change } from '../../../src/store/types.js';
import { ProjectState } from '../../../src/xds/cache/project-state.js';
import { backendServiceDoc, NEG, NEG_DOC, projectStore } from './fixture.js';

let store: Store;
let apply: (project: string, docs: unknown[]) => Promise<void>;

before(async () => {
  ({ store, apply } = await projectStore([{ id: 'p', number: '111' }]));
  await apply('p', [NEG_DOC, backendServiceDoc()]);
});

after(async () => {
  await store.close();
});

const change = (kind: Change['kind'], scope: string, name: string): Change => ({
  revision: 0,
  kind,
  project: 'p',
  scope,
  name,
  op: 'upsert',
});

test('an endpoint change makes a new input with the same resources; a resource change replaces them', async () => {
  const project = (await store.getProject('p'))!;
  const state = await ProjectState.load(store, project);
  const first = state.input();
  assert.equal(state.input(), first, 'the same input until something changes');

  await store.write((tx) => tx.attachEndpoints(NEG, [{ ipAddress: '10.0.0.2', port: 8080, instance: '' }]));
  const dirt = await state.apply(store, [change('networkEndpoints', 'zones/us-central1-a', 'neg')]);
  assert.deepEqual([...dirt.negs], [NEG]);
  const second = state.input();
  assert.notEqual(second, first);
  assert.equal(second.resources, first.resources, 'translation keeps its index and visibility');
  assert.equal(second.endpoints.get(NEG)?.length, 2);

  await apply('p', [{ ...backendServiceDoc(), timeoutSec: 5 }]);
  await state.apply(store, [change('backendServices', 'global', 'svc')]);
  const third = state.input();
  assert.notEqual(third.resources, second.resources);
  const svc = third.resources.backendServices?.find((r) => r.name === 'svc');
  assert.ok(svc);
  assert.equal((svc.body as { timeoutSec?: number }).timeoutSec, 5);
  assert.equal(third.endpoints.get(NEG)?.length, 2);
});
