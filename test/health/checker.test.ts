import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkSettingsHash, resolvePort } from '../../src/health/index.js';
import type { AnyProbeSpec } from '../../src/health/probes/index.js';
import type { EndpointHealth, HealthState, ProbeResult, Prober } from '../../src/health/types.js';
import type { HealthCheckType } from '../../src/model/kinds/health-check.js';
import { makeCheck, makeTarget, newChecker, waitFor } from './helpers.js';
import { grpcServer, http2Server, httpServer, httpsServer, sslServer, tcpServer } from './servers.js';

/** A prober that answers from a script (true = success), then keeps answering the last entry. */
function scripted(script: boolean[]): Prober<AnyProbeSpec> & { calls: number } {
  const p = {
    calls: 0,
    async probe(): Promise<ProbeResult> {
      const ok = script[Math.min(p.calls, script.length - 1)]!;
      p.calls++;
      return { ok, detail: ok ? 'fine' : 'bad', latencyMs: 0 };
    },
    release() {},
    async close() {},
  };
  return p;
}

interface Seen {
  from: HealthState;
  to: HealthState;
  health: EndpointHealth;
  succeeded: number;
  failed: number;
}

describe('state machine (scripted prober)', () => {
  test('counts thresholds exactly, from UNKNOWN and between HEALTHY and UNHEALTHY', async () => {
    // healthyThreshold 3, unhealthyThreshold 2
    const script = [
      true,
      true,
      false,
      true,
      true,
      true,
      false,
      true,
      false,
      false,
      true,
      true,
      false,
      true,
      true,
      true,
    ];
    const prober = scripted(script);
    const checker = newChecker({ probers: { HTTP: prober } });
    const seen: { at: number; from: HealthState; to: HealthState; health: EndpointHealth }[] = [];
    checker.onTransition((_key, from, to, health) => seen.push({ at: prober.calls, from, to, health }));
    const check = makeCheck('HTTP', {}, { healthyThreshold: 3, unhealthyThreshold: 2 });
    const t = makeTarget(1, check, { intervalMs: 5 });
    checker.setTargets([t]);
    await waitFor(() => prober.calls >= script.length);
    await checker.close();
    // probes 1-2 ok, 3 fail (resets), 4-6 ok -> HEALTHY at probe 6
    // 7 fail, 8 ok (resets), 9-10 fail -> UNHEALTHY at probe 10
    // 11-12 ok, 13 fail (resets), 14-16 ok -> HEALTHY at probe 16
    assert.deepEqual(
      seen.map((s) => [s.at, s.from, s.to]),
      [
        [6, 'UNKNOWN', 'HEALTHY'],
        [10, 'HEALTHY', 'UNHEALTHY'],
        [16, 'UNHEALTHY', 'HEALTHY'],
      ],
    );
    assert.equal(seen[0]!.health.consecutiveSuccesses, 3);
    assert.equal(seen[1]!.health.consecutiveFailures, 2);
    assert.equal(seen[2]!.health.transitions, 3);
  });

  test('UNKNOWN goes straight to UNHEALTHY after unhealthyThreshold failures', async () => {
    const prober = scripted([false]);
    const checker = newChecker({ probers: { TCP: prober } });
    const seen: [number, HealthState][] = [];
    checker.onTransition((_k, _f, to) => seen.push([prober.calls, to]));
    checker.setTargets([makeTarget(1, makeCheck('TCP', {}, { unhealthyThreshold: 4 }), { intervalMs: 5 })]);
    await waitFor(() => prober.calls >= 8);
    const h = checker.status(makeTarget(1, makeCheck('TCP')).key);
    await checker.close();
    assert.deepEqual(seen, [[4, 'UNHEALTHY']]);
    assert.equal(h.state, 'UNHEALTHY');
    assert.ok(h.consecutiveFailures >= 8);
    assert.equal(h.lastResult?.detail, 'bad');
    assert.equal(typeof h.lastProbeAt, 'number');
  });

  test('a throwing prober or listener does not crash the checker', async () => {
    const bad: Prober<AnyProbeSpec> = {
      probe: () => Promise.reject(new Error('boom')),
      release() {},
      async close() {},
    };
    const checker = newChecker({ probers: { HTTP: bad } });
    checker.onTransition(() => {
      throw new Error('listener');
    });
    const t = makeTarget(1, makeCheck('HTTP', {}, { unhealthyThreshold: 1 }), { intervalMs: 5 });
    checker.setTargets([t]);
    await waitFor(() => checker.status(t.key).state === 'UNHEALTHY');
    assert.match(checker.status(t.key).lastResult?.detail ?? '', /probe error: boom/);
    await checker.close();
  });

  test('status of an unknown key is UNKNOWN; snapshot and healthMap list targets', async () => {
    const checker = newChecker({ probers: { HTTP: scripted([true]) } });
    assert.equal(checker.status('nope').state, 'UNKNOWN');
    const t = makeTarget(1, makeCheck('HTTP', {}, { healthyThreshold: 1 }), { intervalMs: 5 });
    checker.setTargets([t]);
    await waitFor(() => checker.status(t.key).state === 'HEALTHY');
    assert.deepEqual([...checker.healthMap()], [[t.key, 'HEALTHY']]);
    assert.equal(checker.snapshot().get(t.key)?.transitions, 1);
    await checker.close();
  });
});

describe('scheduling', () => {
  /** Probe start times (ms since setTargets) with `random` fixed. */
  async function startTimes(random: number, count: number): Promise<number[]> {
    const times: number[] = [];
    let t0 = 0;
    const prober: Prober<AnyProbeSpec> = {
      async probe() {
        times.push(performance.now() - t0);
        return { ok: true, detail: 'fine', latencyMs: 0 };
      },
      release() {},
      async close() {},
    };
    const checker = newChecker({ probers: { HTTP: prober }, random: () => random, now: () => 42 });
    const t = makeTarget(1, makeCheck('HTTP'), { intervalMs: 60 });
    t0 = performance.now();
    checker.setTargets([t]);
    await waitFor(() => times.length >= count);
    assert.equal(checker.status(t.key).lastProbeAt, 42, 'timestamps come from `now`');
    await checker.close();
    return times;
  }
  const gaps = (times: number[]) => times.slice(1).map((t, i) => t - times[i]!);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

  test('random offset in [0, interval), then interval ±10 % jitter', async () => {
    const [low, high] = await Promise.all([startTimes(0, 6), startTimes(0.999, 6)]);
    assert.ok(low[0]! < 15, `offset 0: first probe at ${low[0]}`);
    assert.ok(high[0]! >= 55, `offset ~interval: first probe at ${high[0]}`);
    // random 0 -> 0.9 x interval = 54 ms; random ~1 -> 1.1 x interval = 66 ms
    const lowGap = mean(gaps(low));
    const highGap = mean(gaps(high));
    assert.ok(lowGap >= 52 && lowGap < 62, `low jitter gap ${lowGap}`);
    assert.ok(highGap >= 63 && highGap < 76, `high jitter gap ${highGap}`);
  });

  test('a tick while the previous probe still runs is skipped, not queued', async () => {
    let running = 0;
    let maxRunning = 0;
    let calls = 0;
    const slow: Prober<AnyProbeSpec> = {
      async probe(_t, _s, signal) {
        calls++;
        running++;
        maxRunning = Math.max(maxRunning, running);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 50);
          signal.addEventListener('abort', () => {
            clearTimeout(timer);
            resolve();
          });
        });
        running--;
        return { ok: true, detail: 'slow', latencyMs: 50 };
      },
      release() {},
      async close() {},
    };
    const checker = newChecker({ probers: { HTTP: slow } });
    checker.setTargets([makeTarget(1, makeCheck('HTTP'), { intervalMs: 10, timeoutMs: 1000 })]);
    await waitFor(() => calls >= 4);
    const c = checker.counters();
    await checker.close();
    assert.equal(maxRunning, 1);
    // about 5 ticks per 50 ms probe: 4 of them skipped
    assert.ok(
      c.skipped >= 2 * (calls - 1) && c.skipped <= 8 * calls,
      `skipped ${c.skipped}, probes ${calls}`,
    );
  });
});

describe('port choice', () => {
  test('fixed, named, serving, and the type defaults', () => {
    assert.deepEqual(resolvePort(makeCheck('HTTP', { portSpecification: 'USE_FIXED_PORT', port: 81 }), 9), {
      port: 81,
    });
    assert.deepEqual(
      resolvePort(makeCheck('GRPC', { portSpecification: 'USE_NAMED_PORT', portName: 'hc' }), 9, { hc: 7 }),
      { port: 7 },
    );
    assert.deepEqual(
      resolvePort(makeCheck('GRPC', { portSpecification: 'USE_NAMED_PORT', portName: 'hc' }), 9),
      {
        error: 'named port "hc" is not defined for this endpoint',
      },
    );
    assert.deepEqual(resolvePort(makeCheck('TCP'), 9), { port: 9 });
    // not normalized: type defaults
    const raw = (type: HealthCheckType) => ({ ...makeCheck(type), [`${type.toLowerCase()}HealthCheck`]: {} });
    assert.deepEqual(resolvePort({ ...makeCheck('HTTPS'), httpsHealthCheck: {} }, 9), { port: 443 });
    assert.deepEqual(resolvePort(raw('GRPC'), 9), { port: 9 });
  });

  test('a missing named port fails every probe with a clear detail', async () => {
    const checker = newChecker();
    const check = makeCheck(
      'HTTP',
      { portSpecification: 'USE_NAMED_PORT', portName: 'health' },
      { unhealthyThreshold: 1 },
    );
    const t = makeTarget(1, check, { namedPorts: { http: 80 }, intervalMs: 5 });
    checker.setTargets([t]);
    await waitFor(() => checker.status(t.key).state === 'UNHEALTHY');
    assert.equal(
      checker.status(t.key).lastResult?.detail,
      'named port "health" is not defined for this endpoint',
    );
    await checker.close();
  });

  test('the settings hash ignores name and description but not thresholds', () => {
    const t = makeTarget(1, makeCheck('HTTP'));
    const same = makeTarget(1, { ...makeCheck('HTTP'), name: 'other', description: 'x' });
    const changed = makeTarget(1, makeCheck('HTTP', {}, { healthyThreshold: 5 }));
    assert.equal(checkSettingsHash(t), checkSettingsHash(same));
    assert.notEqual(checkSettingsHash(t), checkSettingsHash(changed));
  });
});

/**
 * Healthy server -> HEALTHY after exactly healthyThreshold (3) successes; failing ->
 * UNHEALTHY after exactly unhealthyThreshold (2) failures; healthy again -> HEALTHY after
 * exactly 3 more successes.
 */
async function flipScenario(
  type: HealthCheckType,
  details: Record<string, unknown>,
  server: { port: number; setHealthy(h: boolean): void; close(): Promise<void> },
): Promise<void> {
  const checker = newChecker();
  const seen: Seen[] = [];
  checker.onTransition((_key, from, to, health) => {
    const c = checker.counters().probes[type];
    seen.push({ from, to, health, succeeded: c.succeeded, failed: c.failed });
  });
  const check = makeCheck(type, details, { healthyThreshold: 3, unhealthyThreshold: 2 });
  const t = makeTarget(server.port, check, { intervalMs: 30, timeoutMs: 1000 });
  try {
    checker.setTargets([t]);
    await waitFor(() => seen.length >= 1, 5000, 'HEALTHY');
    assert.deepEqual([seen[0]!.from, seen[0]!.to], ['UNKNOWN', 'HEALTHY']);
    assert.equal(seen[0]!.succeeded, 3);
    assert.equal(seen[0]!.failed, 0);
    assert.equal(seen[0]!.health.consecutiveSuccesses, 3);

    server.setHealthy(false);
    await waitFor(() => seen.length >= 2, 5000, 'UNHEALTHY');
    assert.deepEqual([seen[1]!.from, seen[1]!.to], ['HEALTHY', 'UNHEALTHY']);
    assert.equal(seen[1]!.failed, 2);
    assert.equal(seen[1]!.health.consecutiveFailures, 2);

    server.setHealthy(true);
    await waitFor(() => seen.length >= 3, 5000, 'HEALTHY again');
    assert.deepEqual([seen[2]!.from, seen[2]!.to], ['UNHEALTHY', 'HEALTHY']);
    assert.equal(seen[2]!.succeeded - seen[1]!.succeeded, 3);
    assert.equal(seen[2]!.health.transitions, 3);
    const c = checker.counters();
    assert.equal(c.transitions, 3);
    assert.equal(c.probes[type].timedOut, 0);
    assert.ok(c.maxInFlight <= 1);
  } finally {
    await checker.close();
    await server.close();
  }
}

describe('each protocol: HEALTHY, UNHEALTHY and back after exactly the thresholds', () => {
  for (const [type, make] of [
    ['HTTP', httpServer],
    ['HTTPS', httpsServer],
    ['HTTP2', http2Server],
  ] as const) {
    test(type, async () => {
      const s = await make();
      await flipScenario(
        type,
        { requestPath: '/healthz', response: 'ok' },
        {
          port: s.port,
          setHealthy: (h) => {
            s.state.healthy = h;
          },
          close: () => s.close(),
        },
      );
      assert.ok(s.state.requests.every((r) => r.url === '/healthz'));
      assert.equal(s.stats.total, 1, 'one pooled connection for every probe');
    });
  }

  for (const [type, make] of [
    ['TCP', tcpServer],
    ['SSL', sslServer],
  ] as const) {
    test(type, async () => {
      const s = await make();
      await flipScenario(
        type,
        { request: 'PING', response: 'PONG' },
        {
          port: s.port,
          setHealthy: (h) => {
            s.state.healthy = h;
          },
          close: () => s.close(),
        },
      );
    });
  }

  test('GRPC', async () => {
    const s = await grpcServer();
    s.statuses.set('wallet', 'SERVING');
    await flipScenario(
      'GRPC',
      { grpcServiceName: 'wallet' },
      {
        port: s.port,
        setHealthy: (h) => s.statuses.set('wallet', h ? 'SERVING' : 'NOT_SERVING'),
        close: () => s.close(),
      },
    );
    assert.ok(s.calls.every((c) => c === 'wallet'));
  });
});
