/** "12 s ago", "3 min ago", "2 h ago" from an ISO time. */
export function ago(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const s = Math.round((now - Date.parse(iso)) / 1000);
  if (!Number.isFinite(s)) return iso;
  if (s < 60) return `${Math.max(s, 0)} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

export function ageSeconds(iso: string | undefined, now = Date.now()): number {
  return iso ? (now - Date.parse(iso)) / 1000 : Number.POSITIVE_INFINITY;
}

export function rate(n: number): string {
  if (n === 0) return '0/s';
  if (n < 10) return `${n.toFixed(1)}/s`;
  return `${Math.round(n)}/s`;
}

/** `type.googleapis.com/envoy.config.cluster.v3.Cluster` → `Cluster`. */
export function typeName(typeUrl: string): string {
  return typeUrl.slice(typeUrl.lastIndexOf('.') + 1);
}
