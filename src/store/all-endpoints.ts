import type { StoreReader } from './store.js';
import type { NetworkEndpoint } from './types.js';

/** Every endpoint of a NEG, read page by page. */
export async function allEndpoints(reader: StoreReader, negPath: string): Promise<NetworkEndpoint[]> {
  const out: NetworkEndpoint[] = [];
  let after: NetworkEndpoint | undefined;
  for (;;) {
    const page = await reader.listEndpoints(negPath, { limit: 5000, ...(after ? { after } : {}) });
    out.push(...page.items);
    if (!page.next) return out;
    after = page.next;
  }
}
