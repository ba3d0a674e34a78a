// A ConfigDiff as text: per type, what differs first, then a count of what is the same.
import type { ConfigDiff } from './types.js';

export function renderDiff(d: ConfigDiff): string {
  const out: string[] = [];
  out.push(`comparing Vane with the proxy's ${d.proxyFormat}${d.proxyNode ? ` (node ${d.proxyNode})` : ''}`);
  for (const t of d.types) {
    if (!t.compared) {
      out.push(`${t.type}: not in the proxy's input`);
      continue;
    }
    const total = t.onlyInVane.length + t.onlyInProxy.length + t.different.length + t.same.length;
    out.push(`${t.type}: ${t.same.length}/${total} same`);
    for (const n of t.onlyInVane) out.push(`  - ${n}  (only in Vane: the proxy does not have it)`);
    for (const n of t.onlyInProxy) out.push(`  + ${n}  (only in the proxy)`);
    for (const r of t.different) {
      out.push(`  ~ ${r.name}`);
      for (const f of r.fields) out.push(`      ${f.path}: vane ${show(f.vane)}  proxy ${show(f.proxy)}`);
      if (r.more > 0) out.push(`      … and ${r.more} more`);
    }
  }
  for (const n of d.notes) out.push(`note: ${n}`);
  out.push(d.equal ? 'equal' : 'different');
  return `${out.join('\n')}\n`;
}

function show(v: unknown): string {
  if (v === undefined) return '(absent)';
  const s = JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
