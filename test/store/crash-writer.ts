// Child process of crash.test.ts (not a test itself; run with no arguments it does nothing).
//
//   crash-writer.js write <url> <firstTag> <perTx>
//     commits transactions forever; transaction `tag` writes <perTx> networks named
//     t<tag>-r<i> with body {tag, i}; prints "<tag> <revision>" once write() resolved.
//   crash-writer.js count <url> <times>
//     increments the counter network `counter` <times> times, one transaction each.
import { writeSync } from 'node:fs';
import { setImmediate as yieldNow } from 'node:timers/promises';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import { resourcePath } from '../../src/store/types.js';

export const CRASH_PROJECT = 'crash';
const COUNTER = resourcePath(CRASH_PROJECT, 'global', 'networks', 'counter');

async function ensureProject(store: Store): Promise<void> {
  await store.write(async (tx) => {
    if (!(await tx.getProject(CRASH_PROJECT))) {
      await tx.createProject({ id: CRASH_PROJECT, number: '424242', createdAt: new Date().toISOString() });
    }
  });
}

async function writeForever(store: Store, firstTag: number, perTx: number): Promise<never> {
  for (let tag = firstTag; ; tag++) {
    const revision = await store.write(async (tx) => {
      for (let i = 0; i < perTx; i++) {
        await tx.putResource(
          {
            project: CRASH_PROJECT,
            collection: 'networks',
            scope: 'global',
            name: `t${tag}-r${i}`,
            id: String(tag * 1000 + i),
            body: { tag, i },
            fingerprint: 'f',
            creationTimestamp: new Date().toISOString(),
          },
          [],
        );
        await yieldNow();
      }
      return tx.revision();
    });
    writeSync(1, `${tag} ${revision}\n`);
  }
}

async function count(store: Store, times: number): Promise<void> {
  for (let n = 0; n < times; n++) {
    await store.write(async (tx) => {
      const current = await tx.getResource(COUNTER);
      await yieldNow();
      await tx.putResource(
        {
          project: CRASH_PROJECT,
          collection: 'networks',
          scope: 'global',
          name: 'counter',
          id: '1',
          body: { count: current ? Number(current.body.count) + 1 : 1 },
          fingerprint: 'f',
          creationTimestamp: '2024-01-01T00:00:00.000Z',
        },
        [],
      );
    });
  }
}

async function main(args: string[]): Promise<void> {
  const [mode, url, a, b] = args;
  if (!mode || !url) return;
  const store = await openStore(url);
  try {
    await ensureProject(store);
    if (mode === 'write') await writeForever(store, Number(a), Number(b));
    else if (mode === 'count') await count(store, Number(a));
    else throw new Error(`unknown mode ${mode}`);
  } finally {
    await store.close();
  }
}

await main(process.argv.slice(2));
