// Translation is a pure function of its input: record order does not matter, the same input
// gives byte-identical resources, and the input is never touched.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Collection, NetworkEndpoint, ResourceRecord } from '../../src/store/types.js';
import { translateConfig, translateEndpoints } from '../../src/translate/index.js';
import type { TranslateInput } from '../../src/translate/types.js';
import { encodeAll, loadFixture, TESTDATA } from './fixture.js';

/** The same input with every list in another order (reversed, then rotated by one). */
function shuffled(input: TranslateInput): TranslateInput {
  const reorder = <T>(list: readonly T[]): T[] => {
    const r = [...list].reverse();
    return r.length > 1 ? [...r.slice(1), r[0]!] : r;
  };
  const resources: Partial<Record<Collection, ResourceRecord[]>> = {};
  for (const [c, records] of reorder(Object.entries(input.resources))) {
    resources[c as Collection] = reorder(records ?? []);
  }
  const endpoints = new Map<string, NetworkEndpoint[]>(
    reorder([...input.endpoints]).map(([k, v]) => [k, reorder(v)] as [string, NetworkEndpoint[]]),
  );
  return { ...input, resources, endpoints, health: new Map(reorder([...input.health])) };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

const cases = readdirSync(TESTDATA).filter((f) => f.endsWith('.in.yaml'));

for (const file of cases) {
  test(`deterministic and pure: ${file}`, () => {
    const { input, views } = loadFixture(join(TESTDATA, file));
    const before = JSON.stringify({ ...input, endpoints: [...input.endpoints], health: [...input.health] });
    deepFreeze(input.resources);
    for (const list of input.endpoints.values()) deepFreeze(list);
    const other = shuffled(input);
    for (const [name, view] of views) {
      const a = encodeAll(translateConfig(input, view), translateEndpoints(input, view));
      const b = encodeAll(translateConfig(other, view), translateEndpoints(other, view));
      assert.deepEqual([...a.keys()], [...b.keys()], `${name}: resource names and order`);
      for (const [key, bytes] of a) assert.deepEqual(b.get(key), bytes, `${name}: ${key}`);
      assert.deepEqual(translateConfig(input, view).issues, translateConfig(other, view).issues);
      assert.deepEqual(translateEndpoints(input, view).issues, translateEndpoints(other, view).issues);
    }
    const after = JSON.stringify({ ...input, endpoints: [...input.endpoints], health: [...input.health] });
    assert.equal(after, before);
  });
}
