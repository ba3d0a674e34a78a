// Endpoints that misbehave: each must end UNHEALTHY (never HEALTHY) without crashing,
// leaking sockets or piling up probes.
import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import type { HealthCheckType } from '../../src/model/kinds/health-check.js';
import {
  makeCheck,
  makeTarget,
  newChecker,
  refusedPort,
  sleep,
  TLS_CERT,
  TLS_KEY,
  type Tracked,
  track,
  waitFor,
} from './helpers.js';

interface Expect {
  type: HealthCheckType;
  details?: Record<string, unknown>;
  intervalMs?: number;
  timeoutMs?: number;
  /** Every failure must be a timeout. */
  timeouts?: boolean;
  /** Matches every failure detail. */
  detail?: RegExp;
}

/** Runs one checker against `port` until it has seen `probes` failures; checks the invariants. */
async function neverHealthy(port: number, server: Tracked | undefined, e: Expect, probes = 3): Promise<void> {
  const checker = newChecker();
  const check = makeCheck(e.type, e.details ?? {}, { healthyThreshold: 1, unhealthyThreshold: 2 });
  const t = makeTarget(port, check, { intervalMs: e.intervalMs ?? 30, timeoutMs: e.timeoutMs ?? 300 });
  let healthy = false;
  checker.onTransition((_k, _f, to) => {
    if (to === 'HEALTHY') healthy = true;
  });
  let maxInFlight = 0;
  const details = new Set<string>();
  const sampler = setInterval(() => {
    maxInFlight = Math.max(maxInFlight, checker.counters().inFlight);
    const d = checker.status(t.key).lastResult?.detail;
    if (d !== undefined) details.add(d);
  }, 2);
  try {
    checker.setTargets([t]);
    await waitFor(() => checker.counters().probes[e.type].failed >= probes, 10_000, `${probes} failures`);
    const c = checker.counters();
    const pc = c.probes[e.type];
    assert.equal(checker.status(t.key).state, 'UNHEALTHY');
    assert.equal(healthy, false, 'never HEALTHY');
    assert.equal(pc.succeeded, 0);
    assert.ok(maxInFlight <= 1 && c.maxInFlight <= 1, 'at most one probe in flight per endpoint');
    assert.ok(pc.started - pc.failed <= 1, 'started = finished (+ the one in flight)');
    if (e.timeouts) {
      assert.equal(pc.timedOut, pc.failed, 'every failure is a timeout');
      // ticks come every intervalMs; a probe lasts timeoutMs, so the ticks in between are skipped
      assert.ok(c.skipped >= pc.failed, `skipped ${c.skipped} >= failed ${pc.failed}`);
      assert.ok(c.skipped <= (pc.started + 1) * 15, `skipped ${c.skipped} stays bounded`);
    } else {
      assert.equal(pc.timedOut, 0, `no timeouts: ${[...details].join('; ')}`);
    }
    if (e.detail !== undefined) {
      for (const d of details) assert.match(d, e.detail);
    }
  } finally {
    clearInterval(sampler);
    await checker.close();
  }
  assert.equal(checker.counters().inFlight, 0);
  if (server !== undefined) {
    await waitFor(() => server.open.size === 0, 2000, 'server connections closed after close()');
  }
}

describe('connection refused', () => {
  for (const type of ['TCP', 'SSL', 'HTTP', 'HTTPS', 'HTTP2', 'GRPC'] as const) {
    test(type, async () => {
      const port = await refusedPort();
      await neverHealthy(port, undefined, { type, detail: /ECONNREFUSED/ });
    });
  }
});

describe('connection reset immediately', () => {
  for (const [type, details] of [
    ['TCP', { request: 'PING', response: 'PONG' }],
    ['SSL', {}],
    ['HTTP', {}],
    ['HTTPS', {}],
    ['HTTP2', {}],
    ['GRPC', {}],
  ] as const) {
    test(type, async () => {
      const srv = await track(createNetServer((s: Socket) => s.resetAndDestroy()));
      try {
        await neverHealthy(srv.port, srv, { type, details });
      } finally {
        await srv.close();
      }
    });
  }
});

describe('accepts and hangs forever: probes time out, one at a time', () => {
  for (const [type, details] of [
    ['TCP', { request: 'PING', response: 'PONG' }],
    ['SSL', {}],
    ['HTTP', {}],
    ['HTTPS', {}],
    ['HTTP2', {}],
    ['GRPC', {}],
  ] as const) {
    test(type, async () => {
      const srv = await track(createNetServer((s: Socket) => s.on('error', () => {}).resume()));
      try {
        await neverHealthy(srv.port, srv, { type, details, intervalMs: 20, timeoutMs: 120, timeouts: true });
        assert.ok(srv.stats.total >= 3);
      } finally {
        await srv.close();
      }
    });
  }
});

test('HTTP body trickling past the timeout', async () => {
  const timers = new Set<NodeJS.Timeout>();
  const srv = await track(
    createHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const timer = setInterval(() => res.write('.'), 20);
      timers.add(timer);
      res.on('close', () => {
        clearInterval(timer);
        timers.delete(timer);
      });
    }),
  );
  try {
    await neverHealthy(srv.port, srv, {
      type: 'HTTP',
      details: { response: 'never' },
      intervalMs: 40,
      timeoutMs: 150,
      timeouts: true,
      detail: /timeout reading body/,
    });
  } finally {
    for (const t of timers) clearInterval(t);
    await srv.close();
  }
});

describe('garbage bytes instead of the protocol', () => {
  for (const type of ['HTTP', 'HTTPS', 'HTTP2', 'GRPC', 'SSL'] as const) {
    test(type, async () => {
      const srv = await track(
        createNetServer((s: Socket) => {
          s.on('error', () => {}).resume();
          s.end('\x00\xffgarbage garbage garbage\r\n\r\n');
        }),
      );
      try {
        await neverHealthy(srv.port, srv, { type });
      } finally {
        await srv.close();
      }
    });
  }
});

describe('wrong protocol', () => {
  test('HTTP/1.1-only TLS server on an HTTP2 check', async () => {
    const srv = await track(
      createHttpsServer({ key: TLS_KEY, cert: TLS_CERT }, (_req, res) => {
        res.end('ok');
      }),
    );
    try {
      await neverHealthy(srv.port, srv, { type: 'HTTP2' });
    } finally {
      await srv.close();
    }
  });

  test('cleartext HTTP/1 server on an HTTP2 check', async () => {
    const srv = await track(createHttpServer((_req, res) => res.end('ok')));
    try {
      await neverHealthy(srv.port, srv, { type: 'HTTP2' });
    } finally {
      await srv.close();
    }
  });

  test('HTTP/1 server on a GRPC check', async () => {
    const srv = await track(createHttpServer((_req, res) => res.end('ok')));
    try {
      await neverHealthy(srv.port, srv, { type: 'GRPC', timeoutMs: 300 });
    } finally {
      await srv.close();
    }
    await sleep(0);
  });
});
