// Per instance, what its agent reports under gce-service-proxy/ (the automatic-deployment
// section of the troubleshooting guide): bootstrap progress, heartbeat, last failure.
import type { Instance } from '../../model/kinds/instance.js';
import type { GuestAttribute } from '../../store/types.js';
import { type Finding, finding } from '../finding.js';
import type { AnalysisInput } from './input.js';

export const NAMESPACE = 'gce-service-proxy';
/** The guide's rule: an agent that has not acted or checked for 5 minutes is stuck. */
export const STUCK_AFTER_MS = 5 * 60 * 1000;

export function agentFindings(input: AnalysisInput): Finding[] {
  const out: Finding[] = [];
  for (const rec of input.config.resources.instances ?? []) {
    const path = `projects/${rec.project}/${rec.scope}/instances/${rec.name}`;
    const attrs = new Map(
      (input.guestAttributes.get(path) ?? []).filter((a) => a.namespace === NAMESPACE).map((a) => [a.key, a]),
    );
    const registered = ((rec.body as unknown as Instance).metadata?.items ?? []).some(
      (i) => i.key === NAMESPACE,
    );
    if (!registered && attrs.size === 0) continue;
    out.push(...instanceFindings(path, attrs, input.now));
  }
  return out;
}

function instanceFindings(path: string, attrs: ReadonlyMap<string, GuestAttribute>, now: number): Finding[] {
  const out: Finding[] = [];
  const value = (key: string) => attrs.get(key)?.value;
  const line = (key: string) => `${NAMESPACE}/${key}: ${value(key) ?? '[none]'}`;
  const instance = path.split('/').slice(-1)[0]!;
  const opts = { subject: path };
  const status = value('bootstrap-status');
  if (status === undefined)
    out.push(
      finding(
        'BOOTSTRAP_NOT_STARTED',
        `${instance}: the agent registered the instance but has not started the bootstrap`,
        [line('bootstrap-status')],
        opts,
      ),
    );
  else if (status === 'IN PROGRESS')
    out.push(
      finding(
        'BOOTSTRAP_IN_PROGRESS',
        `${instance}: the proxy bootstrap is in progress`,
        [line('bootstrap-status'), line('agent-heartbeat')],
        opts,
      ),
    );
  else if (status === 'FAILED')
    out.push(
      finding(
        'BOOTSTRAP_FAILED',
        `${instance}: the proxy bootstrap failed: ${value('bootstrap-last-failure') ?? 'no reason reported'}`,
        [line('bootstrap-status'), line('bootstrap-last-failure')],
        {
          ...opts,
          fix: `act on bootstrap-last-failure (vane guest-attributes ${instance}); the agent retries by itself once the cause is fixed`,
        },
      ),
    );

  const heartbeat = value('agent-heartbeat');
  const beat = heartbeat === undefined ? Number.NaN : Date.parse(heartbeat);
  if (!Number.isNaN(beat) && now - beat > STUCK_AFTER_MS)
    out.push(
      finding(
        'AGENT_STUCK',
        `${instance}: the agent's last heartbeat was ${ago(now - beat)} ago`,
        [line('agent-heartbeat'), line('bootstrap-status')],
        {
          ...opts,
          fix: `restart vane agent on ${instance} (or recreate the instance); its proxy and interception may be stale meanwhile`,
        },
      ),
    );

  const failure = attrs.get('agent-last-failure');
  if (failure !== undefined && failure.value !== '') {
    const when = Date.parse(failure.updatedAt);
    out.push(
      finding(
        'AGENT_LAST_FAILURE',
        `${instance}: the agent reported: ${failure.value}`,
        [
          `${line('agent-last-failure')} (reported ${Number.isNaN(when) ? failure.updatedAt : `${ago(now - when)} ago`})`,
        ],
        opts,
      ),
    );
  }
  return out;
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} days`;
}
