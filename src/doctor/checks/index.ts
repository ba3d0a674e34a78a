// The node checks: pure functions from what was collected on a node to findings, walking
// Traffic Director's troubleshooting guide in order. A root cause suppresses the symptoms
// it explains (their evidence is kept on the cause); sortFindings puts causes first.
import type { NodeEvidence } from '../evidence.js';
import { type Finding, finding, sortFindings } from '../finding.js';
import { accessLogChecks } from './access-log.js';
import { agentChecks } from './agent.js';
import { bootstrapChecks } from './bootstrap.js';
import { connectionChecks } from './connection.js';
import { context } from './context.js';
import { controlPlaneChecks } from './control-plane.js';
import { interceptionChecks } from './interception.js';
import { proxyChecks } from './proxy.js';
import { proxylessChecks } from './proxyless.js';

type Code = Finding['code'];

/** Drops `symptoms` when `cause` is present, moving their evidence onto the cause. */
function fold(fs: Finding[], cause: Code, symptoms: Code[]): Finding[] {
  const root = fs.find((f) => f.code === cause);
  if (root === undefined) return fs;
  return fs.filter((f) => {
    if (!symptoms.includes(f.code)) return true;
    for (const line of f.evidence) if (!root.evidence.includes(line)) root.evidence.push(line);
    return false;
  });
}

/** AGENT_NOT_RUNNING: a stale heartbeat explains why service VIPs are missing from interception. */
function agentNotRunning(fs: Finding[]): Finding[] {
  const stuck = fs.find((f) => f.code === 'AGENT_STUCK');
  const missing = fs.filter((f) => f.code === 'SERVICE_CIDR_MISSING');
  if (stuck === undefined || missing.length === 0) return fs;
  const vips = missing.map((f) => f.subject ?? '').filter(Boolean);
  const merged = finding(
    'AGENT_NOT_RUNNING',
    `the agent is not running (${stuck.summary.replace(/^the agent's /, '')}), so new services are not intercepted: ${vips.join(', ')} missing from SERVICE_PROXY_SERVICE_CIDRS`,
    [...stuck.evidence, ...missing.flatMap((f) => f.evidence)],
  );
  return [merged, ...fs.filter((f) => f !== stuck && !missing.includes(f))];
}

/** Every node check over the evidence, root causes first (no I/O, no clock). */
export function runNodeChecks(e: NodeEvidence): Finding[] {
  const ctx = context(e);
  let fs = [
    ...connectionChecks(ctx),
    ...bootstrapChecks(ctx),
    ...proxyChecks(ctx),
    ...interceptionChecks(ctx),
    ...accessLogChecks(ctx),
    ...agentChecks(ctx),
    ...controlPlaneChecks(ctx),
    ...proxylessChecks(ctx),
  ];
  // Envoy down: its missing or stale configuration says nothing more.
  fs = fold(fs, 'PROXY_NOT_RUNNING', [
    'PROXY_NO_DYNAMIC_CONFIG',
    'VIP_NOT_IN_LISTENER',
    'INBOUND_LISTENER_MISSING',
  ]);
  // No dynamic configuration at all: every VIP and port missing is the same fact.
  fs = fold(fs, 'PROXY_NO_DYNAMIC_CONFIG', ['VIP_NOT_IN_LISTENER', 'INBOUND_LISTENER_MISSING']);
  // A network named wrong is why the control plane found no configuration for it.
  fs = fold(fs, 'BOOTSTRAP_NETWORK_MISMATCH', ['CONFIG_NOT_FOUND_FOR_NETWORK']);
  fs = fold(fs, 'PROJECT_NOT_ENABLED', ['REQUESTED_ENTITY_NOT_FOUND']);
  fs = fold(fs, 'BOOTSTRAP_PROJECT_NUMBER_MISSING', ['PROJECT_NOT_ENABLED', 'REQUESTED_ENTITY_NOT_FOUND']);
  fs = agentNotRunning(fs);
  return sortFindings(fs);
}
