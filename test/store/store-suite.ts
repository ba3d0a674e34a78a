// The behavioural suite every Store implementation must pass (not a test file itself:
// sqlite.test.ts and postgres.test.ts run it).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep, setImmediate as yieldNow } from 'node:timers/promises';
import { isStoreConflictError, type Store } from '../../src/store/store.js';
import type { Change, NetworkEndpoint } from '../../src/store/types.js';
import { resourcePath } from '../../src/store/types.js';
import { compareEndpoints, project, resource } from './helpers.js';

async function rejectsConflict(promise: Promise<unknown>): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(isStoreConflictError(err), `expected a StoreConflictError, got ${String(err)}`);
    return true;
  });
}

/** Strips the revision so that change lists can be compared independently of it. */
function shape(changes: Change[]): string[] {
  return changes.map((c) => `${c.kind} ${c.project} ${c.scope} ${c.name} ${c.op}`);
}

const NEG = resourcePath('p1', 'zones/z1', 'networkEndpointGroups', 'neg1');
const VM = resourcePath('p1', 'zones/z1', 'instances', 'vm1');

export function runStoreSuite(name: string, open: () => Promise<Store>): void {
  async function withStore(fn: (store: Store) => Promise<void>): Promise<void> {
    const store = await open();
    try {
      await fn(store);
    } finally {
      await store.close();
    }
  }

  describe(`store suite: ${name}`, () => {
    it('starts empty at revision 0', () =>
      withStore(async (store) => {
        assert.ok(store.driver === 'sqlite' || store.driver === 'postgres');
        assert.equal(await store.revision(), 0);
        assert.deepEqual(await store.listProjects(), []);
        assert.deepEqual(await store.changesSince(0), []);
      }));

    it('creates, reads, lists and deletes projects; conflicts on id and number', () =>
      withStore(async (store) => {
        await store.write(async (tx) => {
          await tx.createProject(project('p2', '2002'));
          await tx.createProject(project('p1', '1001'));
        });
        assert.deepEqual(await store.getProject('p1'), project('p1', '1001'));
        assert.deepEqual(await store.getProjectByNumber('2002'), project('p2', '2002'));
        assert.equal(await store.getProject('nope'), undefined);
        assert.equal(await store.getProjectByNumber('999'), undefined);
        assert.deepEqual(
          (await store.listProjects()).map((p) => p.id),
          ['p1', 'p2'],
        );

        await rejectsConflict(store.write((tx) => tx.createProject(project('p1', '3003'))));
        await rejectsConflict(store.write((tx) => tx.createProject(project('p3', '1001'))));
        assert.equal(await store.getProject('p3'), undefined);

        // A conflict caught inside the transaction leaves it usable.
        const revision = await store.revision();
        await store.write(async (tx) => {
          await rejectsConflict(tx.createProject(project('p1', '4004')));
          await tx.createProject(project('p4', '4004'));
        });
        assert.deepEqual(await store.getProject('p4'), project('p4', '4004'));
        assert.equal(await store.revision(), revision + 1);

        assert.equal(await store.write((tx) => tx.deleteProject('p2')), true);
        assert.equal(await store.write((tx) => tx.deleteProject('p2')), false);
        assert.equal(await store.getProject('p2'), undefined);
        assert.equal(await store.getProjectByNumber('2002'), undefined);
        // The number is free again.
        await store.write((tx) => tx.createProject(project('p5', '2002')));
        assert.deepEqual(
          (await store.listProjects()).map((p) => p.id),
          ['p1', 'p4', 'p5'],
        );
      }));

    it('puts, gets and lists resources (scope filter, aggregated list, bytewise order)', () =>
      withStore(async (store) => {
        const names = ['b-net', 'B-net', 'a-net', '_net', 'a1', 'a-1'];
        await store.write(async (tx) => {
          await tx.createProject(project('p1', '1'));
          await tx.createProject(project('p2', '2'));
          for (const n of names) await tx.putResource(resource('p1', 'networks', 'global', n, { n }), []);
          await tx.putResource(resource('p1', 'instances', 'zones/z2', 'vm-b'), []);
          await tx.putResource(resource('p1', 'instances', 'zones/z1', 'vm-c'), []);
          await tx.putResource(resource('p1', 'instances', 'zones/z1', 'vm-a'), []);
          await tx.putResource(resource('p1', 'instances', 'zones/Z0', 'vm-z'), []);
          await tx.putResource(resource('p2', 'instances', 'zones/z1', 'vm-other'), []);
        });
        const revision = await store.revision();

        const nets = await store.listResources('p1', 'networks', 'global');
        assert.deepEqual(
          nets.map((r) => r.name),
          [...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))),
        );
        assert.deepEqual(
          nets.map((r) => r.name),
          ['B-net', '_net', 'a-1', 'a-net', 'a1', 'b-net'],
        );

        const all = await store.listResources('p1', 'instances');
        assert.deepEqual(
          all.map((r) => `${r.scope}/${r.name}`),
          ['zones/Z0/vm-z', 'zones/z1/vm-a', 'zones/z1/vm-c', 'zones/z2/vm-b'],
        );
        const z1 = await store.listResources('p1', 'instances', 'zones/z1');
        assert.deepEqual(
          z1.map((r) => r.name),
          ['vm-a', 'vm-c'],
        );
        assert.deepEqual(await store.listResources('p1', 'instances', 'zones/none'), []);
        assert.deepEqual(await store.listResources('p1', 'urlMaps'), []);

        const input = resource('p1', 'backendServices', 'global', 'bs', {
          description: 'x',
          nested: { list: [1, 'two', { three: true }], nothing: null },
          unicode: 'h\u00e9llo \u{1f600}',
        });
        await store.write((tx) => tx.putResource(input, []));
        const got = await store.getResource(resourcePath('p1', 'global', 'backendServices', 'bs'));
        assert.deepEqual(got, { ...input, revision: revision + 1 });
        assert.equal(
          await store.getResource(resourcePath('p1', 'global', 'backendServices', 'nope')),
          undefined,
        );

        // Replace: same path and id, new body; the revision follows the writing transaction.
        const replaced = { ...input, body: { description: 'y' }, fingerprint: 'fp-new' };
        await store.write((tx) => tx.putResource(replaced, []));
        assert.deepEqual(await store.getResource(resourcePath('p1', 'global', 'backendServices', 'bs')), {
          ...replaced,
          revision: revision + 2,
        });

        // The id is unique across the store.
        await rejectsConflict(
          store.write((tx) => tx.putResource(resource('p2', 'networks', 'global', 'n', {}, input.id), [])),
        );
        assert.equal(await store.getResource(resourcePath('p2', 'global', 'networks', 'n')), undefined);
        // A resource in a project that does not exist is refused.
        await assert.rejects(
          store.write((tx) => tx.putResource(resource('nope', 'networks', 'global', 'n'), [])),
        );
        assert.equal(await store.revision(), revision + 2);
      }));

    it('tracks references and answers referrers', () =>
      withStore(async (store) => {
        const hc = resourcePath('p1', 'global', 'healthChecks', 'hc');
        const neg = resourcePath('p1', 'zones/z1', 'networkEndpointGroups', 'neg');
        const bsA = resource('p1', 'backendServices', 'global', 'bs-a');
        const bsB = resource('p1', 'backendServices', 'global', 'bs-b');
        const pathA = resourcePath('p1', 'global', 'backendServices', 'bs-a');
        const pathB = resourcePath('p1', 'global', 'backendServices', 'bs-b');
        await store.write(async (tx) => {
          await tx.createProject(project('p1', '1'));
          await tx.putResource(resource('p1', 'healthChecks', 'global', 'hc'), []);
          await tx.putResource(resource('p1', 'networkEndpointGroups', 'zones/z1', 'neg'), []);
          await tx.putResource(bsB, [hc, neg, hc]);
          await tx.putResource(bsA, [hc]);
        });
        assert.deepEqual(await store.referrers(hc), [pathA, pathB]);
        assert.deepEqual(await store.referrers(neg), [pathB]);
        assert.deepEqual(await store.referrers(pathA), []);

        // Put replaces the outgoing references.
        await store.write((tx) => tx.putResource(bsB, [neg]));
        assert.deepEqual(await store.referrers(hc), [pathA]);
        assert.deepEqual(await store.referrers(neg), [pathB]);

        // Deleting a resource removes its outgoing references.
        assert.equal(await store.write((tx) => tx.deleteResource(pathA)), true);
        assert.equal(await store.write((tx) => tx.deleteResource(pathA)), false);
        assert.equal(await store.getResource(pathA), undefined);
        assert.deepEqual(await store.referrers(hc), []);
      }));

    it('deleteProject removes everything under the project and emits one change', () =>
      withStore(async (store) => {
        const seen: Change[][] = [];
        store.subscribe((c) => seen.push(c));
        // p10 shares the "p1" prefix: it must survive.
        for (const p of ['p1', 'p10']) {
          const neg = resourcePath(p, 'zones/z1', 'networkEndpointGroups', 'neg1');
          const vm = resourcePath(p, 'zones/z1', 'instances', 'vm1');
          const hc = resourcePath(p, 'global', 'healthChecks', 'hc');
          await store.write(async (tx) => {
            await tx.createProject(project(p, p === 'p1' ? '1' : '10'));
            await tx.putResource(resource(p, 'healthChecks', 'global', 'hc'), []);
            await tx.putResource(resource(p, 'networkEndpointGroups', 'zones/z1', 'neg1'), []);
            await tx.putResource(resource(p, 'instances', 'zones/z1', 'vm1'), []);
            await tx.putResource(resource(p, 'backendServices', 'global', 'bs'), [hc, neg]);
            await tx.attachEndpoints(neg, [{ ipAddress: '10.0.0.1', port: 80, instance: 'vm1' }]);
            await tx.setGuestAttributes(vm, [{ namespace: 'ns', key: 'k', value: 'v' }]);
          });
        }
        const before = await store.revision();
        seen.length = 0;
        assert.equal(await store.write((tx) => tx.deleteProject('p1')), true);
        assert.equal(await store.revision(), before + 1);
        assert.deepEqual(seen, [
          [{ revision: before + 1, kind: 'projects', project: 'p1', scope: '', name: 'p1', op: 'delete' }],
        ]);

        assert.equal(await store.getProject('p1'), undefined);
        for (const c of ['healthChecks', 'networkEndpointGroups', 'instances', 'backendServices'] as const) {
          assert.deepEqual(await store.listResources('p1', c), []);
          assert.equal((await store.listResources('p10', c)).length, 1);
        }
        assert.equal(await store.countEndpoints(NEG), 0);
        assert.deepEqual(await store.getGuestAttributes(VM), []);
        assert.deepEqual(await store.referrers(resourcePath('p1', 'global', 'healthChecks', 'hc')), []);

        assert.equal(
          await store.countEndpoints(resourcePath('p10', 'zones/z1', 'networkEndpointGroups', 'neg1')),
          1,
        );
        assert.equal(
          (await store.getGuestAttributes(resourcePath('p10', 'zones/z1', 'instances', 'vm1'))).length,
          1,
        );
        assert.deepEqual(await store.referrers(resourcePath('p10', 'global', 'healthChecks', 'hc')), [
          resourcePath('p10', 'global', 'backendServices', 'bs'),
        ]);

        // The project can be created again, empty.
        await store.write((tx) => tx.createProject(project('p1', '1')));
        assert.deepEqual(await store.listResources('p1', 'instances'), []);
      }));

    it('bumps the revision once per writing transaction, never for read-only or no-op ones', () =>
      withStore(async (store) => {
        assert.equal(await store.revision(), 0);
        await store.write((tx) => tx.createProject(project('p1', '1')));
        assert.equal(await store.revision(), 1);

        const seen: Change[][] = [];
        store.subscribe((c) => seen.push(c));
        const result = await store.write(async (tx) => {
          await tx.listProjects();
          await tx.getResource(NEG);
          return 'read-only';
        });
        assert.equal(result, 'read-only');
        assert.equal(await store.revision(), 1);

        await store.write(async (tx) => {
          await tx.putResource(resource('p1', 'networkEndpointGroups', 'zones/z1', 'neg1'), []);
          await tx.putResource(resource('p1', 'instances', 'zones/z1', 'vm1'), []);
          await tx.attachEndpoints(NEG, [{ ipAddress: '10.0.0.1', port: 80, instance: '' }]);
          await tx.setGuestAttributes(VM, [{ namespace: 'n', key: 'k', value: 'v' }]);
          await tx.putToken({
            id: 't1',
            name: 'token',
            hash: 'h1',
            grants: [],
            createdAt: '2024-01-01T00:00:00.000Z',
            revokedAt: null,
          });
        });
        assert.equal(await store.revision(), 2);
        seen.length = 0;

        // Writes that change nothing.
        await store.write(async (tx) => {
          assert.equal(await tx.deleteResource(resourcePath('p1', 'global', 'networks', 'none')), false);
          assert.equal(await tx.deleteProject('none'), false);
          assert.equal(await tx.attachEndpoints(NEG, [{ ipAddress: '10.0.0.1', port: 80, instance: '' }]), 0);
          assert.equal(await tx.detachEndpoints(NEG, [{ ipAddress: '10.9.9.9', port: 80, instance: '' }]), 0);
          assert.equal(await tx.deleteGuestAttributes(VM, 'other'), 0);
          await tx.setGuestAttributes(VM, []);
          assert.equal(await tx.revokeToken('none', '2024-01-01T00:00:00.000Z'), false);
          assert.equal(await tx.revision(), 2);
        });
        assert.equal(await store.revision(), 2);
        assert.equal(seen.length, 0);
        assert.deepEqual(await store.changesSince(2), []);

        // Many writes in one transaction take one revision; tx.revision() shows it once written.
        await store.write(async (tx) => {
          assert.equal(await tx.revision(), 2);
          for (let i = 0; i < 5; i++) await tx.putResource(resource('p1', 'networks', 'global', `n${i}`), []);
          assert.equal(await tx.revision(), 3);
          await tx.attachEndpoints(NEG, [{ ipAddress: '10.0.0.2', port: 80, instance: '' }]);
        });
        assert.equal(await store.revision(), 3);
        for (const r of await store.listResources('p1', 'networks')) assert.equal(r.revision, 3);
        assert.equal(seen.length, 1);
        assert.equal(seen[0]!.length, 6);

        // Token writes change the database (a new revision) but emit no change.
        await store.write((tx) => tx.revokeToken('t1', '2024-02-01T00:00:00.000Z'));
        assert.equal(await store.revision(), 4);
        assert.deepEqual(await store.changesSince(3), []);
        assert.equal(seen.length, 1);
      }));

    it('rolls everything back when the transaction throws', () =>
      withStore(async (store) => {
        await store.write((tx) => tx.createProject(project('p1', '1')));
        const seen: Change[][] = [];
        store.subscribe((c) => seen.push(c));
        const boom = new Error('boom');
        await assert.rejects(
          store.write(async (tx) => {
            for (let i = 0; i < 3; i++)
              await tx.putResource(resource('p1', 'networks', 'global', `n${i}`), []);
            await tx.putResource(resource('p1', 'networkEndpointGroups', 'zones/z1', 'neg1'), []);
            await tx.attachEndpoints(NEG, [{ ipAddress: '10.0.0.1', port: 80, instance: '' }]);
            await tx.setGuestAttributes(VM, [{ namespace: 'n', key: 'k', value: 'v' }]);
            await tx.createProject(project('p2', '2'));
            await tx.deleteProject('p1');
            throw boom;
          }),
          (err) => err === boom,
        );
        assert.equal(await store.revision(), 1);
        assert.ok(await store.getProject('p1'));
        assert.equal(await store.getProject('p2'), undefined);
        assert.deepEqual(await store.listResources('p1', 'networks'), []);
        assert.equal(await store.countEndpoints(NEG), 0);
        assert.deepEqual(await store.getGuestAttributes(VM), []);
        assert.deepEqual(await store.changesSince(1), []);
        assert.deepEqual(seen, []);

        // A non-async throw and a rejected conflict roll back too.
        await assert.rejects(
          store.write((): Promise<void> => {
            throw new Error('sync');
          }),
          /sync/,
        );
        await rejectsConflict(
          store.write(async (tx) => {
            await tx.putResource(resource('p1', 'networks', 'global', 'kept-out'), []);
            await tx.createProject(project('p1', '1'));
          }),
        );
        assert.deepEqual(await store.listResources('p1', 'networks'), []);
        assert.equal(await store.revision(), 1);

        // A statement that failed in the database dooms the transaction even if fn caught the error
        // (PostgreSQL aborts such a transaction; SQLite is made to agree).
        await assert.rejects(
          store.write(async (tx) => {
            const broken = { id: 'p9', number: '9', createdAt: null as unknown as string };
            await assert.rejects(tx.createProject(broken));
            await tx.putResource(resource('p1', 'networks', 'global', 'doomed'), []);
          }),
        );
        assert.deepEqual(await store.listResources('p1', 'networks'), []);
        assert.equal(await store.revision(), 1);

        // The store still works afterwards.
        await store.write((tx) => tx.putResource(resource('p1', 'networks', 'global', 'ok'), []));
        assert.equal(await store.revision(), 2);
      }));

    it('records changes and delivers them to subscribers once per revision, in order, exactly once', () =>
      withStore(async (store) => {
        const seen: Change[][] = [];
        const seen2: Change[][] = [];
        const unsubscribe = store.subscribe((c) => seen.push(c));
        store.subscribe((c) => seen2.push(c));
        const neg = NEG;
        const vm = VM;
        const bs = resourcePath('p1', 'global', 'backendServices', 'bs');

        await store.write((tx) => tx.createProject(project('p1', '1')));
        await store.write(async (tx) => {
          await tx.putResource(resource('p1', 'networkEndpointGroups', 'zones/z1', 'neg1'), []);
          await tx.putResource(resource('p1', 'instances', 'zones/z1', 'vm1'), []);
          await tx.putResource(resource('p1', 'backendServices', 'global', 'bs'), [neg]);
        });
        await store.write(async (tx) => {
          await tx.attachEndpoints(neg, [{ ipAddress: '10.0.0.1', port: 80, instance: 'vm1' }]);
          // A second attach to the same NEG in one transaction records one event.
          await tx.attachEndpoints(neg, [{ ipAddress: '10.0.0.2', port: 80, instance: 'vm1' }]);
          await tx.setGuestAttributes(vm, [{ namespace: 'ns', key: 'k', value: 'v' }]);
        });
        await store.write(async (tx) => {
          await tx.detachEndpoints(neg, [{ ipAddress: '10.0.0.1', port: 80, instance: 'vm1' }]);
          await tx.deleteGuestAttributes(vm, 'ns', 'k');
          await tx.deleteResource(bs);
        });
        await store.write(async (tx) => {
          await tx.putResource(resource('p1', 'networks', 'global', 'n1'), []);
          await tx.deleteResource(resourcePath('p1', 'global', 'networks', 'n1'));
          await tx.putResource(resource('p1', 'networks', 'global', 'n1'), []);
        });

        const expected = [
          ['projects p1  p1 upsert'],
          [
            'networkEndpointGroups p1 zones/z1 neg1 upsert',
            'instances p1 zones/z1 vm1 upsert',
            'backendServices p1 global bs upsert',
          ],
          ['networkEndpoints p1 zones/z1 neg1 upsert', 'guestAttributes p1 zones/z1 vm1 upsert'],
          [
            'networkEndpoints p1 zones/z1 neg1 delete',
            'guestAttributes p1 zones/z1 vm1 delete',
            'backendServices p1 global bs delete',
          ],
          ['networks p1 global n1 upsert', 'networks p1 global n1 delete', 'networks p1 global n1 upsert'],
        ];
        // Delivered before write() resolved.
        assert.deepEqual(seen.map(shape), expected);
        // Give late notifications / polls a chance to deliver twice (they must not).
        await sleep(500);
        assert.deepEqual(seen.map(shape), expected);
        assert.deepEqual(seen2, seen);
        seen.forEach((group, i) => {
          for (const c of group) assert.equal(c.revision, i + 1);
        });

        const recorded = await store.changesSince(0);
        assert.deepEqual(recorded, seen.flat());
        assert.deepEqual(await store.changesSince(3), seen.slice(3).flat());
        assert.deepEqual(await store.changesSince(0, 2), seen.flat().slice(0, 2));
        assert.deepEqual(await store.changesSince(5), []);

        unsubscribe();
        await store.write((tx) => tx.deleteProject('p1'));
        assert.equal(seen.length, 5);
        assert.equal(seen2.length, 6);
        assert.deepEqual(shape(seen2[5]!), ['projects p1  p1 delete']);
      }));

    it('delivers concurrent transactions in revision order', () =>
      withStore(async (store) => {
        await store.write((tx) => tx.createProject(project('p1', '1')));
        const revisions: number[] = [];
        store.subscribe((changes) => {
          assert.equal(changes.length, 1);
          revisions.push(changes[0]!.revision);
        });
        await Promise.all(
          Array.from({ length: 15 }, (_, i) =>
            store.write((tx) => tx.putResource(resource('p1', 'networks', 'global', `n${i}`), [])),
          ),
        );
        assert.deepEqual(
          revisions,
          Array.from({ length: 15 }, (_, i) => i + 2),
        );
      }));

    it('attaches (idempotently), detaches, counts and pages endpoints in a stable order', () =>
      withStore(async (store) => {
        await store.write(async (tx) => {
          await tx.createProject(project('p1', '1'));
          await tx.putResource(resource('p1', 'networkEndpointGroups', 'zones/z1', 'neg1'), []);
        });
        const a: NetworkEndpoint = { ipAddress: '10.0.0.1', port: 80, instance: 'vm1' };
        const b: NetworkEndpoint = { ipAddress: '10.0.0.1', port: 8080, instance: 'vm1' };
        const c: NetworkEndpoint = { ipAddress: '10.0.0.1', port: 80, instance: '' };
        assert.equal(await store.write((tx) => tx.attachEndpoints(NEG, [a, b, a])), 2);
        assert.equal(await store.write((tx) => tx.attachEndpoints(NEG, [a, b, c])), 1);
        assert.equal(await store.countEndpoints(NEG), 3);
        assert.deepEqual((await store.listEndpoints(NEG, { limit: 10 })).items, [c, a, b]);
        assert.equal(await store.write((tx) => tx.detachEndpoints(NEG, [a, { ...a, port: 81 }])), 1);
        assert.equal(await store.write((tx) => tx.detachEndpoints(NEG, [a])), 0);
        assert.deepEqual(await store.listEndpoints(NEG, { limit: 10 }), { items: [c, b] });
        assert.equal(
          await store.countEndpoints(resourcePath('p1', 'zones/z1', 'networkEndpointGroups', 'x')),
          0,
        );

        // 2,500 endpoints: IPv4 and IPv6, ports whose text and numeric orders differ, with and without instance.
        const many: NetworkEndpoint[] = [];
        const ports = [80, 8080, 443, 9, 10000];
        for (let i = 0; many.length < 2500; i++) {
          const ip =
            i % 3 === 0
              ? `10.0.${i % 7}.${i % 251}`
              : i % 3 === 1
                ? `fd00::${(i % 509).toString(16)}`
                : `2001:db8::${(i % 257).toString(16)}:1`;
          const e = {
            ipAddress: ip,
            port: ports[i % ports.length]!,
            instance: i % 4 === 0 ? '' : `vm-${i % 5}`,
          };
          if (!many.some((m) => compareEndpoints(m, e) === 0)) many.push(e);
        }
        await store.write((tx) => tx.detachEndpoints(NEG, [b, c]));
        // Shuffled input, in two transactions.
        const shuffled = [...many].sort(() => Math.random() - 0.5);
        assert.equal(await store.write((tx) => tx.attachEndpoints(NEG, shuffled.slice(0, 1300))), 1300);
        assert.equal(await store.write((tx) => tx.attachEndpoints(NEG, shuffled)), 1200);
        assert.equal(await store.countEndpoints(NEG), 2500);

        const expected = [...many].sort(compareEndpoints);
        for (const limit of [100, 333, 2500, 5000]) {
          const listed: NetworkEndpoint[] = [];
          let after: NetworkEndpoint | undefined;
          let pages = 0;
          for (;;) {
            const page = await store.listEndpoints(NEG, after ? { after, limit } : { limit });
            pages++;
            assert.ok(page.items.length <= limit);
            listed.push(...page.items);
            if (!page.next) break;
            assert.equal(page.items.length, limit);
            assert.deepEqual(page.next, page.items[page.items.length - 1]);
            after = page.next;
          }
          assert.equal(pages, Math.ceil(2500 / limit));
          assert.deepEqual(listed, expected);
        }
        // Numeric port order within one address, bytewise address order.
        const same = expected.filter((e) => e.ipAddress === expected[0]!.ipAddress).map((e) => e.port);
        assert.deepEqual(
          same,
          [...same].sort((x, y) => x - y),
        );
        assert.ok(expected.findIndex((e) => e.ipAddress === '10.0.0.0') >= 0);

        // `after` need not be an attached endpoint.
        const page = await store.listEndpoints(NEG, {
          after: { ipAddress: '2', port: 0, instance: '' },
          limit: 1,
        });
        assert.deepEqual(page.items, [expected.find((e) => e.ipAddress > '2')]);
        await assert.rejects(store.listEndpoints(NEG, { limit: 0 }), RangeError);

        // Detach in bulk; deleting the NEG removes the rest.
        assert.equal(await store.write((tx) => tx.detachEndpoints(NEG, expected.slice(0, 1000))), 1000);
        assert.equal(await store.countEndpoints(NEG), 1500);
        assert.deepEqual((await store.listEndpoints(NEG, { limit: 1 })).items, [expected[1000]]);
        assert.equal(await store.write((tx) => tx.deleteResource(NEG)), true);
        assert.equal(await store.countEndpoints(NEG), 0);
      }));

    it('upserts, filters and deletes guest attributes', () =>
      withStore(async (store) => {
        await store.write(async (tx) => {
          await tx.createProject(project('p1', '1'));
          await tx.putResource(resource('p1', 'instances', 'zones/z1', 'vm1'), []);
        });
        const start = new Date().toISOString();
        await store.write((tx) =>
          tx.setGuestAttributes(VM, [
            { namespace: 'ns2', key: 'a', value: '1' },
            { namespace: 'ns1', key: 'b', value: '2' },
            { namespace: 'ns1', key: 'a', value: '3' },
          ]),
        );
        const all = await store.getGuestAttributes(VM);
        assert.deepEqual(
          all.map((a) => `${a.namespace}/${a.key}=${a.value}`),
          ['ns1/a=3', 'ns1/b=2', 'ns2/a=1'],
        );
        for (const a of all) {
          assert.equal(new Date(a.updatedAt).toISOString(), a.updatedAt);
          assert.ok(a.updatedAt >= start);
        }
        assert.deepEqual(
          (await store.getGuestAttributes(VM, 'ns1')).map((a) => a.key),
          ['a', 'b'],
        );
        assert.deepEqual(await store.getGuestAttributes(VM, 'none'), []);

        await sleep(5);
        await store.write((tx) =>
          tx.setGuestAttributes(VM, [
            { namespace: 'ns1', key: 'a', value: 'old' },
            { namespace: 'ns1', key: 'a', value: 'new' },
          ]),
        );
        const [updated] = await store.getGuestAttributes(VM, 'ns1');
        assert.equal(updated!.value, 'new');
        assert.ok(updated!.updatedAt > all[0]!.updatedAt);
        assert.equal((await store.getGuestAttributes(VM)).length, 3);

        assert.equal(await store.write((tx) => tx.deleteGuestAttributes(VM, 'ns1', 'b')), 1);
        assert.equal(await store.write((tx) => tx.deleteGuestAttributes(VM, 'ns1', 'b')), 0);
        await store.write((tx) => tx.setGuestAttributes(VM, [{ namespace: 'ns1', key: 'c', value: '4' }]));
        assert.equal(await store.write((tx) => tx.deleteGuestAttributes(VM, 'ns1')), 2);
        assert.deepEqual(
          (await store.getGuestAttributes(VM)).map((a) => a.namespace),
          ['ns2'],
        );
        await store.write((tx) => tx.setGuestAttributes(VM, [{ namespace: 'ns3', key: 'x', value: '5' }]));
        assert.equal(await store.write((tx) => tx.deleteGuestAttributes(VM)), 2);
        assert.deepEqual(await store.getGuestAttributes(VM), []);

        // Deleting the instance removes its attributes.
        await store.write((tx) => tx.setGuestAttributes(VM, [{ namespace: 'ns', key: 'k', value: 'v' }]));
        await store.write((tx) => tx.deleteResource(VM));
        assert.deepEqual(await store.getGuestAttributes(VM), []);
      }));

    it('puts, finds, lists and revokes tokens', () =>
      withStore(async (store) => {
        const t1 = {
          id: 'tok-1',
          name: 'admin',
          hash: 'a'.repeat(64),
          grants: [{ project: '*', role: 'admin' as const }],
          createdAt: '2024-01-01T00:00:00.000Z',
          revokedAt: null,
        };
        const t2 = {
          id: 'tok-0',
          name: 'proxy',
          hash: 'b'.repeat(64),
          grants: [
            { project: 'p1', role: 'proxy' as const },
            { project: 'p2', role: 'viewer' as const },
          ],
          createdAt: '2024-01-02T00:00:00.000Z',
          revokedAt: null,
        };
        await store.write(async (tx) => {
          await tx.putToken(t1);
          await tx.putToken(t2);
        });
        assert.deepEqual(await store.findTokenByHash(t1.hash), t1);
        assert.deepEqual(await store.findTokenByHash(t2.hash), t2);
        assert.equal(await store.findTokenByHash('c'.repeat(64)), undefined);
        assert.deepEqual(await store.listTokens(), [t1, t2]);
        assert.deepEqual(await store.changesSince(0), []);

        await rejectsConflict(store.write((tx) => tx.putToken({ ...t1, id: 'tok-3' })));
        const renamed = { ...t2, name: 'proxy-2' };
        await store.write((tx) => tx.putToken(renamed));
        assert.deepEqual(await store.findTokenByHash(t2.hash), renamed);

        assert.equal(await store.write((tx) => tx.revokeToken('tok-1', '2024-03-01T00:00:00.000Z')), true);
        assert.equal(await store.write((tx) => tx.revokeToken('tok-1', '2024-04-01T00:00:00.000Z')), false);
        assert.equal(await store.write((tx) => tx.revokeToken('nope', '2024-04-01T00:00:00.000Z')), false);
        assert.deepEqual(await store.findTokenByHash(t1.hash), {
          ...t1,
          revokedAt: '2024-03-01T00:00:00.000Z',
        });
        assert.equal((await store.listTokens()).length, 2);
      }));

    it('reads outside a transaction never see its uncommitted writes', () =>
      withStore(async (store) => {
        await store.write((tx) => tx.createProject(project('p1', '1')));
        const path = resourcePath('p1', 'global', 'networks', 'n1');
        await store.write(async (tx) => {
          await tx.putResource(resource('p1', 'networks', 'global', 'n1'), []);
          await tx.attachEndpoints(NEG, [{ ipAddress: '10.0.0.1', port: 80, instance: '' }]);
          assert.ok(await tx.getResource(path));
          assert.equal(await tx.countEndpoints(NEG), 1);
          assert.equal((await tx.changesSince(1)).length, 2);
          assert.equal(await store.getResource(path), undefined);
          assert.equal(await store.countEndpoints(NEG), 0);
          assert.equal(await store.revision(), 1);
          assert.deepEqual(await store.changesSince(1), []);
        });
        assert.ok(await store.getResource(path));
        assert.equal(await store.revision(), 2);
      }));

    it('serialises concurrent write() calls (no lost updates)', () =>
      withStore(async (store) => {
        const counter = resource('p1', 'networks', 'global', 'counter', { count: 0 });
        const path = resourcePath('p1', 'global', 'networks', 'counter');
        await store.write(async (tx) => {
          await tx.createProject(project('p1', '1'));
          await tx.putResource(counter, []);
        });
        await Promise.all(
          Array.from({ length: 20 }, () =>
            store.write(async (tx) => {
              const current = await tx.getResource(path);
              await yieldNow();
              await sleep(1);
              await tx.putResource({ ...counter, body: { count: Number(current!.body.count) + 1 } }, []);
            }),
          ),
        );
        assert.deepEqual((await store.getResource(path))!.body, { count: 20 });
        assert.equal(await store.revision(), 21);
      }));

    it('refuses nested writes, use of a finished transaction and use after close', async () => {
      const store = await open();
      let leaked: Parameters<Parameters<Store['write']>[0]>[0] | undefined;
      await store.write(async (tx) => {
        leaked = tx;
        await assert.rejects(
          store.write(async () => {}),
          /inside a write transaction/,
        );
        await tx.createProject(project('p1', '1'));
      });
      await assert.rejects(leaked!.listProjects(), /finished/);
      await assert.rejects(leaked!.createProject(project('p2', '2')), /finished/);
      assert.deepEqual(
        (await store.listProjects()).map((p) => p.id),
        ['p1'],
      );
      // A write queued before close() still completes; later ones are refused.
      const queued = store.write((tx) => tx.createProject(project('p3', '3')));
      const closing = store.close();
      await queued;
      await closing;
      await store.close();
      await assert.rejects(
        store.write(async () => {}),
        /closed/,
      );
      await assert.rejects(store.revision(), /closed/);
    });
  });
}
