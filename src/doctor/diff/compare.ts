// Field-level differences between two JSON values, as compact paths
// (`virtualHosts[0].routes[1].match.prefix`), ignoring what a proxy adds as defaults.

import type { FieldDiff } from './types.js';

/**
 * Fields Envoy fills in when it reports what it holds (its EDS dump rebuilds each endpoint
 * from the host set): present only on the proxy's side with this value, they are not a
 * difference.
 */
const PROXY_DEFAULTS: { path: RegExp; value: unknown }[] = [
  { path: /^endpoints\[\d+\]\.lbEndpoints\[\d+\]\.loadBalancingWeight$/, value: 1 },
  { path: /^endpoints\[\d+\]\.lbEndpoints\[\d+\]\.healthStatus$/, value: 'UNKNOWN' },
  { path: /^policy\.overprovisioningFactor$/, value: 140 },
  { path: /^policy$/, value: { overprovisioningFactor: 140 } },
];

export function diffJson(vane: unknown, proxy: unknown, limit = 20): { fields: FieldDiff[]; more: number } {
  const fields: FieldDiff[] = [];
  let more = 0;
  const push = (d: FieldDiff) => {
    if (fields.length < limit) fields.push(d);
    else more++;
  };
  walk(vane, proxy, '', push);
  return { fields, more };
}

function walk(a: unknown, b: unknown, path: string, push: (d: FieldDiff) => void): void {
  if (a === undefined && b !== undefined && isProxyDefault(path, b)) return;
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.max(a.length, b.length);
    for (let i = 0; i < n; i++) walk(a[i], b[i], `${path}[${i}]`, push);
    return;
  }
  if (isObj(a) && isObj(b)) {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort())
      walk(a[k], b[k], path === '' ? k : `${path}.${k}`, push);
    return;
  }
  if (equalJson(a, b)) return;
  push({
    path: path || '(root)',
    ...(a === undefined ? {} : { vane: a }),
    ...(b === undefined ? {} : { proxy: b }),
  });
}

function isProxyDefault(path: string, value: unknown): boolean {
  return PROXY_DEFAULTS.some((d) => d.path.test(path) && equalJson(d.value, value));
}

function equalJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
