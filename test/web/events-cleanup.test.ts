import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { buildApp } from '../../src/api/app.js';
import { hashToken } from '../../src/api/auth.js';
import { openStore } from '../../src/store/open.js';
import type { Change } from '../../src/store/types.js';

// In process, to count the store listeners an events stream holds.
test('events: a client that hangs up releases its store listener; close ends open streams', async () => {
  const store = await openStore('sqlite::memory:');
  let listeners = 0;
  const subscribe = store.subscribe.bind(store);
  store.subscribe = (fn: (changes: Change[]) => void) => {
    listeners += 1;
    const stop = subscribe(fn);
    return () => {
      listeners -= 1;
      stop();
    };
  };
  const token = 'events-test-token-0123456789';
  await store.write(async (tx) => {
    await tx.putToken({
      id: 'admin',
      name: 'admin',
      hash: hashToken(token),
      grants: [{ project: '*', role: 'admin' }],
      createdAt: new Date().toISOString(),
      revokedAt: null,
    });
    await tx.createProject({ id: 'p', number: '42', createdAt: new Date().toISOString() });
  });
  const app = buildApp({ store, logger: pino({ level: 'silent' }) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const baseline = listeners;
  try {
    const open = async () => {
      const abort = new AbortController();
      const res = await fetch(`${url}/v1/projects/p/events`, {
        headers: { authorization: `Bearer ${token}` },
        signal: abort.signal,
      });
      const reader = res.body!.getReader();
      await reader.read(); // hello
      return { abort, reader };
    };
    const a = await open();
    const b = await open();
    assert.equal(listeners, baseline + 2);
    a.abort.abort();
    await waitFor(() => listeners === baseline + 1);
    await app.close();
    assert.equal(listeners, baseline);
    assert.equal((await b.reader.read()).done, true);
  } finally {
    await app.close();
    await store.close();
  }
});

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
