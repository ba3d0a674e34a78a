import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { DeltaDiscoveryResponse } from '../../src/gen/envoy/service/discovery/v3/discovery_pb.js';
import { TYPE_URL } from '../../src/xds/types.js';
import { cluster, listener, route, snapshotOf } from './helpers/fake-source.js';
import { type Harness, NODE, resourceName, startHarness } from './helpers/harness.js';
import type { DeltaStream } from './helpers/raw-client.js';

const { listener: LDS, route: RDS, cluster: CDS } = TYPE_URL;

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.close();
});

function sent(res: DeltaDiscoveryResponse): string[] {
  return res.resources.map((r) => {
    assert.ok(r.resource);
    assert.equal(resourceName(r.resource), r.name);
    return r.name;
  });
}

function ack(s: DeltaStream, res: DeltaDiscoveryResponse): void {
  s.send({ typeUrl: res.typeUrl, responseNonce: res.nonce });
}

test('delta wildcard: all resources with per-resource versions; removals in removed_resources', async () => {
  h.source.publish(snapshotOf([listener('a'), listener('b')]));
  const s = h.client.delta();
  s.send({ node: NODE, typeUrl: LDS });
  const r1 = await s.next();
  assert.deepEqual(sent(r1).sort(), ['a', 'b']);
  const versions = new Map(r1.resources.map((r) => [r.name, r.version]));
  assert.equal(versions.get('a'), h.source.snapshot.resources.get(LDS)?.get('a')?.version);
  assert.equal(r1.systemVersionInfo, h.source.snapshot.versions.get(LDS));
  ack(s, r1);
  await s.expectNone();
  h.source.publish(snapshotOf([listener('a', 'changed'), listener('c')]));
  const r2 = await s.next();
  assert.deepEqual(sent(r2).sort(), ['a', 'c'], 'only what changed');
  assert.deepEqual(r2.removedResources, ['b']);
  ack(s, r2);
  // Unrelated change (another type): nothing.
  h.source.publish(snapshotOf([listener('a', 'changed'), listener('c'), cluster('x')]));
  await s.expectNone();
  s.cancel();
});

test('delta subscribe: existing sent, missing reported in removed_resources, late ones pushed; unknown unsubscribe ignored', async () => {
  h.source.publish(snapshotOf([route('r1', 'c1')]));
  const s = h.client.delta();
  s.send({ node: NODE, typeUrl: RDS, resourceNamesSubscribe: ['r1', 'missing'] });
  const r1 = await s.next();
  assert.deepEqual(sent(r1), ['r1']);
  assert.deepEqual(r1.removedResources, ['missing']);
  ack(s, r1);
  await s.expectNone();
  s.send({ typeUrl: RDS, resourceNamesUnsubscribe: ['never-subscribed'] });
  await s.expectNone();
  h.source.publish(snapshotOf([route('r1', 'c1'), route('missing', 'c2'), route('other', 'c3')]));
  const r2 = await s.next();
  assert.deepEqual(sent(r2), ['missing']);
  assert.deepEqual(r2.removedResources, []);
  ack(s, r2);
  // Unsubscribed names are no longer pushed.
  s.send({ typeUrl: RDS, resourceNamesUnsubscribe: ['missing'] });
  await s.expectNone();
  h.source.publish(snapshotOf([route('r1', 'c1'), route('missing', 'c9')]));
  await s.expectNone();
  s.cancel();
});

test('delta: subscribing to a resource the client already has sends it anyway', async () => {
  h.source.publish(snapshotOf([route('r1', 'c1'), route('r2', 'c2')]));
  const s = h.client.delta();
  s.send({ node: NODE, typeUrl: RDS, resourceNamesSubscribe: ['r1'] });
  ack(s, await s.next());
  s.send({ typeUrl: RDS, resourceNamesSubscribe: ['r1', 'r2'] });
  const r2 = await s.next();
  assert.deepEqual(sent(r2).sort(), ['r1', 'r2']);
  s.cancel();
});

test('delta reconnect: initial_resource_versions → only what differs', async () => {
  h.source.publish(snapshotOf([cluster('same'), cluster('changed', 9), cluster('new')]));
  const snap = h.source.snapshot.resources.get(CDS)!;
  const s = h.client.delta();
  s.send({
    node: NODE,
    typeUrl: CDS,
    initialResourceVersions: { same: snap.get('same')!.version, changed: 'old-version', gone: 'v1' },
  });
  const r1 = await s.next();
  assert.deepEqual(sent(r1).sort(), ['changed', 'new']);
  assert.deepEqual(r1.removedResources, ['gone']);
  s.cancel();
  // Explicit names on reconnect.
  h.source.publish(snapshotOf([route('r1', 'c1'), route('r2', 'c2')]));
  const rv = h.source.snapshot.resources.get(RDS)!;
  const e = h.client.delta();
  e.send({
    node: NODE,
    typeUrl: RDS,
    resourceNamesSubscribe: ['r1', 'r2'],
    initialResourceVersions: { r1: rv.get('r1')!.version, r2: 'stale' },
  });
  const e1 = await e.next();
  assert.deepEqual(sent(e1), ['r2']);
  e.cancel();
});

test('delta: subscription changes are honoured with a stale nonce; stale NACKs are not recorded', async () => {
  h.source.publish(snapshotOf([route('r1', 'c1'), route('r2', 'c2')]));
  const s = h.client.delta();
  s.send({ node: NODE, typeUrl: RDS, resourceNamesSubscribe: ['r1'] });
  const r1 = await s.next();
  s.send({ typeUrl: RDS, resourceNamesSubscribe: ['r2'] });
  const r2 = await s.next();
  assert.deepEqual(sent(r2), ['r2']);
  s.send({
    typeUrl: RDS,
    responseNonce: r1.nonce,
    resourceNamesSubscribe: ['r3'],
    errorDetail: { code: 3, message: 'stale' },
  });
  const r3 = await s.next();
  assert.deepEqual(r3.removedResources, ['r3']);
  const view = h.server.registry
    .view()
    .find((p) => p.protocol === 'delta' && p.types.some((t) => t.typeUrl === RDS));
  assert.equal(view?.types.find((t) => t.typeUrl === RDS)?.nack, undefined);
  s.cancel();
});

test('delta NACK: recorded, not resent; a new version is sent', async () => {
  h.source.publish(snapshotOf([cluster('c1'), cluster('c2')]));
  const s = h.client.delta();
  s.send({ node: NODE, typeUrl: CDS });
  const r1 = await s.next();
  s.send({ typeUrl: CDS, responseNonce: r1.nonce, errorDetail: { code: 14, message: 'bad cluster c1' } });
  await s.expectNone();
  const proxy = h.server.registry.view().at(-1);
  const cds = proxy?.types.find((t) => t.typeUrl === CDS);
  assert.equal(cds?.status, 'NACKED');
  assert.equal(cds?.nack?.message, 'bad cluster c1');
  assert.equal(cds?.nack?.version, r1.systemVersionInfo);
  h.source.publish(snapshotOf([cluster('c1', 3), cluster('c2')]));
  const r2 = await s.next();
  assert.deepEqual(sent(r2), ['c1']);
  ack(s, r2);
  s.cancel();
});

test('delta explicit wildcard "*" and its unsubscribe', async () => {
  h.source.publish(snapshotOf([listener('a'), listener('b')]));
  const s = h.client.delta();
  s.send({ node: NODE, typeUrl: LDS, resourceNamesSubscribe: ['a'] });
  const r1 = await s.next();
  assert.deepEqual(sent(r1), ['a'], 'naming a resource first: not the legacy wildcard');
  s.send({ typeUrl: LDS, responseNonce: r1.nonce, resourceNamesSubscribe: ['*'] });
  const r2 = await s.next();
  assert.deepEqual(sent(r2), ['b']);
  ack(s, r2);
  s.send({ typeUrl: LDS, resourceNamesUnsubscribe: ['*'] });
  await s.expectNone();
  h.source.publish(snapshotOf([listener('a'), listener('b', 'x'), listener('c')]));
  await s.expectNone();
  h.source.publish(snapshotOf([listener('a', 'y'), listener('b', 'x'), listener('c')]));
  assert.deepEqual(sent(await s.next()), ['a']);
  s.cancel();
});

test('delta reconnect: held resources outside the subscription are ignored; held current ones count as ACKed', async () => {
  h.source.publish(snapshotOf([route('r1', 'c1'), route('r2', 'c2')]));
  const rv = h.source.snapshot.resources.get(RDS)!;
  const s = h.client.delta();
  s.send({
    node: { ...NODE, id: 'projects/123/networks/default/nodes/delta-reconnect' },
    typeUrl: RDS,
    resourceNamesSubscribe: ['r1'],
    initialResourceVersions: { r1: rv.get('r1')!.version, r2: 'old', gone: 'v0' },
  });
  const r1 = await s.next();
  assert.deepEqual(sent(r1), [], 'r1 is current; r2 and gone are not subscribed');
  assert.deepEqual(r1.removedResources, []);
  const proxy = h.server.registry.view().find((p) => p.node?.id.endsWith('/delta-reconnect'));
  const r1View = proxy?.types.find((t) => t.typeUrl === RDS)?.resources.find((r) => r.name === 'r1');
  assert.equal(r1View?.status, 'ACKED');
  assert.equal(r1View?.ackedVersion, rv.get('r1')!.version);
  s.cancel();
});
