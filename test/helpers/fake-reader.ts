import type { StoreReader } from '../../src/store/store.js';
import type { Collection, ResourceRecord } from '../../src/store/types.js';

/** A store holding just the given resources; prepareBody only looks resources up. */
export function fakeReader(paths: string[]): StoreReader {
  const known = new Set(paths);
  const unused = (): never => {
    throw new Error('not used by these tests');
  };
  return {
    revision: unused,
    getProject: unused,
    getProjectByNumber: unused,
    listProjects: unused,
    listResources: unused,
    referrers: unused,
    countEndpoints: unused,
    listEndpoints: unused,
    getGuestAttributes: unused,
    findTokenByHash: unused,
    listTokens: unused,
    changesSince: unused,
    async getResource(path: string): Promise<ResourceRecord | undefined> {
      const m = /^projects\/([^/]+)\/(global|zones\/[^/]+)\/([^/]+)\/([^/]+)$/.exec(path);
      if (!m || !known.has(path)) return undefined;
      return {
        project: m[1]!,
        scope: m[2]!,
        collection: m[3] as Collection,
        name: m[4]!,
        id: '1',
        body: {},
        fingerprint: 'f',
        creationTimestamp: '2024-01-01T00:00:00Z',
        revision: 1,
      };
    },
  };
}
