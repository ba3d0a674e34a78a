// Guide §3 steps 1–2 and the inbound step 3: is Envoy running, recent enough, configured by
// the control plane, and does its configuration hold every VIP:port and serving port.
import { compareVersions, MIN_ENVOY_VERSION } from '../../agent/envoy-process.js';
import { type Finding, finding } from '../finding.js';
import { logEvidence } from '../log-patterns.js';
import { cidrContains } from '../parse/cidr.js';
import type { DumpFilterChain, DumpListener } from '../parse/config-dump.js';
import { semverOf } from '../parse/server-info.js';
import { type CheckContext, logsOf } from './context.js';

export const INTERCEPTION_LISTENER = 'TRAFFICDIRECTOR_INTERCEPTION_LISTENER';
export const INBOUND_LISTENER = 'TRAFFICDIRECTOR_INBOUND_LISTENER';
/** Regular-expression route matching (safe_regex) needs this version. */
const REGEX_ENVOY_VERSION = '1.12.0';

/** An access log Envoy cannot open: its own finding (ACCESS_LOG_NOT_WRITABLE), not a generic rejection. */
export const ACCESS_LOG_ERROR = /unable to open file '([^']+)': Permission denied/;

function running(ctx: CheckContext): Finding[] {
  const p = ctx.e.processes;
  if (ctx.e.mode !== 'envoy' || p === undefined || p.length > 0) return [];
  return [
    finding('PROXY_NOT_RUNNING', 'no Envoy process runs on this node', [
      'processes: no envoy process found',
      ...(ctx.e.adminError ? [`admin API: ${ctx.e.adminError}`] : []),
      ...logsOf(ctx, 'PROXY_NOT_RUNNING').map(logEvidence),
    ]),
  ];
}

function version(ctx: CheckContext): Finding[] {
  const src = ctx.e.serverInfo?.source ?? '/server_info';
  let v = ctx.serverInfo?.version;
  let evidence = ctx.serverInfo?.versionString ? [`${src}: version ${ctx.serverInfo.versionString}`] : [];
  if (v === undefined) {
    const agent = logsOf(ctx, 'ENVOY_VERSION_TOO_OLD')[0];
    if (agent !== undefined) {
      v = semverOf(agent.line.replace(/^.*?Envoy /, ''));
      evidence = [logEvidence(agent)];
    }
  }
  if (v === undefined) return [];
  if (compareVersions(v, MIN_ENVOY_VERSION) < 0)
    return [
      finding(
        'ENVOY_VERSION_TOO_OLD',
        `Envoy ${v} is older than ${MIN_ENVOY_VERSION}, the oldest that works with Vane`,
        evidence,
      ),
    ];
  if (compareVersions(v, REGEX_ENVOY_VERSION) < 0)
    return [
      finding(
        'ENVOY_VERSION_TOO_OLD',
        `Envoy ${v} is older than ${REGEX_ENVOY_VERSION}: routes that use regular expressions (regexMatch, regex header and query matches) do not work`,
        evidence,
        { severity: 'warning', fix: `install Envoy ${REGEX_ENVOY_VERSION} or later` },
      ),
    ];
  return [];
}

function dynamicConfig(ctx: CheckContext): Finding[] {
  const d = ctx.dump;
  if (d === undefined || ctx.e.mode !== 'envoy' || d.dynamicListeners + d.dynamicClusters > 0) return [];
  const src = ctx.e.configDump?.source ?? '/config_dump';
  return [
    finding('PROXY_NO_DYNAMIC_CONFIG', 'Envoy runs but holds no listener or cluster from the control plane', [
      `${src}: 0 dynamic listeners, 0 dynamic clusters (static: ${d.listeners.length} listeners, ${d.clusters.length} clusters)`,
    ]),
  ];
}

function rejected(ctx: CheckContext): Finding[] {
  const src = ctx.e.configDump?.source ?? '/config_dump';
  const out = (ctx.dump?.failures ?? [])
    .filter((f) => !ACCESS_LOG_ERROR.test(f.details))
    .map((f) =>
      finding(
        'PROXY_CONFIG_REJECTED',
        `Envoy rejected ${f.kind} ${f.name}: ${f.details}`,
        [
          `${src}: ${f.path}.details = ${f.details}${f.lastUpdateAttempt ? ` (at ${f.lastUpdateAttempt})` : ''}`,
        ],
        { subject: `${f.kind}/${f.name}` },
      ),
    );
  const logged = logsOf(ctx, 'PROXY_CONFIG_REJECTED');
  if (logged.length > 0)
    out.push(
      finding(
        'PROXY_CONFIG_REJECTED',
        `the proxy logged ${logged.length === 1 ? 'a rejected update' : `${logged.length} distinct rejected updates`}: ${(logged[0]!.groups[1] ?? logged[0]!.groups[0] ?? '').trim() || logged[0]!.line.trim()}`,
        logged.map(logEvidence),
      ),
    );
  return out;
}

function chainCovers(c: DumpFilterChain, ip: string, port: number): boolean {
  if (c.destinationPort !== undefined && c.destinationPort !== port) return false;
  if (ip === '0.0.0.0') return c.prefixRanges.length === 0 && c.destinationPort === port;
  return (
    c.prefixRanges.length === 0 ||
    c.prefixRanges.some((r) => cidrContains(`${r.addressPrefix}/${r.prefixLen}`, ip))
  );
}

const activeListener = (ls: DumpListener[], name: string) =>
  ls.find((l) => l.name === name && l.state === 'active') ?? ls.find((l) => l.name === name);

function vips(ctx: CheckContext): Finding[] {
  const targets = ctx.e.controlPlane?.interceptionTargets;
  const d = ctx.dump;
  if (targets === undefined || d === undefined || ctx.e.mode !== 'envoy') return [];
  const src = ctx.e.configDump?.source ?? '/config_dump';
  const l = activeListener(d.listeners, INTERCEPTION_LISTENER);
  const out: Finding[] = [];
  for (const t of targets) {
    const chain = l?.filterChains.find((c) => chainCovers(c, t.ip, t.port));
    if (l !== undefined && chain !== undefined && l.state === 'active') continue;
    const key = `${t.ip}:${t.port}`;
    const why =
      l === undefined
        ? `${src}: no listener ${INTERCEPTION_LISTENER}`
        : chain === undefined
          ? `${src}: ${l.path} (${INTERCEPTION_LISTENER}) has ${l.filterChains.length} filter chains, none matching prefix_ranges ${t.ip}/32 and destination_port ${t.port}: ${l.filterChains.map((c) => `${c.prefixRanges.map((r) => `${r.addressPrefix}/${r.prefixLen}`).join(',') || '*'}:${c.destinationPort ?? '*'}`).join(' ')}`
          : `${src}: ${l.path}: ${INTERCEPTION_LISTENER} is ${l.state}, not active`;
    out.push(
      finding(
        'VIP_NOT_IN_LISTENER',
        `${key} (forwarding rule ${t.forwardingRule}) has no filter chain in the proxy's ${INTERCEPTION_LISTENER}`,
        [why, `${ctx.e.controlPlane?.apiUrl}: interception target ${key} from ${t.forwardingRule}`],
        { subject: key },
      ),
    );
  }
  return out;
}

function inbound(ctx: CheckContext): Finding[] {
  const b = ctx.bootstrap;
  const d = ctx.dump;
  if (b === undefined || d === undefined || ctx.e.mode !== 'envoy' || b.servingPorts.length === 0) return [];
  const src = ctx.e.configDump?.source ?? '/config_dump';
  const bsrc = ctx.e.bootstrap?.source ?? 'bootstrap';
  const out: Finding[] = [];
  for (const port of b.servingPorts) {
    const rc = `inbound|default_inbound_config-${port}`;
    const hasRoute = d.routeConfigs.some((r) => r.name === rc);
    const chain = d.listeners.some(
      (l) =>
        l.state === 'active' &&
        l.filterChains.some((c) => c.routeConfigNames.includes(rc) && (c.destinationPort ?? port) === port),
    );
    if (hasRoute && chain) continue;
    const noPort = b.inboundInterceptionPort === undefined;
    out.push(
      finding(
        'INBOUND_LISTENER_MISSING',
        `the proxy has no inbound configuration for serving port ${port}${noPort ? ' (the bootstrap sets no TRAFFICDIRECTOR_INBOUND_INTERCEPTION_PORT)' : ''}`,
        [
          `${bsrc}: TRAFFICDIRECTOR_INBOUND_BACKEND_PORTS = ${b.servingPorts.join(',')}, TRAFFICDIRECTOR_INBOUND_INTERCEPTION_PORT = ${b.inboundInterceptionPort ?? '(unset)'}`,
          `${src}: ${hasRoute ? '' : `no route config ${rc}; `}${chain ? '' : `no active listener filter chain with destination_port ${port} routing to ${rc}`}`.replace(
            /; $/,
            '',
          ),
        ],
        {
          subject: `port ${port}`,
          ...(noPort
            ? {
                fix: 'set TRAFFICDIRECTOR_INBOUND_INTERCEPTION_PORT (e.g. 15006) in the bootstrap node metadata and restart Envoy',
              }
            : {}),
        },
      ),
    );
  }
  return out;
}

export function proxyChecks(ctx: CheckContext): Finding[] {
  return [
    ...running(ctx),
    ...version(ctx),
    ...dynamicConfig(ctx),
    ...rejected(ctx),
    ...vips(ctx),
    ...inbound(ctx),
  ];
}
