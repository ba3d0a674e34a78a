// An Explanation as a readable decision trace: one block per step, the chosen item first,
// then what was passed over and why.
import type { ClusterStep, Explanation, Rejected } from './types.js';

export function renderExplanation(e: Explanation): string {
  const out: string[] = [];
  const r = e.request;
  const q = r.query === '' ? '' : `?${r.query}`;
  out.push(
    `request   ${r.host}${r.port === undefined ? '' : `:${r.port}`}${r.path}${q}  (authority ${r.authority})`,
  );
  for (const [k, v] of Object.entries(r.headers)) out.push(`          ${k}: ${v}`);
  const labels = Object.entries(e.node.labels).map(([k, v]) => `${k}=${v}`);
  out.push(
    `node      ${e.node.id ?? '(hypothetical)'} [${e.node.kind}] network ${e.node.network}${e.node.zone ? ` zone ${e.node.zone}` : ''}${labels.length ? ` labels ${labels.join(',')}` : ''}`,
  );
  out.push('');
  const l = e.listener;
  if (l !== undefined) {
    if (e.outcome === 'NO_LISTENER') out.push(`listener  NONE (${l.name})`);
    else {
      out.push(
        `listener  ${l.name}${l.filterChain ? `  filter chain ${l.filterChain.name} (${l.filterChain.match})` : ''}`,
      );
      if (l.forwardingRule) out.push(`  forwarding rule  ${l.forwardingRule}`);
      if (l.targetProxy) out.push(`  target proxy     ${l.targetProxy}`);
      if (l.urlMap) out.push(`  URL map          ${l.urlMap}`);
      if (l.routeConfig) out.push(`  routes (RDS)     ${l.routeConfig}`);
      if (l.tcpCluster) out.push(`  TCP cluster      ${l.tcpCluster}`);
    }
    rejected(out, l.rejected, 'not taken');
  }
  const vh = e.virtualHost;
  if (vh !== undefined) {
    out.push(
      `virtual host  ${vh.name}  ('${vh.authority}' matched domain '${vh.matchedDomain}')${vh.source ? `  ← ${vh.source}` : ''}`,
    );
  }
  const rt = e.route;
  if (rt !== undefined) {
    rejected(out, rt.skipped, 'did not match');
    if (rt.index >= 0) {
      out.push(
        `route #${rt.index}  ${rt.source}${rt.priority === undefined ? '' : ` (priority ${rt.priority})`}`,
      );
      out.push(`  matched: ${rt.why}`);
    }
  }
  const a = e.action;
  if (a !== undefined) {
    if (a.kind === 'cluster') out.push(`action    cluster ${a.cluster}${a.source ? `  ← ${a.source}` : ''}`);
    else if (a.kind === 'weighted') {
      out.push('action    weighted clusters');
      for (const c of a.clusters)
        out.push(`  ${c.cluster}  weight ${c.weight} (${c.percent} %)${c.source ? `  ← ${c.source}` : ''}`);
    } else out.push(`action    redirect to ${a.redirect}`);
    for (const n of a.notes) out.push(`  ${n}`);
  }
  for (const c of e.clusters) cluster(out, c);
  out.push('');
  out.push(`outcome   ${e.outcome}${e.reason ? `: ${e.reason}` : ''}`);
  for (const n of e.notes) out.push(`note      ${n}`);
  return `${out.join('\n')}\n`;
}

function rejected(out: string[], items: readonly Rejected[], verb: string): void {
  for (const x of items) out.push(`  ✗ ${x.name} ${verb}: ${x.why}`);
}

function cluster(out: string[], c: ClusterStep): void {
  out.push(`cluster   ${c.name}${c.source ? `  ← ${c.source}` : ''}`);
  for (const n of c.notes) out.push(`  ${n}`);
  for (const l of c.localities) {
    out.push(
      `  locality ${l.region}/${l.zone}${l.subZone ? `/${l.subZone}` : ''}  priority ${l.priority}  weight ${l.weight}: ${l.why}`,
    );
    for (const ep of l.endpoints) out.push(`    ${ep.address}:${ep.port}  ${ep.health}  ${ep.why}`);
  }
  rejected(out, c.excluded, 'sends nothing');
}
