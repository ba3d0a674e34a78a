// Guide §8: the bootstrap's project number and network against what the control plane holds.
import type { Finding } from '../finding.js';
import { finding } from '../finding.js';
import type { CheckContext } from './context.js';

const lastSegment = (path: string) => path.split('/').pop() ?? path;

export function bootstrapChecks(ctx: CheckContext): Finding[] {
  const b = ctx.bootstrap;
  const src = ctx.e.bootstrap?.source ?? 'bootstrap';
  if (b === undefined) return [];
  const out: Finding[] = [];
  const pn = b.projectNumber;
  if (pn === undefined || !/^\d+$/.test(pn.value)) {
    out.push(
      finding(
        'BOOTSTRAP_PROJECT_NUMBER_MISSING',
        pn === undefined
          ? `${src} has no project number (node.id is not projects/NUMBER/networks/NET/nodes/ID and TRAFFICDIRECTOR_GCP_PROJECT_NUMBER is not set)`
          : `${src}: ${pn.from} holds "${pn.value}", which is not a project number`,
        [`${src}: node.id = ${b.nodeId ?? '(none)'}`, ...(pn ? [`${src}: ${pn.from} = ${pn.value}`] : [])],
        {
          subject: src,
          ...(ctx.e.controlPlane?.project
            ? {
                fix: `use project ${ctx.e.controlPlane.project.id}'s number ${ctx.e.controlPlane.project.number} in node.id and TRAFFICDIRECTOR_GCP_PROJECT_NUMBER (not the project id)`,
              }
            : {}),
        },
      ),
    );
  } else if (ctx.e.controlPlane?.project && ctx.e.controlPlane.project.number !== pn.value) {
    const p = ctx.e.controlPlane.project;
    out.push(
      finding(
        'PROJECT_NOT_ENABLED',
        `${src} names project number ${pn.value}, but project ${p.id} has number ${p.number}`,
        [
          `${src}: ${pn.from} = ${pn.value}`,
          `${ctx.e.controlPlane.apiUrl}: project ${p.id} number ${p.number}`,
        ],
        { subject: src, fix: `set the project number in the bootstrap to ${p.number}` },
      ),
    );
  }
  const rules = ctx.e.controlPlane?.forwardingRules;
  if (rules === undefined) return out;
  const net = b.network?.value;
  const networks = [...new Set(rules.map((r) => lastSegment(r.network)))].sort();
  const inNet = rules.filter((r) => lastSegment(r.network) === net);
  if (rules.length === 0) {
    out.push(
      finding(
        'CONFIG_NOT_FOUND_FOR_NETWORK',
        `the project has no INTERNAL_SELF_MANAGED forwarding rule in any network${net ? `, so network "${net}" gets no configuration` : ''}`,
        [`${ctx.e.controlPlane?.apiUrl}: 0 INTERNAL_SELF_MANAGED forwarding rules`],
        { ...(net ? { subject: `networks/${net}` } : {}) },
      ),
    );
  } else if (inNet.length === 0) {
    out.push(
      finding(
        'BOOTSTRAP_NETWORK_MISMATCH',
        net === undefined
          ? `${src} names no network; the forwarding rules are in ${networks.join(', ')}`
          : `${src} says network "${net}", but the forwarding rules are in ${networks.map((n) => `"${n}"`).join(', ')}`,
        [
          `${src}: ${b.network?.from ?? 'network'} = ${net ?? '(none)'}`,
          ...rules
            .slice(0, 5)
            .map((r) => `forwarding rule ${r.name}: network ${r.network}, ${r.IPAddress}:${r.port ?? '*'}`),
        ],
        {
          subject: src,
          fix: `set TRAFFICDIRECTOR_NETWORK_NAME (and the network in node.id) to ${networks.length === 1 ? `"${networks[0]}"` : `one of ${networks.join(', ')}`}, or create the forwarding rules in "${net}"`,
        },
      ),
    );
  }
  return out;
}
