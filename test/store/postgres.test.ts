import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { openStore } from '../../src/store/open.js';
import { changeChannel, parsePostgresUrl } from '../../src/store/postgres.js';
import type { Store } from '../../src/store/store.js';
import type { Change } from '../../src/store/types.js';
import { dropSchema, pgUrlFor, project, resource, uniqueSchema, waitFor, withPgClient } from './helpers.js';
import { runStoreSuite } from './store-suite.js';

const created: string[] = [];
after(async () => {
  // Safety net: every schema is already dropped when its store closes.
  for (const schema of created) await dropSchema(schema);
});

/** A store on a fresh schema, dropped when the store is closed. */
async function openFresh(): Promise<Store> {
  const schema = uniqueSchema();
  created.push(schema);
  const store = await openStore(pgUrlFor(schema));
  const close = store.close.bind(store);
  store.close = async () => {
    await close();
    await dropSchema(schema);
  };
  return store;
}

runStoreSuite('postgres', openFresh);

function revisionsOf(groups: Change[][]): number[] {
  return groups.map((g) => {
    assert.ok(g.every((c) => c.revision === g[0]!.revision));
    return g[0]!.revision;
  });
}

describe('postgres store', () => {
  it('parses the schema parameter and derives the notification channel', () => {
    const loc = parsePostgresUrl(
      'postgres://u:p@h:5433/db?schema=My_Schema&sslmode=disable&options=-c%20x%3Dy',
    );
    assert.equal(loc.schema, 'My_Schema');
    assert.equal(loc.options, '-c x=y');
    assert.equal(loc.connectionString, 'postgres://u:p@h:5433/db?sslmode=disable');
    assert.equal(parsePostgresUrl('postgresql://h/db').schema, 'public');
    assert.throws(() => parsePostgresUrl('postgres://h/db?schema=a;drop'), /invalid schema/);
    assert.equal(changeChannel('My_Schema'), 'vane_changes_my_schema');
    assert.ok(changeChannel('x'.repeat(100)).length <= 63);
  });

  it('keeps its tables in the schema of the URL; concurrent opens migrate once', async () => {
    const schema = uniqueSchema();
    created.push(schema);
    const url = pgUrlFor(schema);
    const stores = await Promise.all([openStore(url), openStore(url), openStore(url)]);
    try {
      assert.equal(stores[0]!.driver, 'postgres');
      await stores[0]!.write((tx) => tx.createProject(project('p1', '1')));
      assert.ok(await stores[2]!.getProject('p1'));
      await withPgClient(async (c) => {
        const tables = await c.query(
          'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name COLLATE "C"',
          [schema],
        );
        assert.deepEqual(
          tables.rows.map((r: { table_name: string }) => r.table_name),
          [
            'changes',
            'guest_attributes',
            'meta',
            'network_endpoints',
            'projects',
            'refs',
            'resources',
            'schema_migrations',
            'tokens',
          ],
        );
        // Bytewise ordering whatever the database's default collation.
        const collations = await c.query(
          `SELECT table_name || '.' || column_name AS col, collation_name FROM information_schema.columns
           WHERE table_schema = $1 AND column_name IN ('ip_address', 'instance', 'scope', 'name', 'path', 'namespace', 'key')
             AND table_name IN ('resources', 'network_endpoints', 'guest_attributes', 'refs')`,
          [schema],
        );
        assert.equal(collations.rowCount, 7);
        for (const row of collations.rows as { col: string; collation_name: string }[]) {
          assert.equal(row.collation_name, 'C', row.col);
        }
        const migrations = await c.query(`SELECT version FROM "${schema}".schema_migrations`);
        assert.equal(migrations.rowCount, 1);
      });
    } finally {
      for (const s of stores) await s.close();
      await dropSchema(schema);
    }
  });

  it('a second store on the same schema receives the first one’s changes (LISTEN/NOTIFY), and vice versa', async () => {
    const schema = uniqueSchema();
    created.push(schema);
    const a = await openStore(pgUrlFor(schema));
    const b = await openStore(pgUrlFor(schema));
    try {
      const seenA: Change[][] = [];
      const seenB: Change[][] = [];
      a.subscribe((c) => seenA.push(c));
      b.subscribe((c) => seenB.push(c));
      await a.write((tx) => tx.createProject(project('p1', '1')));
      await waitFor('b to receive revision 1', () => seenB.length === 1);
      assert.deepEqual(seenB, seenA);
      assert.deepEqual(seenB[0], [
        { revision: 1, kind: 'projects', project: 'p1', scope: '', name: 'p1', op: 'upsert' },
      ]);

      // Both write concurrently: both deliver the same revisions, in order, once.
      await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          (i % 2 === 0 ? a : b).write(async (tx) => {
            await tx.putResource(resource('p1', 'networks', 'global', `n${i}`), []);
            await tx.putResource(resource('p1', 'healthChecks', 'global', `hc${i}`), []);
          }),
        ),
      );
      const expected = Array.from({ length: 31 }, (_, i) => i + 1);
      await waitFor('all deliveries', () => seenA.length >= 31 && seenB.length >= 31);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.deepEqual(revisionsOf(seenA), expected);
      assert.deepEqual(seenB, seenA);
      assert.deepEqual(seenA.flat(), await a.changesSince(0));

      // A token-only transaction takes a revision without events; later ones still arrive.
      await a.write((tx) =>
        tx.putToken({
          id: 't',
          name: 't',
          hash: 'h',
          grants: [],
          createdAt: '2024-01-01T00:00:00.000Z',
          revokedAt: null,
        }),
      );
      await b.write((tx) => tx.deleteProject('p1'));
      await waitFor('delete delivered to a', () => seenA.length === 32);
      assert.deepEqual(revisionsOf(seenA).slice(-1), [33]);
      assert.deepEqual(seenB, seenA);
    } finally {
      await a.close();
      await b.close();
      await dropSchema(schema);
    }
  });

  it('reconnects a dropped LISTEN connection and catches up', async () => {
    const schema = uniqueSchema();
    created.push(schema);
    const a = await openStore(pgUrlFor(schema));
    const b = await openStore(pgUrlFor(schema));
    try {
      const seenB: Change[][] = [];
      b.subscribe((c) => seenB.push(c));
      await a.write((tx) => tx.createProject(project('p1', '1')));
      await waitFor('first delivery', () => seenB.length === 1);

      const killed = await withPgClient((c) =>
        c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [
          `vane-listen:${schema}`.slice(0, 63),
        ]),
      );
      assert.equal(killed.rowCount, 2);
      // Written while nobody listens.
      for (let i = 0; i < 3; i++) {
        await a.write((tx) => tx.putResource(resource('p1', 'networks', 'global', `n${i}`), []));
      }
      await waitFor('catch-up after reconnect', () => seenB.length === 4, 10_000);
      await a.write((tx) => tx.putResource(resource('p1', 'networks', 'global', 'after'), []));
      await waitFor('delivery after reconnect', () => seenB.length === 5, 10_000);
      assert.deepEqual(revisionsOf(seenB), [1, 2, 3, 4, 5]);
      const listening = await withPgClient((c) =>
        c.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [
          `vane-listen:${schema}`.slice(0, 63),
        ]),
      );
      assert.equal(listening.rows[0].n, 2);
    } finally {
      await a.close();
      await b.close();
      await dropSchema(schema);
    }
  });
});
