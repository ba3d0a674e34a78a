import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { Renderer } from '../../../src/api/render.js';
import type { ResourceService } from '../../../src/api/resource-service.js';
import type { Store } from '../../../src/store/store.js';
import { type Rebuild, SnapshotCache } from '../../../src/xds/cache/snapshot-cache.js';
import { type NodeInfo, type Snapshot, TYPE_URL, XdsRefusal } from '../../../src/xds/types.js';
import { backendServiceDoc, NEG, NEG_DOC, projectStore } from './fixture.js';

let store: Store;
let resources: ResourceService;
let cache: SnapshotCache;
let applyTo: (project: string, docs: unknown[]) => Promise<void>;

before(async () => {
  ({
    store,
    resources,
    apply: applyTo,
  } = await projectStore([
    { id: 'p', number: '111' },
    { id: 'empty', number: '222' },
  ]));
  cache = new SnapshotCache(store, { logger: pino({ level: 'silent' }), debounceMs: 50, debounceMaxMs: 400 });
  await apply([
    NEG_DOC,
    backendServiceDoc({ balancingMode: 'RATE', maxRatePerEndpoint: 10 }),
    urlMap(),
    { kind: 'targetGrpcProxy', name: 'proxy', urlMap: 'global/urlMaps/map' },
    {
      kind: 'forwardingRule',
      name: 'rule',
      IPAddress: '0.0.0.0',
      portRange: '8000',
      target: 'global/targetGrpcProxies/proxy',
    },
  ]);
});

after(async () => {
  cache.close();
  await store.close();
});

async function apply(docs: unknown[]): Promise<void> {
  await applyTo('p', docs);
}

/** The project's URL map, with these route rules in its path matcher (none: as set up). */
function urlMap(routeRules?: unknown[]) {
  return {
    kind: 'urlMap',
    name: 'map',
    defaultService: 'global/backendServices/svc',
    hostRules: [{ hosts: ['svc.test'], pathMatcher: 'pm' }],
    pathMatchers: [
      { name: 'pm', defaultService: 'global/backendServices/svc', ...(routeRules ? { routeRules } : {}) },
    ],
  };
}

function node(projectNumber: string, network = 'default', id = 'n'): NodeInfo {
  return {
    id: `projects/${projectNumber}/networks/${network}/nodes/${id}`,
    cluster: '',
    userAgentName: 'grpc-node-js',
    userAgentVersion: '1.14',
    locality: { region: '', zone: 'us-central1-a', subZone: '' },
    metadata: {},
    clientFeatures: ['envoy.lb.does_not_support_overprovisioning'],
    projectNumber,
    network,
    kind: 'grpc',
  };
}

/** Resolves with the next snapshot a subscriber receives. */
function nextChange(): { promise: Promise<Snapshot>; onChange: (s: Snapshot) => void; count: () => number } {
  let resolve!: (s: Snapshot) => void;
  let count = 0;
  const promise = new Promise<Snapshot>((r) => {
    resolve = r;
  });
  return {
    promise,
    onChange: (s) => {
      count += 1;
      resolve(s);
    },
    count: () => count,
  };
}

test('refuses unknown projects and networks without a mesh forwarding rule, as Traffic Director does', async () => {
  await assert.rejects(
    cache.subscribe(node('999'), () => {}),
    (err: unknown) =>
      err instanceof XdsRefusal && err.code === 5 && err.message === 'Requested entity was not found.',
  );
  await assert.rejects(
    cache.subscribe(node('222'), () => {}),
    (err: unknown) =>
      err instanceof XdsRefusal &&
      err.code === 5 &&
      err.message.includes('configuration was not found for network "default" in project "222".'),
  );
  await assert.rejects(
    cache.subscribe(node('111', 'other'), () => {}),
    /network "other"/,
  );
  await cache.check(node('111'));
});

test('nodes with the same view share one snapshot; it holds the proxyless listener, route, cluster and endpoints', async () => {
  const a = await cache.subscribe(node('111', 'default', 'a'), () => {});
  const b = await cache.subscribe(node('111', 'default', 'b'), () => {});
  try {
    assert.equal(a.current(), b.current());
    const snap = a.current();
    assert.ok(
      snap.resources.get(TYPE_URL.listener)!.has('svc.test:8000'),
      [...snap.resources.get(TYPE_URL.listener)!.keys()].join(),
    );
    assert.ok(snap.resources.get(TYPE_URL.cluster)!.has('svc'));
    assert.ok(snap.resources.get(TYPE_URL.endpoint)!.has('svc'));
    assert.equal(snap.resources.get(TYPE_URL.route)!.size, 1);
  } finally {
    a.close();
    b.close();
  }
});

test('an endpoint change republishes only EDS; a URL map change republishes RDS', async () => {
  const change = nextChange();
  const sub = await cache.subscribe(node('111'), change.onChange);
  try {
    const before = sub.current();
    await store.write((tx) => tx.attachEndpoints(NEG, [{ ipAddress: '10.0.0.2', port: 8080, instance: '' }]));
    const afterEds = await change.promise;
    assert.notEqual(afterEds.versions.get(TYPE_URL.endpoint), before.versions.get(TYPE_URL.endpoint));
    for (const t of [TYPE_URL.route, TYPE_URL.cluster])
      assert.equal(afterEds.versions.get(t), before.versions.get(t), t);
    // Listeners change only by the gRPC server listener of the new endpoint address.
    const added = [...afterEds.resources.get(TYPE_URL.listener)!.keys()].filter(
      (n) => !before.resources.get(TYPE_URL.listener)!.has(n),
    );
    assert.deepEqual(added, ['grpc/server?xds.resource.listening_address=10.0.0.2:8080']);
    assert.equal(
      afterEds.resources.get(TYPE_URL.listener)!.get('svc.test:8000'),
      before.resources.get(TYPE_URL.listener)!.get('svc.test:8000'),
      'unchanged resources are the same encoded objects',
    );

    const next = nextChange();
    const sub2 = await cache.subscribe(node('111', 'default', 'rds'), next.onChange);
    const patched = await resources.patch(
      new Renderer('http://vane.test'),
      { project: 'p', scope: 'global', collection: 'urlMaps' },
      'map',
      { description: 'changed', hostRules: [{ hosts: ['svc.test', 'alias.test'], pathMatcher: 'pm' }] },
      'test',
    );
    assert.equal(patched.status, 'DONE');
    const afterRds = await next.promise;
    assert.notEqual(afterRds.versions.get(TYPE_URL.route), afterEds.versions.get(TYPE_URL.route));
    assert.ok(afterRds.resources.get(TYPE_URL.listener)!.has('alias.test:8000'));
    assert.equal(
      afterRds.resources.get(TYPE_URL.cluster)!.get('svc'),
      before.resources.get(TYPE_URL.cluster)!.get('svc'),
      'a resource carried over by the endpoint change is still the same object after the next rebuild',
    );
    sub2.close();
  } finally {
    sub.close();
  }
});

/** A cache whose quiet period outlasts the test: whatever it publishes, it published without waiting. */
function slowCache(): SnapshotCache {
  return new SnapshotCache(store, {
    logger: pino({ level: 'silent' }),
    debounceMs: 60_000,
    debounceMaxMs: 60_000,
  });
}

const attach = (ip: string) =>
  store.write((tx) => tx.attachEndpoints(NEG, [{ ipAddress: ip, port: 8080, instance: '' }]));

test('the first change after a quiet period is pushed at once, without waiting for the quiet period', async () => {
  const quiet = slowCache();
  const change = nextChange();
  const sub = await quiet.subscribe(node('111', 'default', 'leading'), change.onChange);
  try {
    const before = sub.current();
    await attach('10.0.2.1');
    const after = await change.promise;
    assert.notEqual(after.versions.get(TYPE_URL.endpoint), before.versions.get(TYPE_URL.endpoint));
  } finally {
    sub.close();
    quiet.close();
  }
});

test('changes that follow a pushed one closely wait for the quiet period and go out together', async () => {
  const quiet = slowCache();
  const change = nextChange();
  const sub = await quiet.subscribe(node('111', 'default', 'trailing'), change.onChange);
  try {
    await attach('10.0.3.1');
    await change.promise;
    for (let i = 2; i <= 5; i++) await attach(`10.0.3.${i}`);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(change.count(), 1, 'the later changes wait for 60 s without a change');
  } finally {
    sub.close();
    quiet.close();
  }
});

test('a burst of changes is at most two publications: its first change, then the rest merged', async () => {
  const change = nextChange();
  const sub = await cache.subscribe(node('111', 'default', 'burst'), change.onChange);
  try {
    await new Promise((r) => setTimeout(r, 100));
    for (let i = 0; i < 5; i++) await attach(`10.0.1.${i}`);
    await change.promise;
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(change.count() <= 2, `${change.count()} publications`);
  } finally {
    sub.close();
  }
});

test('subscribers connected before a metadata filter names their label are split into views by it', async () => {
  const canaryChange = nextChange();
  const stableChange = nextChange();
  const canary = await cache.subscribe(
    { ...node('111', 'default', 'canary'), metadata: { track: 'canary' } },
    canaryChange.onChange,
  );
  const stable = await cache.subscribe(
    { ...node('111', 'default', 'stable'), metadata: { track: 'stable' } },
    stableChange.onChange,
  );
  const routes = (s: Snapshot) => s.versions.get(TYPE_URL.route);
  try {
    assert.equal(canary.current(), stable.current(), 'no filter names track: one view');
    const filtered = urlMap([
      {
        priority: 0,
        matchRules: [
          {
            prefixMatch: '/canary/',
            metadataFilters: [
              { filterMatchCriteria: 'MATCH_ALL', filterLabels: [{ name: 'track', value: 'canary' }] },
            ],
          },
        ],
        service: 'global/backendServices/svc',
      },
    ]);
    await apply([filtered]);
    const [c, s] = await Promise.all([canaryChange.promise, stableChange.promise]);
    assert.notEqual(routes(c), routes(s), 'the canary route reaches only the canary node');
    assert.notEqual(canary.current(), stable.current());
  } finally {
    canary.close();
    stable.close();
    await apply([urlMap()]);
  }
});

test('a configuration change carries over, as the same objects, the types it did not change', async () => {
  const change = nextChange();
  const sub = await cache.subscribe(node('111', 'default', 'carry'), change.onChange);
  try {
    const before = sub.current();
    await apply([
      urlMap([
        { priority: 0, matchRules: [{ prefixMatch: '/carried/' }], service: 'global/backendServices/svc' },
      ]),
    ]);
    const after = await change.promise;
    assert.notEqual(after.versions.get(TYPE_URL.route), before.versions.get(TYPE_URL.route));
    for (const type of [TYPE_URL.listener, TYPE_URL.cluster, TYPE_URL.endpoint]) {
      assert.equal(after.versions.get(type), before.versions.get(type), type);
      assert.equal(after.resources.get(type), before.resources.get(type), type);
    }
  } finally {
    sub.close();
    await apply([urlMap()]);
  }
});

test('every rebuild is reported with its trigger, its views and how long translating and publishing took', async () => {
  // A cache of its own: the shared one may still be rebuilding for the tests before.
  const timed = new SnapshotCache(store, { logger: pino({ level: 'silent' }), debounceMs: 0 });
  const reported: Rebuild[] = [];
  timed.rebuilds.add((r) => reported.push(r));
  const change = nextChange();
  const sub = await timed.subscribe(node('111', 'default', 'timed'), change.onChange);
  try {
    await attach('10.0.9.1');
    await change.promise;
    const next = nextChange();
    const sub2 = await timed.subscribe(node('111', 'default', 'timed-2'), next.onChange);
    await apply([
      urlMap([
        { priority: 0, matchRules: [{ prefixMatch: '/timed/' }], service: 'global/backendServices/svc' },
      ]),
    ]);
    await next.promise;
    sub2.close();
    assert.deepEqual(
      reported.map((r) => [r.trigger, r.views]),
      [
        ['endpoints', 1],
        ['configuration', 1],
      ],
    );
    for (const r of reported) {
      assert.ok(r.rebuildSeconds > 0 && r.rebuildSeconds < 60, JSON.stringify(r));
      assert.ok(r.publishSeconds >= 0 && r.publishSeconds < 60, JSON.stringify(r));
    }
  } finally {
    sub.close();
    timed.close();
    await apply([urlMap()]);
  }
});

test('a health change republishes EDS and leaves LDS, gRPC server listeners included, as it was', async () => {
  const health = new Map<string, 'HEALTHY' | 'UNHEALTHY'>();
  const healthCache = new SnapshotCache(store, {
    logger: pino({ level: 'silent' }),
    debounceMs: 10,
    health: () => health,
  });
  const change = nextChange();
  const sub = await healthCache.subscribe(node('111', 'default', 'health'), change.onChange);
  try {
    const before = sub.current();
    health.set(`${NEG}|10.0.0.1|8080`, 'UNHEALTHY');
    healthCache.healthChanged('p', new Set([NEG]));
    const after = await change.promise;
    assert.notEqual(after.versions.get(TYPE_URL.endpoint), before.versions.get(TYPE_URL.endpoint));
    assert.equal(after.versions.get(TYPE_URL.listener), before.versions.get(TYPE_URL.listener));
    assert.equal(
      after.resources.get(TYPE_URL.listener),
      before.resources.get(TYPE_URL.listener),
      'the listeners are carried over whole',
    );
    assert.ok(
      [...after.resources.get(TYPE_URL.listener)!.keys()].some((n) => n.startsWith('grpc/server?')),
      'the server listeners are still there',
    );
  } finally {
    sub.close();
    healthCache.close();
  }
});

test('a project is looked up by number once, and again after projects change', async () => {
  const refusal = async (number: string) => {
    try {
      await cache.check(node(number));
      return 'admitted';
    } catch (err) {
      return (err as Error).message;
    }
  };
  assert.equal(await refusal('333'), 'Requested entity was not found.');
  await store.write((tx) =>
    tx.createProject({ id: 'later', number: '333', createdAt: new Date().toISOString() }),
  );
  // Found now (it has no mesh yet): a miss is never remembered.
  assert.match(await refusal('333'), /configuration was not found for network "default" in project "333"/);
  await store.write((tx) => tx.deleteProject('later'));
  const deadline = Date.now() + 5000;
  while ((await refusal('333')) !== 'Requested entity was not found.') {
    assert.ok(Date.now() < deadline, 'a deleted project is still found');
    await new Promise((r) => setTimeout(r, 20));
  }
});
