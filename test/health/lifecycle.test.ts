import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer as createNetServer, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { makeCheck, makeTarget, NEG, newChecker, sleep, track, waitFor } from './helpers.js';
import { httpServer } from './servers.js';

describe('concurrency', () => {
  test('200 endpoints, maxConcurrentProbes 10: never more than 10 in flight', async () => {
    const srv = await httpServer();
    srv.state.delayMs = 15;
    const checker = newChecker({ maxConcurrentProbes: 10 });
    const check = makeCheck('HTTP', {}, { healthyThreshold: 2 });
    const targets = Array.from({ length: 200 }, (_, i) =>
      makeTarget(srv.port, check, {
        key: `${NEG}-${i}|127.0.0.1|${srv.port}`,
        intervalMs: 100,
        timeoutMs: 2000,
      }),
    );
    let maxInFlight = 0;
    let maxQueued = 0;
    const sampler = setInterval(() => {
      const c = checker.counters();
      maxInFlight = Math.max(maxInFlight, c.inFlight);
      maxQueued = Math.max(maxQueued, c.queued);
    }, 1);
    try {
      checker.setTargets(targets);
      await waitFor(
        () => [...checker.snapshot().values()].every((h) => h.state === 'HEALTHY'),
        15_000,
        'all HEALTHY',
      );
      const c = checker.counters();
      assert.ok(maxInFlight <= 10, `sampled inFlight ${maxInFlight}`);
      assert.equal(c.maxInFlight, 10, 'the limit is reached and never exceeded');
      assert.ok(srv.state.maxActive <= 10, `server saw ${srv.state.maxActive} concurrent requests`);
      assert.ok(maxQueued > 0 && maxQueued <= 190, `queued ${maxQueued}`);
      assert.ok(c.queueWait.count >= 400 && c.queueWait.maxMs > 15, JSON.stringify(c.queueWait));
      assert.equal(c.targets, 200);
      assert.equal(c.probes.HTTP.timedOut, 0);
    } finally {
      clearInterval(sampler);
      await checker.close();
      await srv.close();
    }
  });
});

describe('setTargets', () => {
  test('keeps state for unchanged targets, restarts changed ones, stops removed ones', async () => {
    const srv = await httpServer();
    const checker = newChecker();
    const check = makeCheck('HTTP', { requestPath: '/a' }, { healthyThreshold: 2 });
    const a = makeTarget(srv.port, check, { key: `${NEG}-a|127.0.0.1|${srv.port}`, intervalMs: 20 });
    const b = makeTarget(srv.port, check, { key: `${NEG}-b|127.0.0.1|${srv.port}`, intervalMs: 20 });
    try {
      checker.setTargets([a]);
      await waitFor(() => checker.status(a.key).state === 'HEALTHY');
      const before = checker.status(a.key);
      const connections = srv.stats.total;

      // the same settings in new objects (and a new name): kept; b is new
      const aCopy = { ...a, check: { ...structuredClone(check), name: 'renamed', description: 'd' } };
      checker.setTargets([aCopy, b]);
      const kept = checker.status(a.key);
      assert.equal(kept.state, 'HEALTHY');
      assert.equal(kept.transitions, 1);
      assert.equal(kept.lastTransitionAt, before.lastTransitionAt);
      assert.ok(kept.consecutiveSuccesses >= before.consecutiveSuccesses);
      assert.equal(checker.status(b.key).state, 'UNKNOWN');
      await waitFor(() => checker.status(b.key).state === 'HEALTHY');
      assert.equal(srv.stats.total, connections + 1, 'a kept its pooled connection; b opened one');

      // changed check settings: a restarts from UNKNOWN and probes the new path
      const changed = { ...a, check: makeCheck('HTTP', { requestPath: '/b' }, { healthyThreshold: 2 }) };
      checker.setTargets([changed, b]);
      const restarted = checker.status(a.key);
      assert.deepEqual(
        [restarted.state, restarted.transitions, restarted.consecutiveSuccesses],
        ['UNKNOWN', 0, 0],
      );
      await waitFor(() => checker.status(a.key).state === 'HEALTHY');
      assert.equal(
        srv.state.requests.at(-1)?.url === '/b' || srv.state.requests.some((r) => r.url === '/b'),
        true,
      );
      assert.equal(checker.status(b.key).transitions, 1, 'b untouched');

      // another checkPath with identical settings also restarts
      checker.setTargets([{ ...changed, checkPath: 'projects/p/global/healthChecks/other' }, b]);
      assert.equal(checker.status(a.key).state, 'UNKNOWN');

      // removal: no more probes, pooled connections closed
      checker.setTargets([]);
      assert.equal(checker.snapshot().size, 0);
      assert.equal(checker.status(a.key).state, 'UNKNOWN');
      await waitFor(() => srv.open.size === 0, 2000, 'pooled connections closed');
      const requests = srv.state.requests.length;
      const total = srv.stats.total;
      await sleep(150);
      assert.equal(srv.state.requests.length, requests, 'no probes after removal');
      assert.equal(srv.stats.total, total, 'no connections after removal');
      assert.equal(checker.counters().targets, 0);
    } finally {
      await checker.close();
      await srv.close();
    }
  });

  test('a target removed while its probe is in flight: the probe is aborted, its result dropped', async () => {
    const srv = await track(createNetServer((s: Socket) => s.on('error', () => {}).resume()));
    const checker = newChecker();
    const t = makeTarget(srv.port, makeCheck('HTTP', {}, { unhealthyThreshold: 1 }), {
      intervalMs: 10,
      timeoutMs: 5000,
    });
    try {
      checker.setTargets([t]);
      await waitFor(() => checker.counters().inFlight === 1);
      checker.setTargets([]);
      await waitFor(() => checker.counters().inFlight === 0, 1000, 'probe aborted');
      await waitFor(() => srv.open.size === 0, 1000, 'socket closed');
      assert.equal(checker.counters().probes.HTTP.failed, 0, 'the aborted probe is not recorded');
    } finally {
      await checker.close();
      await srv.close();
    }
  });
});

describe('close()', () => {
  test('aborts probes in flight promptly and closes every socket', async () => {
    const hang = await track(createNetServer((s: Socket) => s.on('error', () => {}).resume()));
    const ok = await httpServer();
    const checker = newChecker();
    const targets = (['TCP', 'SSL', 'HTTP', 'HTTPS', 'HTTP2', 'GRPC'] as const).flatMap((type) => [
      makeTarget(hang.port, makeCheck(type, type === 'TCP' ? { response: 'x' } : {}), {
        key: `${NEG}-${type}|127.0.0.1|${hang.port}`,
        intervalMs: 10,
        timeoutMs: 10_000,
      }),
    ]);
    targets.push(makeTarget(ok.port, makeCheck('HTTP'), { intervalMs: 10 }));
    checker.setTargets(targets);
    await waitFor(() => checker.counters().inFlight >= 6 && ok.open.size === 1);
    const start = Date.now();
    await checker.close();
    assert.ok(Date.now() - start < 1000, 'close() does not wait for the probe timeouts');
    assert.equal(checker.counters().inFlight, 0);
    await waitFor(() => hang.open.size === 0 && ok.open.size === 0, 2000, 'all sockets closed');
    assert.throws(() => checker.setTargets([]), /closed/);
    await checker.close(); // idempotent
    await hang.close();
    await ok.close();
  });

  test('leaves no timers or handles: a process using every protocol exits by itself', async () => {
    const child = fileURLToPath(new URL('./exit-child.js', import.meta.url));
    const proc = spawn(process.execPath, [child], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        reject(new Error(`child did not exit by itself; output: ${out}`));
      }, 10_000);
      proc.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    assert.equal(code, 0, out);
    const report = JSON.parse(out.trim().split('\n').at(-1)!) as {
      probes: number;
      closeMs: number;
      openAfterClose: number;
      timersAfterClose: number;
      exitDelayMs?: number;
    };
    assert.ok(report.probes >= 6, out);
    assert.equal(report.openAfterClose, 0, 'server-side connections left open after close()');
    assert.equal(report.timersAfterClose, 0, 'timers left after close()');
  });
});
