// Guide §2 "the proxy does not connect": the xDS probe (DNS → TCP → ADS, the first failing
// step explains the rest) and the stream errors the proxy logged.
import type { FindingCode } from '../catalog.js';
import { type Finding, finding } from '../finding.js';
import { logEvidence } from '../log-patterns.js';
import { type CheckContext, logsOf } from './context.js';

const LOGGED: Partial<Record<FindingCode, (groups: string[]) => string>> = {
  XDS_UNREACHABLE: () =>
    'the proxy logged that its xDS stream to the control plane could not connect (status 14)',
  XDS_DNS_FAILURE: () => "the proxy logged that the control plane's host name did not resolve",
  XDS_TLS_OR_AUTH_FAILURE: () =>
    'the proxy logged that the control plane refused its credentials (status 16)',
  XDS_PERMISSION_DENIED: () => 'the proxy logged PERMISSION_DENIED from the control plane (status 7)',
  CREDENTIAL_SCOPE_MISSING: () =>
    'the VM credentials lack the scope or permission the control plane requires',
  REQUESTED_ENTITY_NOT_FOUND: () =>
    'the control plane closed the stream with "Requested entity was not found." (unknown project number)',
  CONFIG_NOT_FOUND_FOR_NETWORK: (g) =>
    g[0] !== undefined && g[0] !== ''
      ? `the control plane has no INTERNAL_SELF_MANAGED forwarding rule in network "${g[0]}" of project "${g[1]}"`
      : "the control plane found no configuration for the proxy's network",
};

/** A stream error seen earlier no longer matters once the proxy is connected. */
const TRANSIENT = new Set<FindingCode>(['XDS_UNREACHABLE', 'XDS_DNS_FAILURE', 'XDS_TLS_OR_AUTH_FAILURE']);

function probeFinding(ctx: CheckContext): Finding | undefined {
  const p = ctx.e.xdsProbe;
  if (p === undefined) return undefined;
  const host = p.address.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  const ev = (step: string, text: string) => [`xDS probe ${step} ${p.address}: ${text}`];
  const subject = p.address;
  if (p.dns?.ok === false)
    return finding(
      'XDS_DNS_FAILURE',
      `the xDS server name "${host}" does not resolve`,
      ev('dns', p.dns.error),
      {
        subject,
        fix: `fix DNS for ${host} on this node (resolv.conf, /etc/hosts), or put Vane's address in the bootstrap instead of the name`,
      },
    );
  if (p.tcp?.ok === false)
    return finding(
      'XDS_UNREACHABLE',
      `nothing answers on ${p.address} (the xDS server in the bootstrap)`,
      ev('tcp', p.tcp.error),
      {
        subject,
        fix: `check that vane serve listens on ${p.address} and that no firewall blocks this node from it; correct the bootstrap's server address if it is wrong`,
      },
    );
  const ads = p.ads;
  if (ads === undefined || ads.ok) return undefined;
  const e = ev('ads', `stream closed with status ${ads.code}: ${ads.message}`);
  const network = /network "([^"]*)" in project "([^"]*)"/.exec(ads.message);
  switch (ads.code) {
    case 14:
      return finding('XDS_UNREACHABLE', `the xDS stream to ${p.address} fails: ${ads.message}`, e, {
        subject,
      });
    case 16:
      return finding(
        'XDS_TLS_OR_AUTH_FAILURE',
        `${p.address} refused the proxy's credentials: ${ads.message}`,
        e,
        { subject },
      );
    case 7:
      return finding('XDS_PERMISSION_DENIED', `${p.address} denied the proxy: ${ads.message}`, e, {
        subject,
      });
    case 5:
      if (network !== null)
        return finding(
          'CONFIG_NOT_FOUND_FOR_NETWORK',
          `project ${network[2]} has no INTERNAL_SELF_MANAGED forwarding rule in network "${network[1]}"`,
          e,
          {
            subject: `networks/${network[1]}`,
            fix: `create a forwarding rule with loadBalancingScheme INTERNAL_SELF_MANAGED in network ${network[1]}, or correct the network name in the bootstrap`,
          },
        );
      return finding(
        'PROJECT_NOT_ENABLED',
        `the control plane knows no project with the bootstrap's project number${ctx.bootstrap?.projectNumber ? ` ${ctx.bootstrap.projectNumber.value}` : ''}`,
        e,
        { subject },
      );
    case 3:
      if (/project number|GCP_PROJECT_NUMBER/.test(ads.message))
        return finding(
          'BOOTSTRAP_PROJECT_NUMBER_MISSING',
          `the control plane refused the node: ${ads.message}`,
          e,
          {
            subject,
          },
        );
      return undefined;
    default:
      return undefined;
  }
}

export function connectionChecks(ctx: CheckContext): Finding[] {
  const out: Finding[] = [];
  const probe = probeFinding(ctx);
  if (probe !== undefined) out.push(probe);
  const connected = (ctx.e.xdsProbe?.ads?.ok ?? false) || ctx.e.controlPlane?.proxy?.connected === true;
  for (const [code, summary] of Object.entries(LOGGED) as [FindingCode, (g: string[]) => string][]) {
    const matches = logsOf(ctx, code);
    if (matches.length === 0) continue;
    const evidence = matches.map(logEvidence);
    // One finding per code: the probe's when it found the same thing, with the log lines added.
    const same = out.find((f) => f.code === code);
    if (same !== undefined) {
      same.evidence.push(...evidence);
      continue;
    }
    const stale = connected && TRANSIENT.has(code);
    out.push(
      finding(
        code,
        stale
          ? `earlier: ${summary(matches[0]!.groups)}; the proxy is connected now`
          : summary(matches[0]!.groups),
        evidence,
        stale ? { severity: 'info' } : {},
      ),
    );
  }
  return out;
}
