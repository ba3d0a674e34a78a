// Configuration connected proxies rejected, traced back to the user objects it came from.

import type { ProxyView } from '../../xds/registry.js';
import { type Finding, finding } from '../finding.js';
import type { AnalysisInput } from './input.js';
import { short, viewOfNode } from './mesh.js';
import { provenanceFor } from './provenance.js';

const SHORT_TYPE: Record<string, string> = {
  'type.googleapis.com/envoy.config.listener.v3.Listener': 'LDS',
  'type.googleapis.com/envoy.config.route.v3.RouteConfiguration': 'RDS',
  'type.googleapis.com/envoy.config.cluster.v3.Cluster': 'CDS',
  'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment': 'EDS',
};

export function nackFindings(input: AnalysisInput): Finding[] {
  const out: Finding[] = [];
  for (const proxy of input.proxies) {
    const node = proxy.node;
    if (node === undefined) continue;
    const origin = provenanceFor(input.config, viewOfNode(node));
    for (const t of proxy.types) {
      if (t.status !== 'NACKED' || t.nack === undefined) continue;
      const names = rejectedNames(t, t.nack.message);
      const sources = [...new Set(names.flatMap((n) => origin(t.typeUrl, n)))];
      const type = SHORT_TYPE[t.typeUrl] ?? t.typeUrl;
      out.push(
        finding(
          'PROXY_NACKED',
          `proxy ${node.id} rejected ${type} ${names.join(', ') || `version ${t.nack.version}`}${sources.length > 0 ? ` (from ${sources.map(short).join(', ')})` : ''}`,
          [
            `proxy message: ${t.nack.message}`,
            `type ${t.typeUrl}, version ${t.nack.version}, at ${t.nack.time}`,
            ...names.map(
              (n) =>
                `${n} ← ${origin(t.typeUrl, n).join(', ') || 'no user object (not in the current configuration)'}`,
            ),
          ],
          {
            subject: sources[0] ?? node.id,
            fix: `${sources.length > 0 ? `fix ${sources.map(short).join(', ')} as the proxy message says` : 'fix the resource the proxy message names'}; vane proxy-config ${node.id} shows what was sent`,
          },
        ),
      );
    }
  }
  return out;
}

/** The rejected resources; when the proxy's message names some of them, just those. */
function rejectedNames(t: ProxyView['types'][number], message: string): string[] {
  const nacked = t.resources.filter((r) => r.status === 'NACKED').map((r) => r.name);
  const named = nacked.filter((n) => mentions(message, n));
  return named.length > 0 ? named : nacked;
}

/** Whether `name` appears in `text` as a whole name (`svc.test` is not mentioned by `svc.test:80`). */
function mentions(text: string, name: string): boolean {
  const part = /[\w.:/|-]/;
  for (let i = text.indexOf(name); i >= 0; i = text.indexOf(name, i + 1)) {
    const before = text[i - 1];
    const after = text[i + name.length];
    if ((before === undefined || !part.test(before)) && (after === undefined || !part.test(after)))
      return true;
  }
  return false;
}
