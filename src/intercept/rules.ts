import type { Family, PortRange } from './addr.js';
import { InterceptionError } from './errors.js';
import { type InterceptionSpec, type NormalizedSpec, normalizeSpec } from './spec.js';

/*
 * The nat-table rules, in `iptables -S` form (exactly what `iptables -t nat -S` and
 * `iptables-save` print back, so the rules read back compare equal to the rules rendered).
 *
 * Why nothing loops:
 * - Outbound: the proxy's UID RETURNs first, so Envoy's own upstream connections (to the
 *   VIP, to any destination in intercept-all mode, to the control plane) are never sent
 *   back to Envoy. Loopback RETURNs so local clients of the proxy's admin and the app's
 *   own 127.0.0.1 traffic are untouched.
 * - Inbound: PREROUTING only sees packets from the network. Envoy forwarding an inbound
 *   connection to the app's serving port is locally generated: it goes through OUTPUT,
 *   where the proxy UID returns. Its packets do re-enter PREROUTING on `lo`, but nat rules
 *   are only consulted for a connection's first packet, and that connection's NAT was
 *   already decided in OUTPUT, so PREROUTING cannot redirect it to the inbound port again.
 */

export const BUILTIN_CHAINS = ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'] as const;

export const AGENT_CHAINS = [
  'SERVICE_PROXY_INBOUND',
  'SERVICE_PROXY_IN_REDIRECT',
  'SERVICE_PROXY_OUTPUT',
  'SERVICE_PROXY_REDIRECT',
  'SERVICE_PROXY_SERVICE_CIDRS',
] as const;

/** The chains of Traffic Director's manual `iptables.sh` (Istio's names). */
export const MANUAL_CHAINS = [
  'ISTIO_INBOUND',
  'ISTIO_IN_REDIRECT',
  'ISTIO_OUTPUT',
  'ISTIO_REDIRECT',
] as const;

export const OWNED_CHAINS: readonly string[] = [...AGENT_CHAINS, ...MANUAL_CHAINS];

export const SERVICE_CIDRS_CHAIN = 'SERVICE_PROXY_SERVICE_CIDRS';

const LOOPBACK: Record<Family, string> = { ipv4: '127.0.0.1/32', ipv6: '::1/128' };

/** Rules of one family as chains: order matters within a chain. */
export interface RuleSet {
  /** User chains Vane creates, in `-S` order. */
  chains: string[];
  /** Rules by chain, each in `-S` form (`-A CHAIN ...`); built-in chains hold only the jumps. */
  rules: Map<string, string[]>;
}

/** `-S` order: policies, then user chains by name, then rules chain by chain in that order. */
export function chainOrder(chains: Iterable<string>): string[] {
  const builtin = BUILTIN_CHAINS as readonly string[];
  const all = [...new Set(chains)];
  return [
    ...builtin.filter((c) => all.includes(c)),
    ...all.filter((c) => !builtin.includes(c)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
  ];
}

export function toLines(set: RuleSet): string[] {
  const out = set.chains.map((c) => `-N ${c}`);
  for (const chain of chainOrder(set.rules.keys())) out.push(...(set.rules.get(chain) ?? []));
  return out;
}

/** Multiport takes at most 15 ports, a range counting as two. */
function multiportChunks(ranges: PortRange[]): string[] {
  const chunks: string[] = [];
  let cur: string[] = [];
  let weight = 0;
  for (const r of ranges) {
    const w = r.from === r.to ? 1 : 2;
    if (weight + w > 15) {
      chunks.push(cur.join(','));
      cur = [];
      weight = 0;
    }
    cur.push(r.from === r.to ? String(r.from) : `${r.from}:${r.to}`);
    weight += w;
  }
  if (cur.length > 0) chunks.push(cur.join(','));
  return chunks;
}

/** The rules of chain SERVICE_PROXY_SERVICE_CIDRS, which the agent rewrites as services change. */
export function serviceCidrRules(spec: NormalizedSpec, family: Family): string[] {
  const c = SERVICE_CIDRS_CHAIN;
  if (!spec.interceptAll)
    return spec.serviceCidrs
      .filter((x) => x.family === family)
      .map((x) => `-A ${c} -d ${x.text} -j SERVICE_PROXY_REDIRECT`);
  return [
    ...spec.excludeOutboundIpRanges
      .filter((x) => x.family === family)
      .map((x) => `-A ${c} -d ${x.text} -j RETURN`),
    ...multiportChunks(spec.excludeOutboundPortRanges).map(
      (ports) => `-A ${c} -p tcp -m multiport --dports ${ports} -j RETURN`,
    ),
    `-A ${c} -j SERVICE_PROXY_REDIRECT`,
  ];
}

function agentRules(spec: NormalizedSpec, family: Family): RuleSet {
  const rules = new Map<string, string[]>();
  const chains = ['SERVICE_PROXY_OUTPUT', 'SERVICE_PROXY_REDIRECT', SERVICE_CIDRS_CHAIN];
  rules.set('OUTPUT', ['-A OUTPUT -p tcp -j SERVICE_PROXY_OUTPUT']);
  rules.set('SERVICE_PROXY_OUTPUT', [
    // First, so the proxy's own connections are never redirected (INTERCEPTION_LOOP_PROXY_UID).
    `-A SERVICE_PROXY_OUTPUT -m owner --uid-owner ${spec.proxyUid} -j RETURN`,
    `-A SERVICE_PROXY_OUTPUT -d ${LOOPBACK[family]} -j RETURN`,
    `-A SERVICE_PROXY_OUTPUT -j ${SERVICE_CIDRS_CHAIN}`,
  ]);
  rules.set(SERVICE_CIDRS_CHAIN, serviceCidrRules(spec, family));
  rules.set('SERVICE_PROXY_REDIRECT', [
    `-A SERVICE_PROXY_REDIRECT -p tcp -j REDIRECT --to-ports ${spec.proxyPort}`,
  ]);
  if (spec.inboundPort !== null && spec.servingPorts.length > 0) {
    chains.push('SERVICE_PROXY_INBOUND', 'SERVICE_PROXY_IN_REDIRECT');
    rules.set('PREROUTING', ['-A PREROUTING -p tcp -j SERVICE_PROXY_INBOUND']);
    rules.set(
      'SERVICE_PROXY_INBOUND',
      spec.servingPorts.map(
        (p) => `-A SERVICE_PROXY_INBOUND -p tcp -m tcp --dport ${p} -j SERVICE_PROXY_IN_REDIRECT`,
      ),
    );
    rules.set('SERVICE_PROXY_IN_REDIRECT', [
      `-A SERVICE_PROXY_IN_REDIRECT -p tcp -j REDIRECT --to-ports ${spec.inboundPort}`,
    ]);
  }
  return { chains: chainOrder(chains), rules };
}

/*
 * Traffic Director's manual `iptables.sh -i CIDR -p PORT -u UID`, line for line as its guide
 * shows them (`iptables -t nat -S | grep ISTIO`), plus `-A ISTIO_REDIRECT ... REDIRECT`. The
 * guide's excerpt stops one line short: in `-S` order that rule prints last, after the ISTIO_OUTPUT
 * rules, and `grep ISTIO` does match it. Without it ISTIO_REDIRECT is an empty chain, the
 * packet falls back to ISTIO_OUTPUT's caller and the VIP is reached directly, bypassing Envoy.
 */
function manualRules(spec: NormalizedSpec, family: Family): RuleSet {
  const rules = new Map<string, string[]>();
  const chains = ['ISTIO_IN_REDIRECT', 'ISTIO_OUTPUT', 'ISTIO_REDIRECT'];
  rules.set('OUTPUT', ['-A OUTPUT -p tcp -j ISTIO_OUTPUT']);
  rules.set('ISTIO_IN_REDIRECT', [
    `-A ISTIO_IN_REDIRECT -p tcp -j REDIRECT --to-ports ${spec.inboundPort ?? spec.proxyPort}`,
  ]);
  rules.set('ISTIO_OUTPUT', [
    `-A ISTIO_OUTPUT -m owner --uid-owner ${spec.proxyUid} -j RETURN`,
    `-A ISTIO_OUTPUT -d ${LOOPBACK[family]} -j RETURN`,
    ...spec.serviceCidrs
      .filter((x) => x.family === family)
      .map((x) => `-A ISTIO_OUTPUT -d ${x.text} -j ISTIO_REDIRECT`),
    '-A ISTIO_OUTPUT -j RETURN',
  ]);
  rules.set('ISTIO_REDIRECT', [`-A ISTIO_REDIRECT -p tcp -j REDIRECT --to-ports ${spec.proxyPort}`]);
  if (spec.servingPorts.length > 0) {
    // As Istio's script: PREROUTING → ISTIO_INBOUND → ISTIO_IN_REDIRECT per serving port.
    chains.push('ISTIO_INBOUND');
    rules.set('PREROUTING', ['-A PREROUTING -p tcp -j ISTIO_INBOUND']);
    rules.set(
      'ISTIO_INBOUND',
      spec.servingPorts.map((p) => `-A ISTIO_INBOUND -p tcp -m tcp --dport ${p} -j ISTIO_IN_REDIRECT`),
    );
  }
  return { chains: chainOrder(chains), rules };
}

export function ruleSet(spec: NormalizedSpec, family: Family): RuleSet {
  return spec.style === 'manual' ? manualRules(spec, family) : agentRules(spec, family);
}

export function normalizeOrThrow(spec: InterceptionSpec): NormalizedSpec {
  const result = normalizeSpec(spec);
  if (!result.ok)
    throw new InterceptionError(
      'INVALID_SPEC',
      `invalid interception spec:\n  ${result.problems.join('\n  ')}`,
      'correct the fields named above and run again',
      result.problems,
    );
  return result.spec;
}

/** Pure: the rules for each family in `iptables -S` form (what `--dry-run` prints). */
export function renderRules(spec: InterceptionSpec): { ipv4: string[]; ipv6: string[] } {
  const n = normalizeOrThrow(spec);
  return { ipv4: toLines(ruleSet(n, 'ipv4')), ipv6: toLines(ruleSet(n, 'ipv6')) };
}
