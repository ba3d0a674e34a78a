import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { G } from '../helpers/api-suite.js';
import { startVane, type TestServer } from '../helpers/server.js';

// `vane serve` serves the built console at `/` (npm run build builds it before tests run).

describe('console: static files and SPA fallback', () => {
  let s: TestServer;
  before(async () => {
    s = await startVane();
  });
  after(() => s.stop());

  test('/ is the console, revalidated on every load; hashed assets are immutable', async () => {
    const res = await fetch(`${s.url}/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    const html = await res.text();
    const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    assert.ok(assets.length >= 1, html);
    for (const asset of assets) {
      const a = await fetch(s.url + asset);
      assert.equal(a.status, 200, asset);
      assert.equal(a.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      await a.arrayBuffer();
    }
    const missing = await fetch(`${s.url}/assets/index-00000000.js`);
    assert.equal(missing.status, 404, 'a missing hashed asset is not answered with the app');
    await missing.text();
  });

  test('console URLs are answered with index.html, without a token', async () => {
    for (const path of ['/p/demo/services', '/p/demo/urlMaps/wallet-map?mode=yaml', '/tokens']) {
      const res = await fetch(s.url + path);
      assert.equal(res.status, 200, path);
      assert.equal(res.headers.get('cache-control'), 'no-cache');
      assert.match(await res.text(), /<div id="root">/);
    }
  });

  test('API paths are never shadowed by the console', async () => {
    const unknown = await s.api('GET', '/v1/no-such-thing');
    assert.equal(unknown.status, 404);
    assert.match(String((unknown.body.error as { message: string }).message), /No such API/);
    const compute = await s.api('GET', '/compute/v1/projects/nope/zzz/yyy/xxx/www');
    assert.equal(compute.status, 404);
    assert.ok(compute.body.error, 'a JSON error, not the console');
    for (const path of [
      '/v1/projects',
      '/v1/whoami',
      '/compute/v1/projects/p/global/urlMaps',
      '/%761/projects',
    ]) {
      const res = await fetch(s.url + path);
      assert.equal(res.status, 401, `${path} still needs a token`);
      await res.text();
    }
    const health = await fetch(`${s.url}/healthz`);
    assert.deepEqual(await health.json(), { status: 'ok' });
    const metrics = await fetch(`${s.url}/metrics`);
    assert.match(await metrics.text(), /vane_store_revision/);
    const post = await fetch(`${s.url}/p/demo`, { method: 'POST' });
    assert.equal(post.status, 404, 'only GET falls back to the console');
    await post.text();
  });
});

test('console: a clear page at / when the console was not built', async () => {
  const s = await startVane({ env: { VANE_CONSOLE_DIR: '/nonexistent/vane-console' } });
  try {
    const res = await fetch(`${s.url}/`);
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /console is not built/);
    assert.match(html, /npm run build/);
    assert.equal((await s.api('GET', '/v1/projects')).status, 200, 'the API works without it');
  } finally {
    await s.stop();
  }
});

describe('console: live events', () => {
  let s: TestServer;
  before(async () => {
    s = await startVane();
    assert.equal((await s.api('POST', '/v1/projects', { projectId: 'live' })).status, 200);
  });
  after(() => s.stop());

  test('the stream needs a token that can read the project', async () => {
    const none = await fetch(`${s.url}/v1/projects/live/events`);
    assert.equal(none.status, 401);
    await none.text();
    const other = await s.api('POST', '/v1/projects', { projectId: 'other' });
    assert.equal(other.status, 200);
    const token = await s.api('POST', '/v1/tokens', { grants: [{ project: 'other', role: 'viewer' }] });
    const denied = await fetch(`${s.url}/v1/projects/live/events`, {
      headers: { authorization: `Bearer ${String(token.body.token)}` },
    });
    assert.equal(denied.status, 403);
    await denied.text();
    const missing = await s.api('GET', '/v1/projects/ghost/events');
    assert.equal(missing.status, 404);
  });

  test('a created resource arrives as a change event; load ticks follow; a hang-up ends it', async () => {
    const abort = new AbortController();
    const res = await fetch(`${s.url}/v1/projects/live/events`, {
      headers: { authorization: `Bearer ${s.adminToken}` },
      signal: abort.signal,
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const events = readEvents(res.body!);
    assert.equal((await events.next()).value?.event, 'hello');

    const created = await s.api('POST', G('live', 'healthChecks'), {
      name: 'tcp-hc',
      type: 'TCP',
      tcpHealthCheck: { port: 80 },
    });
    assert.equal(created.status, 200);
    const seen: { event: string; data: Record<string, unknown> }[] = [];
    for (;;) {
      const { value } = await events.next();
      assert.ok(value, 'the stream ended early');
      seen.push(value);
      if (value.event === 'change') {
        assert.equal(value.data.kind, 'healthChecks');
        assert.equal(value.data.name, 'tcp-hc');
        assert.equal(value.data.op, 'upsert');
        assert.equal(typeof value.data.revision, 'number');
      }
      if (seen.some((e) => e.event === 'change') && seen.some((e) => e.event === 'load')) break;
    }
    abort.abort();
    await assert.rejects(events.next());
    // The server goes on serving, and shuts down promptly with other streams still open.
    const second = await fetch(`${s.url}/v1/projects/live/events`, {
      headers: { authorization: `Bearer ${s.adminToken}` },
    });
    const stream = readEvents(second.body!);
    assert.equal((await stream.next()).value?.event, 'hello');
    const started = Date.now();
    assert.equal(await s.stop(), 0);
    assert.ok(Date.now() - started < 8000, `shutdown took ${Date.now() - started} ms`);
    assert.equal((await stream.next()).done, true, 'the stream ends at shutdown');
  });
});

/** Parses a text/event-stream body into {event, data} objects. */
async function* readEvents(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<{ event: string; data: Record<string, unknown> }> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (data !== undefined) yield { event, data: JSON.parse(data) as Record<string, unknown> };
      end = buffer.indexOf('\n\n');
    }
  }
}
