// Kills a writing process at arbitrary moments and checks that every transaction it reported
// committed survived, and that no transaction is ever partially present. Also runs several
// writer processes at once against one store (no lost updates across processes).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openStore } from '../../src/store/open.js';
import { resourcePath } from '../../src/store/types.js';
import { CRASH_PROJECT } from './crash-writer.js';
import { dropSchema, pgUrlFor, uniqueSchema } from './helpers.js';

const WRITER = fileURLToPath(new URL('./crash-writer.js', import.meta.url));
const PER_TX = 8;

const root = mkdtempSync(join(tmpdir(), 'vane-crash-test-'));
const schemas: string[] = [];
after(async () => {
  rmSync(root, { recursive: true, force: true });
  for (const s of schemas) await dropSchema(s);
});

interface Commit {
  tag: number;
  revision: number;
}

type KillPolicy = { afterCommits: number } | { afterMs: number };

/** Runs a writer until the policy says to SIGKILL it; resolves with the commits it reported. */
function runWriter(url: string, firstTag: number, policy: KillPolicy): Promise<Commit[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, 'write', url, String(firstTag), String(PER_TX)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const commits: Commit[] = [];
    let buffered = '';
    let stderr = '';
    const kill = (): void => {
      child.kill('SIGKILL');
    };
    const guard = setTimeout(kill, 20_000);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      stderr += d;
    });
    child.stdout.on('data', (d: string) => {
      buffered += d;
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const [tag, revision] = line.split(' ').map(Number);
        commits.push({ tag: tag!, revision: revision! });
        if (commits.length === 1 && 'afterMs' in policy) setTimeout(kill, policy.afterMs);
        if ('afterCommits' in policy && commits.length >= policy.afterCommits) kill();
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      if (signal !== 'SIGKILL') reject(new Error(`writer exited with ${code ?? signal}: ${stderr}`));
      else resolve(commits);
    });
  });
}

function runCounter(url: string, times: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, 'count', url, String(times)], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      stderr += d;
    });
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`counter exited ${code}: ${stderr}`)),
    );
  });
}

/** Reopens the store: every reported commit is there, every transaction is whole. */
async function verify(url: string, reported: Commit[]): Promise<number> {
  const store = await openStore(url);
  try {
    const byTag = new Map<number, { count: number; revisions: Set<number> }>();
    for (const r of await store.listResources(CRASH_PROJECT, 'networks', 'global')) {
      if (!r.name.startsWith('t')) continue; // the markers written below
      const tag = Number(r.body.tag);
      const entry = byTag.get(tag) ?? { count: 0, revisions: new Set<number>() };
      entry.count++;
      entry.revisions.add(r.revision);
      byTag.set(tag, entry);
    }
    for (const [tag, entry] of byTag) {
      assert.equal(entry.count, PER_TX, `transaction ${tag} is partially present`);
      assert.equal(entry.revisions.size, 1, `transaction ${tag} spans revisions`);
    }
    for (const c of reported) {
      const entry = byTag.get(c.tag);
      assert.ok(entry, `reported transaction ${c.tag} is missing`);
      assert.deepEqual([...entry.revisions], [c.revision]);
    }
    // The store is writable: no lock was left behind.
    await store.write((tx) =>
      tx.putResource({ ...markerResource(), id: String(900_000_000 + reported.length) }, []),
    );
    return byTag.size;
  } finally {
    await store.close();
  }
}

function markerResource() {
  return {
    project: CRASH_PROJECT,
    collection: 'networks' as const,
    scope: 'global',
    name: `marker-${Date.now()}-${Math.random().toString(36).slice(2)}`,
    body: { marker: true },
    fingerprint: 'f',
    creationTimestamp: '2024-01-01T00:00:00.000Z',
  };
}

function crashSuite(name: string, makeUrl: () => string): void {
  describe(`crash safety: ${name}`, () => {
    it('keeps every reported commit and never a partial transaction across SIGKILLs', async () => {
      const url = makeUrl();
      const policies: KillPolicy[] = [
        { afterCommits: 5 },
        { afterMs: Math.floor(Math.random() * 150) },
        { afterCommits: 1 + Math.floor(Math.random() * 15) },
        { afterMs: Math.floor(Math.random() * 300) },
      ];
      const reported: Commit[] = [];
      let present = 0;
      for (const [round, policy] of policies.entries()) {
        const commits = await runWriter(url, (round + 1) * 10_000, policy);
        assert.ok(commits.length >= 1);
        for (let i = 1; i < commits.length; i++) {
          assert.ok(commits[i]!.revision > commits[i - 1]!.revision);
        }
        reported.push(...commits);
        present = await verify(url, reported);
        // At most one unreported transaction per kill (committed, killed before printing).
        assert.ok(present - reported.length <= round + 1, 'more unreported transactions than kills');
      }
      assert.ok(present >= reported.length);
    });

    it('serialises writers in different processes (no lost updates)', async () => {
      const url = makeUrl();
      await Promise.all([runCounter(url, 25), runCounter(url, 25), runCounter(url, 25)]);
      const store = await openStore(url);
      try {
        const counter = await store.getResource(resourcePath(CRASH_PROJECT, 'global', 'networks', 'counter'));
        assert.deepEqual(counter?.body, { count: 75 });
      } finally {
        await store.close();
      }
    });
  });
}

let files = 0;
crashSuite('sqlite', () => {
  files++;
  return `sqlite:${join(root, `crash-${files}.db`)}`;
});
crashSuite('postgres', () => {
  const schema = uniqueSchema();
  schemas.push(schema);
  return pgUrlFor(schema);
});
