// Guide §9–§11: the agent's guest attributes under gce-service-proxy/ and its console log.
import { type Finding, finding } from '../finding.js';
import { logEvidence } from '../log-patterns.js';
import { type CheckContext, logsOf } from './context.js';

export const HEARTBEAT_STALE_MS = 5 * 60 * 1000;

/** The heartbeat's age at collection in ms, or undefined when either time is unreadable. */
export function heartbeatAge(ctx: CheckContext): number | undefined {
  const hb = ctx.e.guestAttributes?.values['agent-heartbeat'];
  const at = Date.parse(ctx.e.collectedAt);
  const t = hb === undefined ? NaN : Date.parse(hb);
  return Number.isNaN(at) || Number.isNaN(t) ? undefined : at - t;
}

export function agentChecks(ctx: CheckContext): Finding[] {
  const g = ctx.e.guestAttributes;
  const logged = logsOf(ctx, 'BOOTSTRAP_FAILED');
  if (g === undefined) {
    const last = logged.at(-1);
    return last === undefined
      ? []
      : [
          finding(
            'BOOTSTRAP_FAILED',
            `the agent logged a failed bootstrap: ${last.groups[0]}`,
            logged.map(logEvidence),
          ),
        ];
  }
  const v = g.values;
  const attr = (k: string) => `${g.source}: gce-service-proxy/${k} = ${v[k] ?? '(absent)'}`;
  const out: Finding[] = [];
  const status = v['bootstrap-status'];
  if (status === undefined || status === '' || status === '[none]')
    out.push(
      finding(
        'BOOTSTRAP_NOT_STARTED',
        'the agent has not started the proxy bootstrap (bootstrap-status is absent)',
        [attr('bootstrap-status')],
      ),
    );
  else if (status === 'IN PROGRESS')
    out.push(
      finding('BOOTSTRAP_IN_PROGRESS', 'the proxy bootstrap is still in progress', [
        attr('bootstrap-status'),
      ]),
    );
  else if (status === 'FAILED')
    out.push(
      finding(
        'BOOTSTRAP_FAILED',
        `the proxy bootstrap failed: ${v['bootstrap-last-failure'] ?? '(no bootstrap-last-failure)'}`,
        [attr('bootstrap-status'), attr('bootstrap-last-failure'), ...logged.map(logEvidence)],
      ),
    );
  const age = heartbeatAge(ctx);
  if (age !== undefined && age > HEARTBEAT_STALE_MS)
    out.push(
      finding(
        'AGENT_STUCK',
        `the agent's last heartbeat is ${Math.round(age / 60000)} minutes old (at ${ctx.e.collectedAt})`,
        [attr('agent-heartbeat')],
        {
          subject: 'agent-heartbeat',
        },
      ),
    );
  const failure = v['agent-last-failure'];
  if (failure !== undefined && failure !== '')
    out.push(
      finding('AGENT_LAST_FAILURE', `the agent's last error: ${failure}`, [
        attr('agent-last-failure'),
        ...logsOf(ctx, 'AGENT_LAST_FAILURE').map(logEvidence),
      ]),
    );
  return out;
}
