// Where the clients' calls went: counted per interval, summarized as one line (or one JSON
// object) every few seconds.

/** One call as a client reported it. */
export interface CallResult {
  backend?: string;
  zone?: string;
  version?: string;
  error?: string;
}

/** The calls of one interval. */
export interface TrafficWindow {
  /** The interval: start and end (ms since the epoch) and length in seconds. */
  from: number;
  to: number;
  seconds: number;
  calls: number;
  errors: number;
  /** Shares of the successful calls, in percent. */
  v1: number;
  v2: number;
  counts: { v1: number; v2: number };
  /** Successful calls by the zone of the backend that answered. */
  byZone: Record<string, { v1: number; v2: number }>;
  /** Successful calls by backend name. */
  byBackend: Record<string, number>;
  /** Calls answered by a backend outside the calling client's zone. */
  crossZone: number;
  /** Errors by gRPC status. */
  errorCodes: Record<string, number>;
}

export class TrafficSummary {
  private window = TrafficSummary.empty();
  private since = Date.now();

  constructor(private readonly zones: readonly string[]) {}

  private static empty() {
    return {
      calls: 0,
      v1: 0,
      v2: 0,
      crossZone: 0,
      byZone: {} as Record<string, { v1: number; v2: number }>,
      byBackend: {} as Record<string, number>,
      errorCodes: {} as Record<string, number>,
    };
  }

  /** Counts one call made by a client in `clientZone`. */
  record(clientZone: string, r: CallResult): void {
    const w = this.window;
    w.calls += 1;
    if (r.error !== undefined || r.backend === undefined) {
      const code = r.error ?? 'UNKNOWN';
      w.errorCodes[code] = (w.errorCodes[code] ?? 0) + 1;
      return;
    }
    const version = r.version === 'v2' ? 'v2' : 'v1';
    w[version] += 1;
    const zone = r.zone ?? 'unknown';
    w.byZone[zone] ??= { v1: 0, v2: 0 };
    w.byZone[zone][version] += 1;
    w.byBackend[r.backend] = (w.byBackend[r.backend] ?? 0) + 1;
    if (zone !== clientZone) w.crossZone += 1;
  }

  /** The calls since the last flush; starts a new interval. */
  flush(): TrafficWindow {
    const w = this.window;
    const from = this.since;
    const now = Date.now();
    this.window = TrafficSummary.empty();
    this.since = now;
    const ok = w.v1 + w.v2;
    const v1 = ok === 0 ? 0 : Math.round((1000 * w.v1) / ok) / 10;
    const byZone: TrafficWindow['byZone'] = {};
    for (const zone of [...this.zones, ...Object.keys(w.byZone)])
      byZone[zone] = w.byZone[zone] ?? { v1: 0, v2: 0 };
    return {
      from,
      to: now,
      seconds: Math.round((now - from) / 100) / 10,
      calls: w.calls,
      errors: w.calls - ok,
      v1,
      v2: ok === 0 ? 0 : Math.round(10 * (100 - v1)) / 10,
      counts: { v1: w.v1, v2: w.v2 },
      byZone,
      byBackend: w.byBackend,
      crossZone: w.crossZone,
      errorCodes: w.errorCodes,
    };
  }
}

/** `12:00:03  81 calls/2s  v1 51% v2 49%  │ us-central1-a v1 21 v2 19 │ us-east1-b v1 20 v2 21 │ cross-zone 0  errors 0` */
export function formatWindow(w: TrafficWindow, at = new Date()): string {
  const time = at.toTimeString().slice(0, 8);
  const zones = Object.entries(w.byZone)
    .map(([zone, c]) => `${zone} v1 ${String(c.v1).padStart(3)} v2 ${String(c.v2).padStart(3)}`)
    .join(' │ ');
  const errors = Object.entries(w.errorCodes)
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
  return (
    `${time}  ${String(w.calls).padStart(4)} calls/${w.seconds}s  ` +
    `v1 ${pct(w.v1)} v2 ${pct(w.calls === w.errors ? 0 : 100 - Math.round(w.v1))}  │ ${zones} │ cross-zone ${w.crossZone}  ` +
    `errors ${w.errors}${errors ? ` (${errors})` : ''}`
  );
}

const pct = (n: number) => `${Math.round(n)}%`.padStart(4);
