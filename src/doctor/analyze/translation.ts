// What translation reported: issues (parts skipped) and views whose output failed Envoy's
// validation rules and was not published. Issues that have their own code get it.

import { forwardingRulePort } from '../../model/kinds/forwarding-rule.js';
import type { TranslateInput, TranslateIssue } from '../../translate/types.js';
import { TYPE_URL } from '../../xds/types.js';
import { type Finding, finding } from '../finding.js';
import type { AnalysisInput, RefusedView } from './input.js';
import { type Mesh, short } from './mesh.js';
import { provenanceFor } from './provenance.js';

/** The translator's wording for two rules on one network's IP:port (src/translate/ir/listeners.ts). */
const PORT_CLASH = / is also used by (\S+) in the same network/;

export function translationFindings(input: AnalysisInput, mesh: Mesh): Finding[] {
  const clashes = portClashes(mesh);
  const reported = new Set(clashes.map((f) => f.subject));
  const out: Finding[] = [...clashes];
  for (const issue of input.translation?.issues ?? []) {
    const other = PORT_CLASH.exec(issue.message)?.[1];
    if (other !== undefined) {
      if (reported.has(issue.resource) || reported.has(other)) continue;
      reported.add(issue.resource);
      out.push(
        finding(
          'FORWARDING_RULE_PORT_CLASH',
          `${short(issue.resource)} and ${short(other)} ${issue.message.split(' is also')[0]} in one network`,
          [`${issue.resource} ${issue.location}: ${issue.message}`],
          { subject: issue.resource },
        ),
      );
      continue;
    }
    out.push(translationIssue(issue));
  }
  for (const e of input.translation?.errors ?? []) out.push(refused(input.config, e));
  return out;
}

function translationIssue(issue: TranslateIssue): Finding {
  return finding(
    'TRANSLATION_ISSUE',
    `${short(issue.resource)} ${issue.location}: ${issue.message}`,
    [`${issue.resource} ${issue.location}`],
    { subject: `${issue.resource}/${issue.location}`, fix: `fix ${issue.location} of ${issue.resource}` },
  );
}

/** Mesh forwarding rules that share network, address and port: translation keeps only the first. */
function portClashes(mesh: Mesh): Finding[] {
  const groups = new Map<string, string[]>();
  for (const r of mesh.rules) {
    const port = forwardingRulePort(r.body);
    if (port === undefined) continue;
    const key = `${r.body.network}|${r.body.IPAddress}:${port}`;
    groups.set(key, [...(groups.get(key) ?? []), r.path]);
  }
  const out: Finding[] = [];
  for (const [key, paths] of groups) {
    if (paths.length < 2) continue;
    const [network, address] = key.split('|') as [string, string];
    out.push(
      finding(
        'FORWARDING_RULE_PORT_CLASH',
        `${paths.map(short).join(', ')} all use ${address} in ${short(network)}; only ${short(paths[0]!)} is served`,
        paths.map((p) => `${p}: ${address}`),
        { subject: paths[1]!, fix: `give ${paths.slice(1).map(short).join(', ')} another port or address` },
      ),
    );
  }
  return out;
}

/** `<resource name>: <field path>: <message>` problems, each traced to its user object. */
function refused(config: TranslateInput, e: RefusedView): Finding {
  const origin = provenanceFor(config, e.view);
  const types = [TYPE_URL.listener, TYPE_URL.route, TYPE_URL.cluster, TYPE_URL.endpoint];
  const sources = new Set<string>();
  const evidence = e.problems.map((p) => {
    const name = p.slice(0, p.indexOf(': '));
    const from = [...new Set(types.flatMap((t) => origin(t, name)))];
    for (const s of from) sources.add(s);
    return from.length > 0 ? `${p} (from ${from.join(', ')})` : p;
  });
  const who = `${e.view.kind === 'grpc' ? 'proxyless gRPC' : 'Envoy'} proxies in network "${e.view.network}"${e.view.zone ? `, zone ${e.view.zone}` : ''}`;
  return finding(
    'CONFIG_REFUSED_BY_VALIDATION',
    `the newest configuration for ${who} failed validation at ${e.at} and was not sent`,
    evidence,
    {
      subject: [...sources][0] ?? `networks/${e.view.network}`,
      ...(sources.size > 0
        ? {
            fix: `fix ${[...sources].map(short).join(', ')}; proxies keep their last good configuration meanwhile`,
          }
        : {}),
    },
  );
}
