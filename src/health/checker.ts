// Active health checker.
//
// Model: each CheckTarget (one NEG endpoint checked by one HealthCheck) is an independent
// state machine, probed on its own timer:
//   - the first probe runs after a random offset in [0, interval), then every interval
//     ±10 % jitter (interval = checkIntervalSec, or CheckTarget.intervalMs);
//   - a tick never starts a probe while the endpoint's previous one is still queued or
//     running: the tick is counted as skipped, so at most one probe per endpoint exists;
//   - a global semaphore (maxConcurrentProbes) bounds probes in flight; waiting probes
//     queue FIFO and their wait is measured. The timeout (timeoutSec, or
//     CheckTarget.timeoutMs) starts once a probe holds its slot;
//   - state starts UNKNOWN; `healthyThreshold` consecutive successes make it HEALTHY and
//     `unhealthyThreshold` consecutive failures UNHEALTHY (from any other state). Each
//     result resets the opposite counter; listeners hear every state change.
// setTargets() replaces the whole set: a target whose key, checkPath, settings hash and
// resolved port are unchanged keeps its state and timer; a changed one restarts from
// UNKNOWN; a removed one is stopped (its probe aborted, its pooled connection closed).
// Probers (src/health/probes) own the per-endpoint pooled connections and gRPC channels.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { type HealthCheck, type HealthCheckType, healthCheckDetails } from '../model/kinds/health-check.js';
import type { HealthStatus } from '../translate/types.js';
import { type AnyProbeSpec, createProbers } from './probes/index.js';
import { describeError } from './probes/util.js';
import { Semaphore } from './semaphore.js';
import type {
  CheckTarget,
  EndpointHealth,
  HealthCheckerCounters,
  HealthState,
  ProbeResult,
  Prober,
  ProtocolCounters,
  TransitionListener,
} from './types.js';

export interface HealthCheckerOptions {
  logger: Logger;
  /** Probes in flight at most, over all endpoints (default 256). */
  maxConcurrentProbes?: number;
  /** Wall clock in epoch ms, for lastProbeAt/lastTransitionAt (default Date.now). */
  now?: () => number;
  /** Uniform [0, 1) source for offsets and jitter (default Math.random). */
  random?: () => number;
  /** Replaces the protocol probers (tests). */
  probers?: Partial<Record<HealthCheckType, Prober<AnyProbeSpec>>>;
}

const TYPES: readonly HealthCheckType[] = ['TCP', 'SSL', 'HTTP', 'HTTPS', 'HTTP2', 'GRPC'];
const DEFAULT_PORT: Partial<Record<HealthCheckType, number>> = {
  TCP: 80,
  SSL: 443,
  HTTP: 80,
  HTTPS: 443,
  HTTP2: 443,
};
const JITTER = 0.1;

/**
 * The key of an endpoint in `TranslateInput.health` and `CheckTarget.key`: the backend's
 * `group` exactly as translation reads it, the IP, and the effective port (the NEG's
 * defaultPort when the endpoint has none) — see src/translate/ir/endpoints.ts.
 */
export function endpointHealthKey(group: string, ip: string, port: number): string {
  return `${group}|${ip}|${port}`;
}

/** The port a check probes on an endpoint, or why there is none. */
export function resolvePort(
  check: HealthCheck,
  servingPort: number,
  namedPorts?: Record<string, number>,
): { port: number } | { error: string } {
  const d = healthCheckDetails(check);
  const spec =
    d.portSpecification ??
    (d.port !== undefined
      ? 'USE_FIXED_PORT'
      : d.portName !== undefined
        ? 'USE_NAMED_PORT'
        : DEFAULT_PORT[check.type] !== undefined
          ? 'USE_FIXED_PORT'
          : 'USE_SERVING_PORT');
  switch (spec) {
    case 'USE_FIXED_PORT': {
      const port = d.port ?? DEFAULT_PORT[check.type];
      return port === undefined ? { error: 'USE_FIXED_PORT without a port' } : { port };
    }
    case 'USE_NAMED_PORT': {
      if (d.portName === undefined) return { error: 'USE_NAMED_PORT without a portName' };
      const port = namedPorts?.[d.portName];
      return port === undefined
        ? { error: `named port "${d.portName}" is not defined for this endpoint` }
        : { port };
    }
    case 'USE_SERVING_PORT':
      return { port: servingPort };
  }
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Hash of what determines how a target is probed (name, description, logConfig excluded). */
export function checkSettingsHash(target: CheckTarget): string {
  const c = target.check;
  const resolved = resolvePort(c, target.servingPort, target.namedPorts);
  const settings = {
    type: c.type,
    checkIntervalSec: c.checkIntervalSec,
    timeoutSec: c.timeoutSec,
    healthyThreshold: c.healthyThreshold,
    unhealthyThreshold: c.unhealthyThreshold,
    details: healthCheckDetails(c),
    ip: target.ip,
    resolved,
    intervalMs: target.intervalMs,
    timeoutMs: target.timeoutMs,
  };
  return createHash('sha256').update(stableJson(settings)).digest('hex').slice(0, 32);
}

interface Entry {
  target: CheckTarget;
  identity: string;
  health: EndpointHealth;
  intervalMs: number;
  timeoutMs: number;
  /** Stops this entry: aborts its queued or running probe. */
  stop: AbortController;
  timer?: NodeJS.Timeout;
  running?: Promise<void>;
  stopped: boolean;
  /** Key of the entry's pooled connection/channel (unique per entry generation). */
  poolKey: string;
}

function freshHealth(): EndpointHealth {
  return { state: 'UNKNOWN', consecutiveSuccesses: 0, consecutiveFailures: 0, transitions: 0 };
}

function copyHealth(h: EndpointHealth): EndpointHealth {
  return { ...h };
}

export class HealthChecker {
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly semaphore: Semaphore;
  private readonly probers: Record<HealthCheckType, Prober<AnyProbeSpec>>;
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<TransitionListener>();
  /** Stopped entries whose probe has not settled yet (awaited by close). */
  private readonly draining = new Set<Promise<void>>();
  private closed = false;
  private generation = 0;
  private closing?: Promise<void>;
  private readonly c: HealthCheckerCounters;

  constructor(opts: HealthCheckerOptions) {
    this.logger = opts.logger;
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.semaphore = new Semaphore(opts.maxConcurrentProbes ?? 256);
    this.probers = { ...createProbers(), ...opts.probers };
    const probes = {} as Record<HealthCheckType, ProtocolCounters>;
    for (const t of TYPES) probes[t] = { started: 0, succeeded: 0, failed: 0, timedOut: 0 };
    this.c = {
      probes,
      transitions: 0,
      inFlight: 0,
      maxInFlight: 0,
      queued: 0,
      skipped: 0,
      queueWait: { count: 0, totalMs: 0, maxMs: 0 },
      targets: 0,
    };
  }

  /** Replaces the set of checked endpoints (see the header comment). */
  setTargets(targets: readonly CheckTarget[]): void {
    if (this.closed) throw new Error('HealthChecker is closed');
    const next = new Map<string, CheckTarget>();
    for (const t of targets) next.set(t.key, t);
    for (const [key, entry] of this.entries) {
      const t = next.get(key);
      if (t === undefined || this.identity(t) !== entry.identity) {
        this.stopEntry(entry);
        this.entries.delete(key);
      } else {
        entry.target = t;
      }
    }
    for (const [key, t] of next) {
      if (!this.entries.has(key)) this.startEntry(t);
    }
    this.c.targets = this.entries.size;
  }

  /** Current health of one endpoint (UNKNOWN when it is not checked). */
  status(key: string): EndpointHealth {
    const e = this.entries.get(key);
    return e === undefined ? freshHealth() : copyHealth(e.health);
  }

  snapshot(): ReadonlyMap<string, EndpointHealth> {
    const out = new Map<string, EndpointHealth>();
    for (const [key, e] of this.entries) out.set(key, copyHealth(e.health));
    return out;
  }

  /** The shape `TranslateInput.health` takes. */
  healthMap(): ReadonlyMap<string, HealthStatus> {
    const out = new Map<string, HealthStatus>();
    for (const [key, e] of this.entries) out.set(key, e.health.state);
    return out;
  }

  /** Subscribes to state changes; returns the unsubscribe function. */
  onTransition(listener: TransitionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  counters(): HealthCheckerCounters {
    const probes = {} as Record<HealthCheckType, ProtocolCounters>;
    for (const t of TYPES) probes[t] = { ...this.c.probes[t] };
    return {
      ...this.c,
      probes,
      queued: this.semaphore.waiting,
      queueWait: { ...this.c.queueWait },
    };
  }

  /** Stops every timer, aborts probes, closes pooled connections; resolves when all is closed. */
  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    this.closed = true;
    for (const entry of this.entries.values()) this.stopEntry(entry);
    this.entries.clear();
    this.c.targets = 0;
    this.listeners.clear();
    await Promise.all([...this.draining]);
    await Promise.all(Object.values(this.probers).map((p) => p.close()));
  }

  private identity(t: CheckTarget): string {
    return `${t.checkPath}#${checkSettingsHash(t)}`;
  }

  private startEntry(target: CheckTarget): void {
    const intervalMs = Math.max(1, target.intervalMs ?? target.check.checkIntervalSec * 1000);
    const timeoutMs = Math.max(1, target.timeoutMs ?? target.check.timeoutSec * 1000);
    const entry: Entry = {
      target,
      identity: this.identity(target),
      health: freshHealth(),
      intervalMs,
      timeoutMs,
      stop: new AbortController(),
      stopped: false,
      poolKey: `${target.key}#${++this.generation}`,
    };
    this.entries.set(target.key, entry);
    entry.timer = setTimeout(() => this.tick(entry), this.random() * intervalMs);
  }

  private stopEntry(entry: Entry): void {
    entry.stopped = true;
    clearTimeout(entry.timer);
    entry.timer = undefined;
    entry.stop.abort();
    const prober = this.probers[entry.target.check.type];
    const running = entry.running;
    if (running === undefined) prober.release(entry.poolKey);
    else {
      const done = running.then(() => {
        prober.release(entry.poolKey);
        this.draining.delete(done);
      });
      this.draining.add(done);
    }
  }

  private tick(entry: Entry): void {
    if (entry.stopped) return;
    const jitter = 1 - JITTER + 2 * JITTER * this.random();
    entry.timer = setTimeout(() => this.tick(entry), entry.intervalMs * jitter);
    if (entry.running !== undefined) {
      this.c.skipped++;
      return;
    }
    const running = this.runProbe(entry).catch((err: unknown) => {
      this.logger.error({ err: describeError(err), key: entry.target.key }, 'health probe crashed');
    });
    entry.running = running;
    void running.finally(() => {
      if (entry.running === running) entry.running = undefined;
    });
  }

  private async runProbe(entry: Entry): Promise<void> {
    const { check } = entry.target;
    const type = check.type;
    const counters = this.c.probes[type];
    const resolved = resolvePort(check, entry.target.servingPort, entry.target.namedPorts);
    if ('error' in resolved) {
      counters.started++;
      counters.failed++;
      this.record(entry, { ok: false, detail: resolved.error, latencyMs: 0 });
      return;
    }
    const queuedAt = performance.now();
    let release: () => void;
    try {
      release = await this.semaphore.acquire(entry.stop.signal);
    } catch {
      return; // stopped while queued
    }
    const waited = performance.now() - queuedAt;
    const qw = this.c.queueWait;
    qw.count++;
    qw.totalMs += waited;
    qw.maxMs = Math.max(qw.maxMs, waited);
    if (entry.stopped) {
      release();
      return;
    }
    this.c.inFlight++;
    this.c.maxInFlight = Math.max(this.c.maxInFlight, this.c.inFlight);
    counters.started++;
    const probeAbort = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      probeAbort.abort();
    }, entry.timeoutMs);
    const onStop = () => probeAbort.abort();
    entry.stop.signal.addEventListener('abort', onStop, { once: true });
    let result: ProbeResult;
    try {
      result = await this.probers[type].probe(
        { ip: entry.target.ip, port: resolved.port, timeoutMs: entry.timeoutMs, poolKey: entry.poolKey },
        healthCheckDetails(check) as AnyProbeSpec,
        probeAbort.signal,
      );
    } catch (err) {
      result = { ok: false, detail: `probe error: ${describeError(err)}`, latencyMs: 0 };
    } finally {
      clearTimeout(timer);
      entry.stop.signal.removeEventListener('abort', onStop);
      this.c.inFlight--;
      release();
    }
    if (entry.stopped) return;
    if (timedOut && !result.ok && !result.timedOut) result = { ...result, timedOut: true };
    if (result.ok) counters.succeeded++;
    else {
      counters.failed++;
      if (result.timedOut) counters.timedOut++;
    }
    this.record(entry, result);
  }

  private record(entry: Entry, result: ProbeResult): void {
    const h = entry.health;
    const { healthyThreshold, unhealthyThreshold } = entry.target.check;
    h.lastProbeAt = this.now();
    h.lastResult = result;
    let to: HealthState = h.state;
    if (result.ok) {
      h.consecutiveSuccesses++;
      h.consecutiveFailures = 0;
      if (h.state !== 'HEALTHY' && h.consecutiveSuccesses >= healthyThreshold) to = 'HEALTHY';
    } else {
      h.consecutiveFailures++;
      h.consecutiveSuccesses = 0;
      if (h.state !== 'UNHEALTHY' && h.consecutiveFailures >= unhealthyThreshold) to = 'UNHEALTHY';
    }
    if (to === h.state) return;
    const from = h.state;
    h.state = to;
    h.transitions++;
    h.lastTransitionAt = h.lastProbeAt;
    this.c.transitions++;
    this.logger.info(
      { key: entry.target.key, check: entry.target.checkPath, from, to, detail: result.detail },
      'endpoint health changed',
    );
    const snapshot = copyHealth(h);
    for (const listener of this.listeners) {
      try {
        listener(entry.target.key, from, to, snapshot);
      } catch (err) {
        this.logger.error({ err: describeError(err) }, 'health transition listener threw');
      }
    }
  }
}
