import assert from 'node:assert/strict';
import { type ErrorItem, isApiError } from '../../src/api/errors.js';
import { prepareBody } from '../../src/api/write-check.js';
import type { KindSpec } from '../../src/model/kind.js';
import type { StoreReader } from '../../src/store/store.js';
import type { Collection } from '../../src/store/types.js';

/** Validation helpers for one kind, the way the API validates bodies of a global collection. */
export function kindChecks(reader: StoreReader, spec: KindSpec, collection: Collection) {
  const target = { project: 'p', scope: 'global', collection };
  const prepare = (raw: unknown) => prepareBody(reader, spec, target, raw);

  /** The problems prepareBody reports for a body ([] when it is accepted). */
  async function problems(raw: unknown): Promise<ErrorItem[]> {
    try {
      await prepare(raw);
      return [];
    } catch (err) {
      if (isApiError(err)) return err.items;
      throw err;
    }
  }

  function assertIssue(
    items: { location?: string; message: string }[],
    location: string,
    message: RegExp,
  ): void {
    const found = items.some((i) => (i.location ?? '') === location && message.test(i.message));
    assert.ok(
      found,
      `expected an issue at '${location}' matching ${message}; got ${JSON.stringify(items, null, 1)}`,
    );
  }

  async function assertRejected(raw: unknown, location: string, message: RegExp): Promise<void> {
    assertIssue(await problems(raw), location, message);
  }

  return { prepare, problems, assertIssue, assertRejected };
}
