// What Vane itself says about this node: whether its stream is live, and what it NACKed.
import { type Finding, finding } from '../finding.js';
import type { CheckContext } from './context.js';
import { ACCESS_LOG_ERROR } from './proxy.js';

export function controlPlaneChecks(ctx: CheckContext): Finding[] {
  const cp = ctx.e.controlPlane;
  const p = cp?.proxy;
  if (cp === undefined || p === undefined) return [];
  const node = ctx.bootstrap?.nodeId ?? 'this node';
  const out: Finding[] = [];
  if (!p.connected)
    out.push(
      finding(
        'PROXY_NOT_CONNECTED',
        `Vane has no live xDS stream from ${node}`,
        [`${cp.apiUrl}: no stream from node ${node}`],
        {
          subject: node,
        },
      ),
    );
  for (const n of p.nacks) {
    if (ACCESS_LOG_ERROR.test(n.message)) continue; // ACCESS_LOG_NOT_WRITABLE names it
    const names = n.resourceNames.join(', ');
    out.push(
      finding(
        'PROXY_NACKED',
        `${node} rejected ${n.typeUrl.replace(/^.*\./, '')} ${names}: ${n.message}`,
        [`${cp.apiUrl}: NACK of ${n.typeUrl} [${names}]: ${n.message}`],
        { subject: names || n.typeUrl },
      ),
    );
  }
  return out;
}
