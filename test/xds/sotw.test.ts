import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { DiscoveryResponse } from '../../src/gen/envoy/service/discovery/v3/discovery_pb.js';
import { TYPE_URL, type TypeUrl } from '../../src/xds/types.js';
import { cluster, endpoints, listener, route, serviceResources, snapshotOf } from './helpers/fake-source.js';
import { type Harness, NODE, NODE_ID, names, sleep, startHarness } from './helpers/harness.js';
import type { SotwStream } from './helpers/raw-client.js';

const { listener: LDS, route: RDS, cluster: CDS, endpoint: EDS } = TYPE_URL;

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.close();
});

function ack(s: SotwStream, res: DiscoveryResponse, resourceNames: string[] = []): void {
  s.send({ typeUrl: res.typeUrl, versionInfo: res.versionInfo, responseNonce: res.nonce, resourceNames });
}

function nack(
  s: SotwStream,
  res: DiscoveryResponse,
  acceptedVersion: string,
  message: string,
  resourceNames: string[] = [],
) {
  s.send({
    typeUrl: res.typeUrl,
    versionInfo: acceptedVersion,
    responseNonce: res.nonce,
    resourceNames,
    errorDetail: { code: 14, message },
  });
}

function typeView(streamIndex: number, typeUrl: TypeUrl) {
  const proxy = h.server.registry.view()[streamIndex];
  return proxy?.types.find((t) => t.typeUrl === typeUrl);
}

test('LDS legacy wildcard: full state, content-hash version, fresh nonce; ACK gets no reply', async () => {
  h.source.publish(snapshotOf([listener('a'), listener('b'), route('a-route', 'a')]));
  const s = h.client.sotw();
  s.send({ node: NODE, typeUrl: LDS });
  const res = await s.next();
  assert.equal(res.typeUrl, LDS);
  assert.deepEqual(names(res).sort(), ['a', 'b']);
  assert.equal(res.versionInfo, h.source.snapshot.versions.get(LDS));
  assert.notEqual(res.nonce, '');
  ack(s, res);
  await s.expectNone();
  const view = h.server.registry.view().find((p) => p.node?.id === NODE_ID);
  const lds = view?.types.find((t) => t.typeUrl === LDS);
  assert.equal(lds?.status, 'SYNCED');
  assert.equal(lds?.ackedVersion, res.versionInfo);
  assert.equal(lds?.wildcard, true);
  s.cancel();
});

test('full state: a removed listener disappears from the next LDS response; unrelated changes send nothing', async () => {
  h.source.publish(snapshotOf([listener('a'), listener('b'), cluster('c1')]));
  const s = h.client.sotw();
  s.send({ node: NODE, typeUrl: LDS });
  const first = await s.next();
  assert.deepEqual(names(first).sort(), ['a', 'b']);
  ack(s, first);
  // A change in another type does not resend LDS.
  h.source.publish(snapshotOf([listener('a'), listener('b'), cluster('c1', 9)]));
  await s.expectNone();
  h.source.publish(snapshotOf([listener('a'), cluster('c1', 9)]));
  const second = await s.next();
  assert.deepEqual(names(second), ['a']);
  assert.notEqual(second.versionInfo, first.versionInfo);
  assert.notEqual(second.nonce, first.nonce);
  s.cancel();
});

test('an empty LDS wildcard is answered (full state: nothing exists)', async () => {
  h.source.publish(snapshotOf([cluster('c1')]));
  const s = h.client.sotw();
  s.send({ node: NODE, typeUrl: LDS });
  const res = await s.next();
  assert.deepEqual(names(res), []);
  s.cancel();
});

test('legacy wildcard ends when names appear; "*" is the explicit wildcard', async () => {
  h.source.publish(snapshotOf([listener('a'), listener('b'), listener('c')]));
  const s = h.client.sotw();
  s.send({ node: NODE, typeUrl: LDS });
  const r1 = await s.next();
  assert.deepEqual(names(r1).sort(), ['a', 'b', 'c']);
  ack(s, r1, ['a']);
  // Narrowing needs no response: the client drops what it unsubscribed.
  await s.expectNone();
  const index = h.server.registry.view().length - 1;
  assert.equal(typeView(index, LDS)?.wildcard, false);
  assert.deepEqual(typeView(index, LDS)?.subscribed, ['a']);
  ack(s, r1, ['a', '*']);
  const r3 = await s.next();
  assert.deepEqual(names(r3).sort(), ['a', 'b', 'c'], 'explicit wildcard plus a name: no duplicates');
  assert.equal(typeView(index, LDS)?.wildcard, true);
  ack(s, r3, ['a']);
  await s.expectNone();
  ack(s, r3, []);
  await s.expectNone();
  // Named once: an empty list is no longer the legacy wildcard.
  assert.equal(typeView(index, LDS)?.wildcard, false);
  assert.deepEqual(typeView(index, LDS)?.subscribed, []);
  h.source.publish(snapshotOf([listener('a'), listener('b'), listener('c'), listener('d')]));
  await s.expectNone();
  s.cancel();
});

test('RDS/EDS: only requested names that exist; a late resource is pushed when it appears; no duplicates', async () => {
  h.source.publish(snapshotOf([route('r1', 'c1'), route('r2', 'c2')]));
  const s = h.client.sotw();
  s.send({ node: NODE, typeUrl: RDS, resourceNames: ['r1', 'r1'] });
  const r1 = await s.next();
  assert.deepEqual(names(r1), ['r1']);
  ack(s, r1, ['r1', 'late']);
  // 'late' does not exist: nothing to send (SotW has no signal for non-existence).
  await s.expectNone();
  assert.equal(
    typeView(h.server.registry.view().length - 1, RDS)?.resources.find((r) => r.name === 'late')?.status,
    'DOES_NOT_EXIST',
  );
  h.source.publish(snapshotOf([route('r1', 'c1'), route('r2', 'c2'), route('late', 'c3')]));
  const r2 = await s.next();
  // Only what changed: r1 is unchanged, and an RDS response without it does not remove it.
  assert.deepEqual(names(r2).sort(), ['late']);
  s.cancel();
  // A name that never exists: nothing is sent, the type shows NOT_SENT.
  const n = h.client.sotw();
  n.send({
    node: { ...NODE, id: 'projects/123/networks/default/nodes/not-sent' },
    typeUrl: RDS,
    resourceNames: ['nope'],
  });
  await n.expectNone();
  const proxy = h.server.registry.view().find((p) => p.node?.id.endsWith('/not-sent'));
  assert.equal(proxy?.types.find((t) => t.typeUrl === RDS)?.status, 'NOT_SENT');
  n.cancel();
});

test('subscription growth sends the new names even if sent before', async () => {
  h.source.publish(snapshotOf([endpoints('a', [1]), endpoints('b', [2])]));
  const s = h.client.sotw();
  s.send({ node: NODE, typeUrl: EDS, resourceNames: ['a', 'b'] });
  const r1 = await s.next();
  assert.deepEqual(names(r1).sort(), ['a', 'b']);
  ack(s, r1, ['a', 'b']);
  await s.expectNone();
  h.source.publish(snapshotOf([endpoints('a', [1]), endpoints('b', [2]), endpoints('c', [3])]));
  await s.expectNone();
  ack(s, r1, ['a', 'b', 'c']);
  const r2 = await s.next();
  assert.deepEqual(names(r2).sort(), ['a', 'b', 'c']);
  s.cancel();
});

test('stale nonce: ignored as ACK/NACK, but the subscription change it carries is kept', async () => {
  h.source.publish(snapshotOf([route('r1', 'c1'), route('r2', 'c2'), route('r3', 'c3')]));
  const s = h.client.sotw();
  s.send({ node: NODE, typeUrl: RDS, resourceNames: ['r1'] });
  const r1 = await s.next();
  ack(s, r1, ['r1', 'r2']);
  const r2 = await s.next();
  assert.deepEqual(names(r2).sort(), ['r1', 'r2']);
  const index = h.server.registry.view().length - 1;
  // A request with r1's (stale) nonce and no change: no response, not an ACK of r2.
  ack(s, r1, ['r1', 'r2']);
  await s.expectNone();
  assert.equal(typeView(index, RDS)?.status, 'STALE');
  // A stale nonce carrying a new name: the name is served.
  nack(s, r1, r1.versionInfo, 'stale complaint', ['r1', 'r2', 'r3']);
  const r3 = await s.next();
  assert.deepEqual(names(r3).sort(), ['r1', 'r2', 'r3']);
  assert.equal(typeView(index, RDS)?.nack, undefined, 'a stale NACK is not recorded');
  // A nonce from another stream is stale here too.
  const other = h.client.sotw();
  other.send({ node: NODE, typeUrl: RDS, resourceNames: ['r1'] });
  const o1 = await other.next();
  assert.notEqual(o1.nonce, r3.nonce);
  s.send({
    typeUrl: RDS,
    versionInfo: o1.versionInfo,
    responseNonce: o1.nonce,
    resourceNames: ['r1', 'r2', 'r3'],
  });
  await s.expectNone();
  assert.equal(typeView(index, RDS)?.status, 'STALE');
  ack(s, r3, ['r1', 'r2', 'r3']);
  await sleep(30);
  assert.equal(typeView(index, RDS)?.status, 'SYNCED');
  s.cancel();
  other.cancel();
});

test('NACK: recorded with message and version, the same content is not resent, a new version is', async () => {
  h.source.publish(snapshotOf([listener('a'), cluster('c1')]));
  const s = h.client.sotw();
  s.send({ node: NODE, typeUrl: LDS });
  const r1 = await s.next();
  ack(s, r1);
  await sleep(20);
  h.source.publish(snapshotOf([listener('a', 'other-route'), cluster('c1')]));
  const r2 = await s.next();
  nack(s, r2, r1.versionInfo, 'xDS response validation errors: [bad listener]');
  await s.expectNone();
  const index = h.server.registry.view().length - 1;
  const lds = typeView(index, LDS);
  assert.equal(lds?.status, 'NACKED');
  assert.equal(lds?.nack?.version, r2.versionInfo);
  assert.equal(lds?.nack?.message, 'xDS response validation errors: [bad listener]');
  assert.equal(lds?.ackedVersion, r1.versionInfo);
  assert.equal(lds?.resources.find((r) => r.name === 'a')?.status, 'NACKED');
  // Thousands of NACKs do not make the server resend or loop.
  const before = h.server.registry.metrics();
  for (let i = 0; i < 2000; i += 1)
    nack(s, r2, r1.versionInfo, 'xDS response validation errors: [bad listener]');
  for (let i = 0; i < 100 && h.server.registry.metrics().nacks < before.nacks + 2000; i += 1) await sleep(20);
  await s.expectNone();
  const afterNacks = h.server.registry.metrics();
  assert.equal(afterNacks.pushes[LDS], before.pushes[LDS]);
  assert.ok(afterNacks.nacks >= before.nacks + 2000);
  // An unrelated change: still nothing.
  h.source.publish(snapshotOf([listener('a', 'other-route'), cluster('c1', 7)]));
  await s.expectNone();
  // A new listener version: sent.
  h.source.publish(snapshotOf([listener('a', 'fixed-route'), cluster('c1', 7)]));
  const r3 = await s.next();
  assert.deepEqual(names(r3), ['a']);
  assert.notEqual(r3.versionInfo, r2.versionInfo);
  s.cancel();
});

test('a snapshot change is pushed only to the streams it affects', async () => {
  h.source.publish(snapshotOf([route('r1', 'c1'), route('r2', 'c2')]));
  const s1 = h.client.sotw();
  const s2 = h.client.sotw();
  s1.send({ node: NODE, typeUrl: RDS, resourceNames: ['r1'] });
  s2.send({ node: NODE, typeUrl: RDS, resourceNames: ['r2'] });
  ack(s1, await s1.next(), ['r1']);
  ack(s2, await s2.next(), ['r2']);
  h.source.publish(snapshotOf([route('r1', 'c1'), route('r2', 'c9')]));
  const r = await s2.next();
  assert.deepEqual(names(r), ['r2']);
  await s1.expectNone();
  s1.cancel();
  s2.cancel();
});

test('a change described relative to another snapshot than the stream holds is evaluated in full', async () => {
  h.source.publish(snapshotOf([route('r1', 'c1'), route('r2', 'c2')]));
  const s = h.client.sotw();
  s.send({ node: NODE, typeUrl: RDS, resourceNames: ['r1'] });
  ack(s, await s.next(), ['r1']);
  // As when a stream moves to another view: the change names nothing this stream subscribes
  // to, but it was computed from a snapshot the stream never held.
  const elsewhere = snapshotOf([route('r2', 'c2')]);
  h.source.publish(snapshotOf([route('r1', 'c7'), route('r2', 'c2')]), {
    from: elsewhere,
    names: new Map([[RDS, new Set(['r2'])]]),
  });
  const r = await s.next();
  assert.deepEqual(names(r), ['r1']);
  s.cancel();
});

test('a change that names only resources a stream does not subscribe to sends it nothing, a later one does', async () => {
  h.source.publish(snapshotOf([...serviceResources('a'), ...serviceResources('b')]));
  const s = h.client.sotw();
  s.send({ node: NODE, typeUrl: EDS, resourceNames: ['a'] });
  const first = await s.next();
  ack(s, first, ['a']);
  h.source.publish(snapshotOf([...serviceResources('a'), ...serviceResources('b', [9090])]));
  await s.expectNone();
  // The stream skipped the previous change: the next one is still judged against what it holds.
  h.source.publish(snapshotOf([...serviceResources('a', [7070]), ...serviceResources('b', [9090])]));
  const r = await s.next();
  assert.deepEqual(names(r), ['a']);
  assert.notEqual(r.versionInfo, first.versionInfo);
  s.cancel();
});

test('push order on a multi-type change: CDS, EDS, LDS, RDS', async () => {
  h.source.publish(snapshotOf(serviceResources('svc', [1000])));
  const s = h.client.sotw();
  // Subscribe in the "wrong" order on purpose.
  s.send({ node: NODE, typeUrl: RDS, resourceNames: ['svc-route'] });
  ack(s, await s.next(), ['svc-route']);
  s.send({ typeUrl: LDS });
  ack(s, await s.next());
  s.send({ typeUrl: EDS, resourceNames: ['svc'] });
  ack(s, await s.next(), ['svc']);
  s.send({ typeUrl: CDS });
  ack(s, await s.next());
  await s.expectNone();
  h.source.publish(
    snapshotOf([
      listener('svc', 'svc-route', 'v2'),
      route('svc-route', 'svc', ['v2']),
      cluster('svc', 9),
      endpoints('svc', [2000]),
    ]),
  );
  const order: string[] = [];
  for (let i = 0; i < 4; i += 1) order.push((await s.next()).typeUrl);
  assert.deepEqual(order, [CDS, EDS, LDS, RDS]);
  s.cancel();
});

test('the node comes from the first request; later nodes are ignored', async () => {
  h.source.publish(snapshotOf([listener('a')]));
  const before = h.source.subscribed.length;
  const s = h.client.sotw();
  s.send({ node: { ...NODE, id: 'projects/123/networks/default/nodes/first' }, typeUrl: LDS });
  ack(s, await s.next());
  s.send({ node: { ...NODE, id: 'projects/999/networks/other/nodes/second' }, typeUrl: CDS });
  await s.next();
  assert.equal(h.source.subscribed.length, before + 1);
  assert.equal(h.source.subscribed.at(-1)?.id, 'projects/123/networks/default/nodes/first');
  const view = h.server.registry.view().find((p) => p.node?.id.endsWith('/first'));
  assert.ok(view);
  assert.equal(view.node?.projectNumber, '123');
  assert.ok(h.server.registry.view({ projectNumber: '123' }).some((p) => p.node?.id.endsWith('/first')));
  assert.deepEqual(h.server.registry.view({ projectNumber: '999' }), []);
  s.cancel();
});

test('requests sent while the subscription is pending are applied in order', async () => {
  h.source.publish(snapshotOf([listener('a'), cluster('c1'), route('r1', 'c1')]));
  h.source.subscribeDelayMs = 100;
  try {
    const s = h.client.sotw();
    s.send({ node: NODE, typeUrl: LDS });
    s.send({ typeUrl: CDS });
    s.send({ typeUrl: RDS, resourceNames: ['r1'] });
    const got = [(await s.next()).typeUrl, (await s.next()).typeUrl, (await s.next()).typeUrl];
    assert.deepEqual(got.sort(), [CDS, LDS, RDS].sort());
    s.cancel();
  } finally {
    h.source.subscribeDelayMs = 0;
  }
});

test('unsubscribing then resubscribing a name resends it', async () => {
  h.source.publish(snapshotOf([endpoints('a', [1]), endpoints('b', [2])]));
  const s = h.client.sotw();
  s.send({ node: NODE, typeUrl: EDS, resourceNames: ['a', 'b'] });
  const r1 = await s.next();
  ack(s, r1, ['a']);
  await s.expectNone();
  ack(s, r1, ['a', 'b']);
  const r2 = await s.next();
  assert.deepEqual(names(r2).sort(), ['a', 'b']);
  s.cancel();
});
