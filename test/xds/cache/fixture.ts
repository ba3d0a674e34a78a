// The small project the snapshot cache tests work on: an in-memory store, projects with the
// network `default`, and one NEG with one endpoint behind one gRPC backend service.
import { applyDocuments } from '../../../src/api/apply.js';
import { OperationLog } from '../../../src/api/operations.js';
import { ResourceService } from '../../../src/api/resource-service.js';
import { openStore } from '../../../src/store/open.js';
import type { Store } from '../../../src/store/store.js';

export const NEG = 'projects/p/zones/us-central1-a/networkEndpointGroups/neg';

export const NEG_DOC = {
  kind: 'networkEndpointGroup',
  name: 'neg',
  zone: 'us-central1-a',
  networkEndpoints: [{ ipAddress: '10.0.0.1', port: 8080 }],
};

/** The backend service `svc` over the NEG; `backend` adds to its one backend. */
export function backendServiceDoc(backend: Record<string, unknown> = {}) {
  return {
    kind: 'backendService',
    name: 'svc',
    protocol: 'GRPC',
    backends: [{ group: 'zones/us-central1-a/networkEndpointGroups/neg', ...backend }],
  };
}

/** An in-memory store holding these projects, each with the network `default`. */
export async function projectStore(projects: readonly { id: string; number: string }[]): Promise<{
  store: Store;
  resources: ResourceService;
  apply: (project: string, docs: unknown[]) => Promise<void>;
}> {
  const store = await openStore('sqlite::memory:');
  const resources = new ResourceService(store, new OperationLog());
  for (const { id, number } of projects) {
    await store.write((tx) => tx.createProject({ id, number, createdAt: new Date().toISOString() }));
    await store.write((tx) =>
      resources.writeInTx(
        tx,
        { project: id, scope: 'global', collection: 'networks' },
        { name: 'default' },
        { mode: 'insert' },
      ),
    );
  }
  return {
    store,
    resources,
    apply: async (project, docs) => {
      await applyDocuments(store, resources, project, docs, false);
    },
  };
}
