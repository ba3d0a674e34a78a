import type { Json } from '../api/types';

/** Output-only fields: the server ignores them on write, so the editor leaves them out. */
const OUTPUT_ONLY = ['id', 'selfLink', 'creationTimestamp', 'fingerprint'];

export function editable(resource: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(resource)) if (!OUTPUT_ONLY.includes(k)) out[k] = v;
  return out;
}

/** `{seconds: 1, nanos: 500000000}` → `1.5 s`. */
export function duration(d: unknown): string {
  const x = d as { seconds?: number | string; nanos?: number } | undefined;
  if (!x) return '';
  return `${Number(x.seconds ?? 0) + (x.nanos ?? 0) / 1e9} s`;
}
