import assert from 'node:assert/strict';
import { test } from 'node:test';
import { snapshotChange } from '../../../src/xds/cache/snapshot-change.js';
import { TYPE_URL } from '../../../src/xds/types.js';
import { cluster, endpoints, listener, route, snapshotOf } from '../helpers/fake-source.js';

const { listener: LDS, route: RDS, cluster: CDS, endpoint: EDS } = TYPE_URL;

test('names what was added, changed and removed, per type; unchanged types are absent', () => {
  const from = snapshotOf([
    listener('keep'),
    listener('gone'),
    route('r', 'c1'),
    cluster('c1'),
    endpoints('c1', [80]),
  ]);
  const to = snapshotOf([
    listener('keep'),
    listener('new'),
    route('r', 'c2'),
    cluster('c1'),
    endpoints('c1', [80]),
  ]);
  const change = snapshotChange(from, to);
  assert.equal(change.from, from);
  assert.deepEqual([...(change.names.get(LDS) ?? [])].sort(), ['gone', 'new']);
  assert.deepEqual([...(change.names.get(RDS) ?? [])], ['r']);
  assert.equal(change.names.has(CDS), false);
  assert.equal(change.names.has(EDS), false);
});

test('a type that appears or disappears names every resource it had or has', () => {
  const from = snapshotOf([cluster('a'), cluster('b')]);
  const to = snapshotOf([endpoints('a', [1])]);
  const change = snapshotChange(from, to);
  assert.deepEqual([...(change.names.get(CDS) ?? [])].sort(), ['a', 'b']);
  assert.deepEqual([...(change.names.get(EDS) ?? [])], ['a']);
});
