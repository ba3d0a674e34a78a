import assert from 'node:assert/strict';
import { test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { TYPE_URL, XdsRefusal } from '../../src/xds/types.js';
import { cluster, endpoints, listener, serviceResources, snapshotOf } from './helpers/fake-source.js';
import { NODE, sleep, startHarness } from './helpers/harness.js';
import { StalledClient } from './helpers/raw-client.js';

const { listener: LDS, cluster: CDS } = TYPE_URL;

test('refusals: node identification errors end the stream with INVALID_ARGUMENT and are recorded', async () => {
  const h = await startHarness(snapshotOf([listener('a')]));
  try {
    const s = h.client.sotw();
    s.send({
      node: { id: 'legacy~10.0.0.1', metadata: { TRAFFICDIRECTOR_NETWORK_NAME: 'default' } },
      typeUrl: LDS,
    });
    const st = await s.status();
    assert.equal(st.code, status.INVALID_ARGUMENT);
    assert.match(
      st.details,
      /node metadata TRAFFICDIRECTOR_GCP_PROJECT_NUMBER is missing and node\.id is not/,
    );
    const noNode = h.client.sotw();
    noNode.send({ typeUrl: LDS });
    assert.equal((await noNode.status()).code, status.INVALID_ARGUMENT);
    const refusals = h.server.registry.refusals;
    assert.equal(refusals.length, 2);
    assert.equal(refusals[0]?.nodeId, 'legacy~10.0.0.1', 'the presented node id is kept for visibility');
    assert.equal(refusals[1]?.nodeId, '');
    assert.equal(refusals[0]?.codeName, 'INVALID_ARGUMENT');
    assert.match(refusals[0]?.reason ?? '', /TRAFFICDIRECTOR_GCP_PROJECT_NUMBER/);
    assert.equal(h.server.registry.size, 0);
  } finally {
    await h.close();
  }
});

test('a ConfigSource refusal ends the stream with its code and message and is recorded', async () => {
  const h = await startHarness(snapshotOf([listener('a')]));
  h.source.refuse = (node) =>
    node.projectNumber === '404'
      ? new XdsRefusal(
          status.NOT_FOUND,
          `Requested entity was not found: configuration was not found for network ${node.network}`,
        )
      : undefined;
  try {
    const s = h.client.sotw();
    s.send({ node: { id: 'projects/404/networks/nope/nodes/x' }, typeUrl: LDS });
    const st = await s.status();
    assert.equal(st.code, status.NOT_FOUND);
    assert.match(st.details, /configuration was not found for network nope/);
    const r = h.server.registry.refusals.at(-1);
    assert.equal(r?.nodeId, 'projects/404/networks/nope/nodes/x');
    assert.equal(r?.code, status.NOT_FOUND);
    assert.ok(r && r.time > 0);
    // Other nodes are still served.
    const ok = h.client.sotw();
    ok.send({ node: NODE, typeUrl: LDS });
    assert.equal((await ok.next()).typeUrl, LDS);
    ok.cancel();
  } finally {
    await h.close();
  }
});

test('the refusals ring buffer keeps the last 100', async () => {
  const h = await startHarness();
  try {
    const streams = [];
    for (let i = 0; i < 105; i += 1) {
      const s = h.client.sotw();
      s.send({ node: { id: `bad-${i}` }, typeUrl: LDS });
      streams.push(s);
    }
    await Promise.all(streams.map((s) => s.status()));
    assert.equal(h.server.registry.refusals.length, 100);
    assert.equal(h.server.registry.counters.refusals, 105);
  } finally {
    await h.close();
  }
});

test('v2 services answer UNIMPLEMENTED naming the v3 service', async () => {
  const h = await startHarness();
  try {
    const ads = h.client.sotwAt(
      '/envoy.service.discovery.v2.AggregatedDiscoveryService/StreamAggregatedResources',
    );
    ads.send({ node: NODE, typeUrl: 'type.googleapis.com/envoy.api.v2.Listener' });
    const st = await ads.status();
    assert.equal(st.code, status.UNIMPLEMENTED);
    assert.match(st.details, /envoy\.service\.discovery\.v3\.AggregatedDiscoveryService/);
    const lrs = h.client.sotwAt('/envoy.service.load_stats.v2.LoadReportingService/StreamLoadStats');
    lrs.send({});
    const lst = await lrs.status();
    assert.equal(lst.code, status.UNIMPLEMENTED);
    assert.match(lst.details, /envoy\.service\.load_stats\.v3\.LoadReportingService/);
  } finally {
    await h.close();
  }
});

test('a v2 type URL on a v3 stream: INVALID_ARGUMENT naming the v3 type URL; unknown type: the supported list', async () => {
  const h = await startHarness();
  try {
    const s = h.client.sotw();
    s.send({ node: NODE, typeUrl: 'type.googleapis.com/envoy.api.v2.Cluster' });
    const st = await s.status();
    assert.equal(st.code, status.INVALID_ARGUMENT);
    assert.match(st.details, /use type\.googleapis\.com\/envoy\.config\.cluster\.v3\.Cluster/);
    const u = h.client.sotw();
    u.send({ node: NODE, typeUrl: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret' });
    const ust = await u.status();
    assert.equal(ust.code, status.INVALID_ARGUMENT);
    for (const t of Object.values(TYPE_URL)) assert.ok(ust.details.includes(t), `lists ${t}`);
    // A later request with a bad type on a good stream ends it too.
    const d = h.client.delta();
    d.send({ node: NODE, typeUrl: LDS });
    await d.next();
    d.send({ typeUrl: 'type.googleapis.com/envoy.api.v2.Listener' });
    assert.equal((await d.status()).code, status.INVALID_ARGUMENT);
  } finally {
    await h.close();
  }
});

test('versions are content hashes: the same content gives the same version_info after a restart', async () => {
  const resources = [...serviceResources('svc', [1234]), listener('other')];
  const first = await startHarness(snapshotOf(resources));
  const s1 = first.client.sotw();
  s1.send({ node: NODE, typeUrl: LDS });
  const v1 = (await s1.next()).versionInfo;
  s1.send({ typeUrl: CDS });
  const c1 = (await s1.next()).versionInfo;
  await first.close();
  // A fresh server and fresh encodings of the same content.
  const second = await startHarness(snapshotOf([...serviceResources('svc', [1234]), listener('other')]));
  try {
    const s2 = second.client.sotw();
    s2.send({ node: NODE, typeUrl: LDS });
    assert.equal((await s2.next()).versionInfo, v1);
    s2.send({ typeUrl: CDS });
    assert.equal((await s2.next()).versionInfo, c1);
    s2.cancel();
  } finally {
    await second.close();
  }
});

test('an oversized request ends its stream with RESOURCE_EXHAUSTED; the server keeps serving', async () => {
  const h = await startHarness(snapshotOf([listener('a')]), {
    limits: { maxReceiveMessageBytes: 64 * 1024 },
  });
  try {
    const s = h.client.sotw();
    s.send({ node: NODE, typeUrl: LDS, resourceNames: Array.from({ length: 20000 }, (_, i) => `name-${i}`) });
    const st = await s.status();
    assert.equal(st.code, status.RESOURCE_EXHAUSTED);
    const ok = h.client.sotw();
    ok.send({ node: NODE, typeUrl: LDS });
    assert.deepEqual((await ok.next()).typeUrl, LDS);
    ok.cancel();
  } finally {
    await h.close();
  }
});

test('close() ends live streams with UNAVAILABLE and stops listening', async () => {
  const h = await startHarness(snapshotOf([listener('a')]));
  const s = h.client.sotw();
  s.send({ node: NODE, typeUrl: LDS });
  await s.next();
  const d = h.client.delta();
  d.send({ node: NODE, typeUrl: CDS });
  await d.next();
  const l = h.client.lrs();
  l.send({ node: NODE });
  await l.next();
  const started = Date.now();
  await h.server.close();
  assert.ok(Date.now() - started < 1500);
  assert.equal((await s.status()).code, status.UNAVAILABLE);
  assert.equal((await d.status()).code, status.UNAVAILABLE);
  assert.equal((await l.status()).code, status.UNAVAILABLE);
  assert.equal(h.server.registry.size, 0);
  assert.equal(h.source.subscribers, 0);
  h.client.close();
});

test('a client that never reads is disconnected with RESOURCE_EXHAUSTED; pending bytes stay bounded', async () => {
  const big = (i: number) =>
    snapshotOf(
      Array.from({ length: 40 }, (_, k) =>
        endpoints(
          `e${k}`,
          Array.from({ length: 500 }, (_, p) => 1000 + p + i),
        ),
      ),
    );
  const h = await startHarness(big(0), {
    limits: { drainTimeoutSeconds: 1, softBufferedBytes: 256 * 1024, maxBufferedBytes: 8 * 1024 * 1024 },
  });
  try {
    const s = new StalledClient(h.server.port, {
      node: NODE,
      typeUrl: EDS_TYPE,
      resourceNames: Array.from({ length: 40 }, (_, k) => `e${k}`),
    });
    for (let i = 0; i < 100 && (h.server.registry.metrics().pushes[EDS_TYPE] ?? 0) === 0; i += 1)
      await sleep(10);
    assert.equal(h.server.registry.size, 1);
    let maxPending = 0;
    for (let i = 1; i <= 60; i += 1) {
      h.source.publish(big(i));
      maxPending = Math.max(maxPending, h.server.registry.metrics().pendingBytes);
      await sleep(5);
    }
    const pushes = h.server.registry.metrics().pushes[EDS_TYPE] ?? 0;
    assert.ok(pushes < 30, `pushes merged while blocked (${pushes} of 61 snapshots written)`);
    assert.ok(maxPending < 8 * 1024 * 1024, `pending bytes bounded (${maxPending})`);
    // Not drained within 1 s: ended, unsubscribed. The status reaches the client once it reads.
    for (let i = 0; i < 100 && h.server.registry.size > 0; i += 1) await sleep(30);
    assert.equal(h.server.registry.size, 0);
    assert.equal(h.source.subscribers, 0);
    const st = await s.drain();
    s.close();
    assert.equal(st.code, status.RESOURCE_EXHAUSTED);
    assert.match(st.details, /did not read/);
  } finally {
    await h.close();
  }
});

test('a cancelled stream unsubscribes and leaves the registry', async () => {
  const h = await startHarness(snapshotOf([cluster('c')]));
  try {
    const s = h.client.sotw();
    s.send({ node: NODE, typeUrl: CDS });
    await s.next();
    assert.equal(h.source.subscribers, 1);
    s.cancel();
    for (let i = 0; i < 50 && h.source.subscribers > 0; i += 1) await sleep(10);
    assert.equal(h.source.subscribers, 0);
    assert.equal(h.server.registry.size, 0);
  } finally {
    await h.close();
  }
});

const EDS_TYPE = TYPE_URL.endpoint;

test('a client behind by more than maxBufferedBytes while newer config waits is ended at once', async () => {
  const big = (i: number) =>
    snapshotOf(
      Array.from({ length: 40 }, (_, k) =>
        endpoints(
          `e${k}`,
          Array.from({ length: 500 }, (_, p) => 1000 + p + i),
        ),
      ),
    );
  const h = await startHarness(big(0), {
    limits: { drainTimeoutSeconds: 60, softBufferedBytes: 64 * 1024, maxBufferedBytes: 256 * 1024 },
  });
  try {
    const s = new StalledClient(h.server.port, {
      node: NODE,
      typeUrl: EDS_TYPE,
      resourceNames: Array.from({ length: 40 }, (_, k) => `e${k}`),
    });
    for (let i = 0; i < 100 && (h.server.registry.metrics().pushes[EDS_TYPE] ?? 0) === 0; i += 1)
      await sleep(10);
    assert.equal(h.server.registry.size, 1);
    for (let i = 1; i <= 20 && h.server.registry.size > 0; i += 1) {
      h.source.publish(big(i));
      await sleep(20);
    }
    assert.equal(h.server.registry.size, 0, 'ended long before the 60 s drain timeout');
    const st = await s.drain();
    s.close();
    assert.equal(st.code, status.RESOURCE_EXHAUSTED);
    assert.match(st.details, /did not read \d+ bytes/);
  } finally {
    await h.close();
  }
});

test('admission: maxStreams and newStreamsPerSecond refuse with RESOURCE_EXHAUSTED (recorded)', async () => {
  const h = await startHarness(snapshotOf([listener('a')]), { limits: { maxStreams: 2 } });
  try {
    const a = h.client.sotw();
    const b = h.client.sotw();
    a.send({ node: NODE, typeUrl: LDS });
    b.send({ node: NODE, typeUrl: LDS });
    await a.next();
    await b.next();
    const c = h.client.sotw();
    c.send({ node: NODE, typeUrl: LDS });
    const st = await c.status();
    assert.equal(st.code, status.RESOURCE_EXHAUSTED);
    assert.match(st.details, /limit of 2 streams/);
    assert.equal(h.server.registry.refusals.at(-1)?.codeName, 'RESOURCE_EXHAUSTED');
    a.cancel();
    b.cancel();
  } finally {
    await h.close();
  }
  const r = await startHarness(snapshotOf([listener('a')]), { limits: { newStreamsPerSecond: 3 } });
  try {
    const streams = Array.from({ length: 6 }, () => r.client.sotw());
    for (const s of streams) s.send({ node: NODE, typeUrl: LDS });
    await sleep(200);
    const refused = streams.filter((s) => s.ended?.code === status.RESOURCE_EXHAUSTED).length;
    assert.ok(refused >= 2 && refused <= 3, `refused ${refused} of 6`);
    for (const s of streams) s.cancel();
  } finally {
    await r.close();
  }
});

test('maxConnectionAgeSeconds: the connection is recycled (GOAWAY, then closed after the grace)', async () => {
  const h = await startHarness(snapshotOf([listener('a')]), {
    limits: { maxConnectionAgeSeconds: 0.3, maxConnectionAgeGraceSeconds: 0.2 },
  });
  try {
    const s = h.client.sotw();
    s.send({ node: NODE, typeUrl: LDS });
    await s.next();
    const st = await s.status(3000);
    assert.notEqual(st.code, status.OK);
    for (let i = 0; i < 50 && h.server.registry.size > 0; i += 1) await sleep(20);
    assert.equal(h.server.registry.size, 0);
  } finally {
    await h.close();
  }
});
