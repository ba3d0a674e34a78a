import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { applyDocuments } from '../../../src/api/apply.js';
import { OperationLog } from '../../../src/api/operations.js';
import { ResourceService } from '../../../src/api/resource-service.js';
import { openStore } from '../../../src/store/open.js';
import type { Store } from '../../../src/store/store.js';
import type { Change } from '../../../src/store/types.js';
import { ProjectState } from '../../../src/xds/cache/project-state.js';

let store: Store;
let resources: ResourceService;
const NEG = 'projects/p/zones/us-central1-a/networkEndpointGroups/neg';

before(async () => {
  store = await openStore('sqlite::memory:');
  resources = new ResourceService(store, new OperationLog());
  await store.write((tx) =>
    tx.createProject({ id: 'p', number: '111', createdAt: new Date().toISOString() }),
  );
  await store.write((tx) =>
    resources.writeInTx(
      tx,
      { project: 'p', scope: 'global', collection: 'networks' },
      { name: 'default' },
      { mode: 'insert' },
    ),
  );
  await applyDocuments(
    store,
    resources,
    'p',
    [
      {
        kind: 'networkEndpointGroup',
        name: 'neg',
        zone: 'us-central1-a',
        networkEndpoints: [{ ipAddress: '10.0.0.1', port: 8080 }],
      },
      {
        kind: 'backendService',
        name: 'svc',
        protocol: 'GRPC',
        backends: [{ group: 'zones/us-central1-a/networkEndpointGroups/neg' }],
      },
    ],
    false,
  );
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

  await applyDocuments(
    store,
    resources,
    'p',
    [
      {
        kind: 'backendService',
        name: 'svc',
        protocol: 'GRPC',
        timeoutSec: 5,
        backends: [{ group: 'zones/us-central1-a/networkEndpointGroups/neg' }],
      },
    ],
    false,
  );
  await state.apply(store, [change('backendServices', 'global', 'svc')]);
  const third = state.input();
  assert.notEqual(third.resources, second.resources);
  const svc = third.resources.backendServices?.find((r) => r.name === 'svc');
  assert.ok(svc);
  assert.equal((svc.body as { timeoutSec?: number }).timeoutSec, 5);
  assert.equal(third.endpoints.get(NEG)?.length, 2);
});
