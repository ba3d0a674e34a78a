// Guide §3 step 3, §5, §6 and the agent's iptables steps: what the nat table does to a
// service VIP, to the proxy's own connections, to unknown destinations and to serving ports,
// and whether the filter table drops a serving port. Judged by walking packets through the
// rules (packet-walk.ts), so Istio's and Kuma's layouts are read as well as Vane's.
import { type Finding, finding } from '../finding.js';
import { logEvidence } from '../log-patterns.js';
import { allRules, type IptRule, type IptTables, option } from '../parse/iptables.js';
import { type CheckContext, logsOf } from './context.js';
import { type Packet, walk } from './packet-walk.js';

/** An address no control plane serves (TEST-NET-3): redirected only by intercept-all. */
const ELSEWHERE = '203.0.113.7';
/** A local address for inbound walks (the node's own address is not in the evidence). */
const SELF = '10.255.255.254';

const ev = (src: string, rules: IptRule[]) => rules.map((r) => `${src}:${r.lineNo}: ${r.line}`);

function style(t: IptTables): 'agent' | 'manual' | 'other' {
  const chains = [...(t.get('nat')?.keys() ?? [])];
  if (chains.includes('SERVICE_PROXY_SERVICE_CIDRS')) return 'agent';
  if (chains.some((c) => c.startsWith('ISTIO_'))) return 'manual';
  return 'other';
}

function out(dst: string, dport: number, who: Partial<Packet> = {}): Packet {
  return { dst, dport, direction: 'out', ...who };
}

/** Rules that redirect outbound traffic at all (any REDIRECT reachable from OUTPUT's chains). */
function redirects(t: IptTables): IptRule[] {
  return allRules(t, 'nat').filter((r) => r.target === 'REDIRECT' || r.target === 'DNAT');
}

function loop(ctx: CheckContext, t: IptTables, src: string): Finding[] {
  if (redirects(t).length === 0) return [];
  const uid = ctx.proxyUid;
  const owners = allRules(t, 'nat').filter(
    (r) => option(r, '--uid-owner') !== undefined && r.chain !== 'PREROUTING',
  );
  const returns = owners.filter((r) => r.target === 'RETURN' && option(r, '--uid-owner')?.negated === false);
  // Without the proxy's uid only the absence of any exclusion is certain.
  if (uid === undefined && returns.length > 0) return [];
  // Where the proxy connects: the service VIPs, the control plane, anything in intercept-all mode.
  const dests = [
    ...(ctx.e.controlPlane?.interceptionTargets ?? [])
      .filter((x) => x.ip !== '0.0.0.0')
      .map((x) => [x.ip, x.port] as const),
    ...(ctx.bootstrap?.xdsServer
      ? [
          [
            ctx.bootstrap.xdsServer.replace(/:\d+$/, '').replace(/^\[|\]$/g, ''),
            Number(/:(\d+)$/.exec(ctx.bootstrap.xdsServer)?.[1] ?? 443),
          ] as const,
        ]
      : []),
    // Destinations the rules themselves send toward a redirect: without Vane's view of the
    // services, these are the VIPs the proxy will connect to.
    ...allRules(t, 'nat')
      .filter((r) => r.target !== 'RETURN')
      .map((r) => option(r, '-d', '--destination'))
      .filter((d) => d !== undefined && !d.negated)
      .map((d) => [d!.value.replace(/\/\d+$/, ''), 80] as const)
      .filter(([ip]) => !ip.startsWith('127.') && ip !== '::1'),
    [ELSEWHERE, 443] as const,
  ];
  const who: Partial<Packet> =
    uid === undefined
      ? { uid: -1 }
      : {
          uid,
          ...(ctx.proxyGid === undefined ? {} : { gid: ctx.proxyGid }),
          ...(ctx.proxyUserName ? { user: ctx.proxyUserName } : {}),
        };
  for (const [ip, port] of dests) {
    const r = walk(t, 'nat', 'OUTPUT', out(ip, port, who));
    if (r.verdict !== 'redirect') continue;
    const wrong = returns
      .map((x) => option(x, '--uid-owner')!.value)
      .filter((v) => uid === undefined || v !== String(uid));
    const subject = uid === undefined ? 'proxy uid' : `uid ${uid}`;
    return [
      finding(
        'INTERCEPTION_LOOP_PROXY_UID',
        uid === undefined
          ? `the nat rules redirect every user's connections to ${ip}:${port}, with no --uid-owner exclusion, so the proxy's own connections loop back to it`
          : `the proxy's connections (uid ${uid}) to ${ip}:${port} are redirected back to the proxy${wrong.length > 0 ? `; the rules exclude uid ${wrong.join(', ')} instead` : ': no -m owner --uid-owner RETURN for it comes before the redirect'}`,
        [...ev(src, r.trace), ...ev(src, returns).map((l) => `${l} (does not match the proxy)`)],
        {
          subject,
          ...(uid === undefined
            ? {}
            : {
                fix: `add \`-m owner --uid-owner ${uid} -j RETURN\` as the first rule of the outbound chain (vane intercept apply --proxy-user ${uid} does)`,
              }),
        },
      ),
    ];
  }
  return [];
}

function vips(ctx: CheckContext, t: IptTables, src: string): Finding[] {
  const targets = ctx.e.controlPlane?.interceptionTargets;
  if (targets === undefined) return [];
  const s = style(t);
  const found: Finding[] = [];
  for (const x of targets) {
    if (x.ip === '0.0.0.0') continue;
    const r = walk(t, 'nat', 'OUTPUT', out(x.ip, x.port));
    if (r.verdict === 'redirect') continue;
    const key = `${x.ip}:${x.port}`;
    const path = r.trace.length > 0 ? ev(src, r.trace) : [`${src}: no nat OUTPUT rule matches ${key}`];
    const target = `${ctx.e.controlPlane?.apiUrl}: interception target ${key} from ${x.forwardingRule}`;
    found.push(
      s === 'agent'
        ? finding(
            'SERVICE_CIDR_MISSING',
            `VIP ${x.ip} (forwarding rule ${x.forwardingRule}) has no SERVICE_PROXY_REDIRECT entry in SERVICE_PROXY_SERVICE_CIDRS`,
            [...path, target],
            { subject: key },
          )
        : finding(
            'VIP_NOT_INTERCEPTED',
            `connections to ${key} (forwarding rule ${x.forwardingRule}) are not redirected to the proxy${s === 'manual' ? ' (no ISTIO_OUTPUT rule sends it to ISTIO_REDIRECT)' : ''}`,
            [...path, target],
            {
              subject: key,
              fix: `add the VIP to interception: vane intercept apply${s === 'manual' ? ' --style manual' : ''} --service-cidr ${x.ip} (or restart vane agent)`,
            },
          ),
    );
  }
  return found;
}

function interceptAll(ctx: CheckContext, t: IptTables, src: string): Finding[] {
  const r = walk(t, 'nat', 'OUTPUT', out(ELSEWHERE, 443));
  if (r.verdict !== 'redirect') return [];
  const chains = new Set(r.trace.map((x) => x.chain));
  const exclusions = allRules(t, 'nat').filter(
    (x) =>
      chains.has(x.chain) &&
      x.target === 'RETURN' &&
      (option(x, '-d') !== undefined || option(x, '--dports', '--dport') !== undefined),
  );
  const known = (ctx.e.controlPlane?.interceptionTargets ?? []).map((x) => `${x.ip}:${x.port}`);
  return [
    finding(
      'INTERCEPT_ALL_UNCONFIGURED_DESTINATIONS',
      `all outbound TCP is redirected to the proxy (port ${r.toPort ?? '?'}); ${exclusions.length === 0 ? 'nothing is excluded' : `excluded: ${exclusions.map((x) => option(x, '-d')?.value ?? `ports ${option(x, '--dports', '--dport')?.value}`).join(', ')}`}; connections to destinations other than ${known.length > 0 ? known.join(', ') : "Vane's services"} are dropped by the proxy`,
      [...ev(src, r.trace), ...ev(src, exclusions)],
    ),
  ];
}

function inbound(ctx: CheckContext, t: IptTables, src: string): Finding[] {
  const ports = ctx.bootstrap?.servingPorts ?? [];
  if (ports.length === 0 || ctx.e.mode !== 'envoy') return [];
  const s = style(t);
  const chain = s === 'agent' ? 'SERVICE_PROXY_INBOUND' : s === 'manual' ? 'ISTIO_INBOUND' : 'PREROUTING';
  const found: Finding[] = [];
  for (const port of ports) {
    const pkt: Packet = { dst: SELF, dport: port, direction: 'in' };
    const nat = walk(t, 'nat', 'PREROUTING', pkt);
    if (nat.verdict !== 'redirect' && ctx.bootstrap?.inboundInterceptionPort !== undefined)
      found.push(
        finding(
          'INBOUND_PORT_NOT_INTERCEPTED',
          `serving port ${port} has no redirect in ${chain}, so inbound traffic to it bypasses the proxy`,
          [
            ...(nat.trace.length > 0
              ? ev(src, nat.trace)
              : [`${src}: no nat PREROUTING rule redirects tcp dport ${port}`]),
            `${ctx.e.bootstrap?.source ?? 'bootstrap'}: TRAFFICDIRECTOR_INBOUND_BACKEND_PORTS = ${ports.join(',')}`,
          ],
          { subject: `port ${port}` },
        ),
      );
    // After a redirect the filter table sees the proxy's inbound port.
    const seen = nat.verdict === 'redirect' && nat.toPort !== undefined ? nat.toPort : port;
    if (!t.has('filter')) continue;
    const f = walk(t, 'filter', 'INPUT', { ...pkt, dport: seen });
    if (f.verdict !== 'drop') continue;
    found.push(
      finding(
        'INBOUND_PORT_DROPPED',
        `the filter table drops inbound TCP to ${seen === port ? `serving port ${port}` : `port ${seen} (where serving port ${port} is redirected)`}`,
        f.trace.length > 0
          ? ev(src, f.trace)
          : [`${src}: chain INPUT policy ${f.policy} and no rule accepts tcp dport ${seen}`],
        {
          subject: `port ${port}`,
          fix: `remove or narrow the rule above, or accept tcp dport ${seen} before it`,
        },
      ),
    );
  }
  return found;
}

function ipv6(ctx: CheckContext): Finding[] {
  const v6 = ctx.e.ip6tablesSave;
  const logged = logsOf(ctx, 'IPV6_MODULES_MISSING');
  const err =
    v6 !== undefined &&
    'error' in v6 &&
    /can't initialize ip6tables table|Table does not exist|modprobe|not supported|Could not fetch rule set/i.test(
      v6.error,
    )
      ? [`${v6.source}: ${v6.error.trim()}`]
      : [];
  if (err.length === 0 && logged.length === 0) return [];
  return [
    finding(
      'IPV6_MODULES_MISSING',
      "ip6tables cannot use the nat table: the kernel's IPv6 netfilter modules are not loaded, so interception setup failed or left IPv6 out",
      [...err, ...logged.map(logEvidence)],
    ),
  ];
}

export function interceptionChecks(ctx: CheckContext): Finding[] {
  const t = ctx.iptables;
  const found = ipv6(ctx);
  if (t === undefined) return found;
  const src = ctx.e.iptablesSave?.source ?? 'iptables-save';
  return [
    ...found,
    ...loop(ctx, t, src),
    ...vips(ctx, t, src),
    ...interceptAll(ctx, t, src),
    ...inbound(ctx, t, src),
  ];
}
