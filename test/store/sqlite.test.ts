import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { openStore } from '../../src/store/open.js';
import type { Change } from '../../src/store/types.js';
import { resourcePath } from '../../src/store/types.js';
import { project, resource, waitFor } from './helpers.js';
import { runStoreSuite } from './store-suite.js';

const root = mkdtempSync(join(tmpdir(), 'vane-sqlite-test-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
function freshFile(): string {
  n++;
  return join(root, `db-${n}`, 'store.db');
}

runStoreSuite('sqlite', () => openStore(`sqlite:${freshFile()}`));

describe('sqlite store', () => {
  it('creates parent directories and uses WAL, full sync and foreign keys; records migrations', async () => {
    const file = join(root, 'deep', 'er', 'vane.db');
    const store = await openStore(`sqlite:${file}`);
    try {
      assert.equal(store.driver, 'sqlite');
      assert.ok(existsSync(file));
    } finally {
      await store.close();
    }
    const db = new Database(file, { readonly: true });
    try {
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      const versions = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
      assert.deepEqual(versions, [{ version: 1, name: 'initial schema' }]);
    } finally {
      db.close();
    }
    // Reopening does not migrate twice.
    const again = await openStore(`sqlite://${file}`);
    await again.close();
  });

  it('sqlite::memory: is a throw-away store removed on close', async () => {
    const before = new Set(readdirSync(tmpdir()));
    const store = await openStore('sqlite::memory:');
    const created = readdirSync(tmpdir()).filter((f) => !before.has(f) && f.startsWith('vane-memory-'));
    assert.equal(created.length, 1);
    await store.write((tx) => tx.createProject(project('p1', '1')));
    assert.ok(await store.getProject('p1'));
    await store.close();
    assert.equal(existsSync(join(tmpdir(), created[0]!)), false);
    const other = await openStore('sqlite::memory:');
    assert.equal(await other.getProject('p1'), undefined);
    await other.close();
  });

  it('rejects unsupported URLs, naming the supported schemes', async () => {
    await assert.rejects(openStore('mysql://user:secret@host/db'), (err: Error) => {
      assert.match(err.message, /sqlite:/);
      assert.match(err.message, /postgres:\/\//);
      assert.doesNotMatch(err.message, /secret/);
      return true;
    });
    await assert.rejects(openStore('store.db'), /supported/);
  });

  it('two stores on one file: writers are serialised and each sees the other’s changes', async () => {
    const url = `sqlite:${freshFile()}`;
    const a = await openStore(url);
    const b = await openStore(url);
    try {
      const counter = resource('p1', 'networks', 'global', 'counter', { count: 0 });
      const path = resourcePath('p1', 'global', 'networks', 'counter');
      const seenA: Change[][] = [];
      const seenB: Change[][] = [];
      a.subscribe((c) => seenA.push(c));
      b.subscribe((c) => seenB.push(c));
      await a.write(async (tx) => {
        await tx.createProject(project('p1', '1'));
        await tx.putResource(counter, []);
      });
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 === 0 ? a : b).write(async (tx) => {
            const current = await tx.getResource(path);
            await new Promise((resolve) => setTimeout(resolve, 1));
            await tx.putResource({ ...counter, body: { count: Number(current!.body.count) + 1 } }, []);
          }),
        ),
      );
      assert.deepEqual((await b.getResource(path))!.body, { count: 20 });
      // Each store delivers every revision once, in order: its own at once, the other's by polling.
      await waitFor('deliveries', () => seenA.length === 21 && seenB.length === 21);
      const revisions = Array.from({ length: 21 }, (_, i) => i + 1);
      assert.deepEqual(
        seenA.map((g) => g[0]!.revision),
        revisions,
      );
      assert.deepEqual(seenB, seenA);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
