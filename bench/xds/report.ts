// Formatting and percentiles shared by the bench's reports.
export interface Dist {
  n: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** min / p50 / p90 / p99 / max (nearest rank) of what is not NaN; n counts them. */
export function dist(xs: readonly number[]): Dist {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  const at = (p: number) =>
    s.length === 0 ? Number.NaN : s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
  return { n: s.length, min: s[0] ?? Number.NaN, p50: at(50), p90: at(90), p99: at(99), max: at(100) };
}

export const ms = (x: number) => (x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : `${x.toFixed(0)} ms`);
export const mib = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MiB`;
export const pct = (share: number) => `${(share * 100).toFixed(0)} %`;
export const log = (msg: string) =>
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
