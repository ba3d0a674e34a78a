// Per-stream, per-resource state for CSDS: what each transition records, and that streams in the
// same state share one record instead of holding one each.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConnectionRegistry, newTypeRecord, type TypeRecord } from '../../src/xds/registry.js';
import {
  recordAbsent,
  recordAck,
  recordNack,
  recordSent,
  recordSubscribed,
} from '../../src/xds/stream-state.js';
import { type EncodedResource, TYPE_URL } from '../../src/xds/types.js';

const resource = (name: string, version: string): EncodedResource => ({
  name,
  typeUrl: TYPE_URL.cluster,
  version,
  bytes: new Uint8Array([1, 2, 3]),
});

/** A stream's type record after a response carrying `sent` was written. */
function sentTo(rec: TypeRecord, sent: EncodedResource[], nonce: string, now: number): void {
  for (const r of sent) recordSent(rec, r, now);
  rec.lastSent = { version: 'v', nonce, time: now, resourceNames: sent.map((r) => r.name), removedNames: [] };
}

test('a resource goes REQUESTED → ACKED, and a newer version REQUESTED → NACKED with the message', () => {
  const registry = new ConnectionRegistry();
  const rec = newTypeRecord(TYPE_URL.cluster);
  const t0 = Date.UTC(2026, 10, 30, 12, 0, 0, 250);
  recordSubscribed(rec, 'a', true, t0);
  recordSubscribed(rec, 'gone', false, t0);
  assert.equal(rec.resources.get('a')?.status, 'REQUESTED');
  assert.equal(rec.resources.get('gone')?.status, 'DOES_NOT_EXIST');

  const a1 = resource('a', 'v1');
  sentTo(rec, [a1], 'n1', t0);
  assert.deepEqual(
    { ...rec.resources.get('a') },
    {
      status: 'REQUESTED',
      version: 'v1',
      ackedVersion: '',
      resource: a1,
      nackMessage: '',
      updatedAt: t0 - 250,
    },
  );
  recordAck(registry, rec, 'n1', 'v', t0 + 100);
  assert.equal(rec.resources.get('a')?.status, 'ACKED');
  assert.equal(rec.resources.get('a')?.ackedVersion, 'v1');

  const a2 = resource('a', 'v2');
  sentTo(rec, [a2], 'n2', t0 + 2000);
  assert.equal(rec.resources.get('a')?.status, 'REQUESTED');
  assert.equal(rec.resources.get('a')?.ackedVersion, 'v1', 'still holding v1 until it ACKs v2');
  recordNack(registry, rec, 'n2', 'bad cluster', t0 + 2100);
  const nacked = rec.resources.get('a')!;
  assert.equal(nacked.status, 'NACKED');
  assert.equal(nacked.nackMessage, 'bad cluster');
  assert.equal(nacked.version, 'v2');
  assert.equal(nacked.ackedVersion, 'v1');
  assert.equal(nacked.updatedAt, t0 + 2100, 'a NACK keeps its exact time');

  recordAbsent(rec, 'a', t0 + 3000);
  assert.equal(rec.resources.get('a')?.status, 'DOES_NOT_EXIST');
  assert.equal(rec.resources.get('a')?.version, '');
});

test('streams that reach the same state within a second share one record, which cannot be changed', () => {
  const registry = new ConnectionRegistry();
  const t0 = Date.UTC(2026, 10, 30, 12, 0, 1, 0);
  const r = resource('shared', 'v1');
  const streams = Array.from({ length: 3 }, () => newTypeRecord(TYPE_URL.cluster));
  streams.forEach((rec, i) => {
    sentTo(rec, [r], `n${i}`, t0 + i * 10);
    recordAck(registry, rec, `n${i}`, 'v', t0 + 100 + i * 10);
  });
  const records = streams.map((rec) => rec.resources.get('shared'));
  assert.equal(records[0]?.status, 'ACKED');
  assert.equal(records[1], records[0]);
  assert.equal(records[2], records[0]);
  assert.ok(Object.isFrozen(records[0]));
  // A NACK on one stream does not touch the others.
  const other = resource('shared', 'v2');
  sentTo(streams[0]!, [other], 'm0', t0 + 500);
  recordNack(registry, streams[0]!, 'm0', 'no', t0 + 600);
  assert.equal(streams[0]!.resources.get('shared')?.status, 'NACKED');
  assert.equal(streams[1]!.resources.get('shared')?.status, 'ACKED');
  // An ACK in a later second is a record of its own, with that second.
  const late = newTypeRecord(TYPE_URL.cluster);
  sentTo(late, [r], 'l', t0 + 1500);
  recordAck(registry, late, 'l', 'v', t0 + 1600);
  assert.notEqual(late.resources.get('shared'), records[0]);
  assert.equal(late.resources.get('shared')?.updatedAt, t0 + 1000);
});
