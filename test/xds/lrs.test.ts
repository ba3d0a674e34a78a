import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { status } from '@grpc/grpc-js';
import { ClusterStatsSchema } from '../../src/gen/envoy/config/endpoint/v3/load_report_pb.js';
import { LoadWindow } from '../../src/xds/lrs.js';
import { type NodeInfo, XdsRefusal } from '../../src/xds/types.js';
import { NODE, sleep, startHarness } from './helpers/harness.js';

const stats = (issued: number, ok: number, errors: number, inProgress: number) => ({
  clusterName: 'svc',
  clusterServiceName: 'backend-svc',
  upstreamLocalityStats: [
    {
      locality: { region: 'us-central1', zone: 'us-central1-a' },
      totalIssuedRequests: BigInt(issued),
      totalSuccessfulRequests: BigInt(ok),
      totalErrorRequests: BigInt(errors),
      totalRequestsInProgress: BigInt(inProgress),
    },
  ],
});

test('LRS: send_all_clusters with the configured interval; reports reach the sink', async () => {
  const window = new LoadWindow();
  const h = await startHarness(undefined, { lrs: window, lrsIntervalSeconds: 7 });
  try {
    const l = h.client.lrs();
    l.send({ node: { ...NODE, clientFeatures: ['envoy.lrs.supports_send_all_clusters'] } });
    const res = await l.next();
    assert.equal(res.sendAllClusters, true);
    assert.equal(res.loadReportingInterval?.seconds, 7n);
    assert.equal(h.source.checked.length, 1);
    l.send({ clusterStats: [stats(10, 8, 2, 3)] });
    l.send({ clusterStats: [stats(5, 5, 0, 1)] });
    for (let i = 0; i < 50 && h.server.registry.counters.loadReports < 2; i += 1) await sleep(10);
    const [s] = window.summary();
    assert.equal(s?.cluster, 'backend-svc');
    assert.deepEqual(s?.locality, { region: 'us-central1', zone: 'us-central1-a', subZone: '' });
    assert.equal(s?.totalRequests, 15);
    assert.equal(s?.successes, 13);
    assert.equal(s?.errors, 2);
    assert.equal(s?.inProgress, 1, 'latest in-progress count of the reporter');
    await l.expectNone();
    l.cancel();
  } finally {
    await h.close();
  }
});

test('LRS refuses like ADS: unknown project → NOT_FOUND, recorded', async () => {
  const h = await startHarness();
  h.source.refuse = (node) =>
    node.projectNumber === '999'
      ? new XdsRefusal(
          status.NOT_FOUND,
          `Requested entity was not found: configuration was not found for network ${node.network}`,
        )
      : undefined;
  try {
    const l = h.client.lrs();
    l.send({ node: { id: 'projects/999/networks/vpc/nodes/x' } });
    const st = await l.status();
    assert.equal(st.code, status.NOT_FOUND);
    assert.match(st.details, /configuration was not found for network vpc/);
    assert.equal(h.server.registry.refusals.at(-1)?.protocol, 'lrs');
    const bad = h.client.lrs();
    bad.send({ node: { id: 'nope' } });
    assert.equal((await bad.status()).code, status.INVALID_ARGUMENT);
  } finally {
    await h.close();
  }
});

test('LoadWindow keeps a rolling window per cluster and locality', () => {
  let now = 1_000_000;
  const w = new LoadWindow({ windowSeconds: 60, now: () => now });
  const node = (id: string) => ({ id }) as NodeInfo;
  w.report(node('n1'), [create(ClusterStatsSchema, stats(10, 9, 1, 2))]);
  w.report(node('n2'), [create(ClusterStatsSchema, stats(20, 20, 0, 4))]);
  let [s] = w.summary();
  assert.equal(s?.totalRequests, 30);
  assert.equal(s?.inProgress, 6);
  assert.equal(s?.reporters, 2);
  now += 30_000;
  w.report(node('n1'), [create(ClusterStatsSchema, stats(6, 6, 0, 0))]);
  [s] = w.summary();
  assert.equal(s?.totalRequests, 36);
  assert.equal(s?.inProgress, 4);
  now += 40_000; // the first two reports left the window
  [s] = w.summary();
  assert.equal(s?.totalRequests, 6);
  assert.equal(s?.requestsPerSecond, 0.1);
  now += 60_000;
  assert.deepEqual(w.summary(), []);
});

test('LoadWindow rates cover only the time the reports span, and a shorter window can be asked for', () => {
  let now = 2_000_000;
  const w = new LoadWindow({ windowSeconds: 60, now: () => now });
  const node = { id: 'n1', projectNumber: '1', locality: { zone: 'us-central1-a' } } as NodeInfo;
  const every10s = (issued: number) =>
    create(ClusterStatsSchema, {
      ...stats(issued, issued, 0, 0),
      loadReportInterval: { seconds: 10n, nanos: 0 },
    });
  // One report 10 s into the traffic: 200 requests are 20/s, not 200/60.
  w.report(node, [every10s(200)]);
  assert.equal(w.summary()[0]?.requestsPerSecond, 20);
  // Traffic doubles: the last 10 s say so, while the 60 s window still averages.
  for (let i = 0; i < 5; i++) {
    now += 10_000;
    w.report(node, [every10s(i < 4 ? 200 : 400)]);
  }
  assert.equal(w.summary('1', { windowSeconds: 10 })[0]?.requestsPerSecond, 40);
  assert.equal(w.summary('1')[0]?.requestsPerSecond, 1400 / 60);
});
