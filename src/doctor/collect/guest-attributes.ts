// Guest attributes under gce-service-proxy/: from Vane (getGuestAttributes) or a file holding
// that JSON answer, a plain {key: value} map, or `key=value` lines.
import { readFileSync } from 'node:fs';
import type { NodeEvidence } from '../evidence.js';

const NAMESPACE = 'gce-service-proxy';

type GuestAttributes = NonNullable<NodeEvidence['guestAttributes']>;

/** Items of a getGuestAttributes answer, keys of this namespace only. */
export function fromItems(
  items: readonly { namespace?: string; key?: string; value?: string }[],
): Record<string, string> {
  const values: Record<string, string> = {};
  for (const i of items)
    if (i.key !== undefined && (i.namespace === undefined || i.namespace === NAMESPACE))
      values[i.key] = String(i.value ?? '');
  return values;
}

export function parseGuestAttributes(text: string): Record<string, string> {
  const trimmed = text.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    const doc = JSON.parse(trimmed) as unknown;
    if (Array.isArray(doc)) return fromItems(doc);
    const d = doc as { queryValue?: { items?: unknown }; items?: unknown };
    const items = d.queryValue?.items ?? d.items;
    if (Array.isArray(items)) return fromItems(items);
    return Object.fromEntries(Object.entries(doc as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
  }
  const values: Record<string, string> = {};
  for (const line of trimmed.split('\n')) {
    const l = line.trim();
    const eq = l.indexOf('=');
    if (l === '' || l.startsWith('#') || eq <= 0) continue;
    // `gce-service-proxy/bootstrap-status=FAILED` as well as `bootstrap-status=FAILED`.
    values[l.slice(0, eq).trim().replace(`${NAMESPACE}/`, '')] = l.slice(eq + 1).trim();
  }
  return values;
}

export function guestAttributesFile(path: string): GuestAttributes {
  return { source: path, values: parseGuestAttributes(readFileSync(path, 'utf8')) };
}
