// Follows one new TCP connection through a table's chains, the way netfilter would, so that
// every interception style (Vane's agent and manual rules, Istio's, Kuma's) is judged by what
// it does to a packet rather than by chain names. Matches the walk cannot decide (source
// address, marks, unknown modules) count as not matching: the walk never invents a redirect
// or a drop from a rule it does not understand.
import { cidrContains, isLoopback } from '../parse/cidr.js';
import { type IptRule, type IptTables, option } from '../parse/iptables.js';

export interface Packet {
  /** Destination address and port of the connection. */
  dst: string;
  dport: number;
  /** Owner of the socket (OUTPUT only); undefined: an application user, none of the named ones. */
  uid?: number;
  gid?: number;
  /** Name of the owner, for rules written `--uid-owner envoy`. */
  user?: string;
  /** PREROUTING/INPUT see packets from the network; OUTPUT locally generated ones. */
  direction: 'out' | 'in';
}

export interface WalkResult {
  verdict: 'redirect' | 'accept' | 'drop' | 'policy';
  /** REDIRECT --to-ports (or DNAT's port). */
  toPort?: number;
  /** The rules that matched, in order (jumps and the deciding rule). */
  trace: IptRule[];
  /** The policy of the built-in chain when verdict is `policy`. */
  policy?: string;
}

const KNOWN_MODULES = new Set(['tcp', 'udp', 'owner', 'comment', 'multiport', 'state', 'conntrack']);

function portIn(spec: string, port: number): boolean {
  return spec.split(',').some((p) => {
    const [a, b] = p.split(':');
    const from = Number(a);
    const to = b === undefined ? from : Number(b);
    return port >= from && port <= to;
  });
}

function ownerMatches(value: string, id: number | undefined, name: string | undefined): boolean {
  return /^\d+$/.test(value) ? id === Number(value) : name !== undefined && name === value;
}

/** Whether the rule's matches hold for the packet. */
export function ruleMatches(rule: IptRule, p: Packet): boolean {
  const t = rule.tokens;
  for (let i = 0; i < t.length; i++) if (t[i] === '-m' && !KNOWN_MODULES.has(t[i + 1] ?? '')) return false;
  const neg = (o: { negated: boolean } | undefined, holds: boolean) =>
    o === undefined ? true : holds !== o.negated;
  const proto = option(rule, '-p', '--protocol');
  if (!neg(proto, proto?.value === 'tcp' || proto?.value === 'all')) return false;
  const dst = option(rule, '-d', '--destination');
  if (!neg(dst, dst?.value.split(',').some((c) => cidrContains(c, p.dst)) === true)) return false;
  // The source of an outbound connection is a local address, of an inbound one a peer: unknown,
  // so only a /0 source matches.
  const src = option(rule, '-s', '--source');
  if (!neg(src, src !== undefined && /\/0$/.test(src.value))) return false;
  const out = option(rule, '-o', '--out-interface');
  if (
    out !== undefined &&
    (p.direction !== 'out' || !neg(out, /^lo\+?$/.test(out.value) === isLoopback(p.dst)))
  )
    return false;
  const inIf = option(rule, '-i', '--in-interface');
  if (inIf !== undefined && (p.direction !== 'in' || !neg(inIf, !/^lo\+?$/.test(inIf.value)))) return false;
  const dport = option(rule, '--dport', '--destination-port', '--dports', '--destination-ports');
  if (!neg(dport, dport !== undefined && portIn(dport.value, p.dport))) return false;
  if (option(rule, '--sport', '--source-port', '--sports') !== undefined) return false;
  const uid = option(rule, '--uid-owner');
  const gid = option(rule, '--gid-owner');
  if ((uid !== undefined || gid !== undefined) && p.direction !== 'out') return false;
  if (!neg(uid, uid !== undefined && ownerMatches(uid.value, p.uid, p.user))) return false;
  if (!neg(gid, gid !== undefined && ownerMatches(gid.value, p.gid, undefined))) return false;
  const state = option(rule, '--state', '--ctstate');
  if (!neg(state, state?.value.split(',').includes('NEW') === true)) return false;
  return true;
}

function toPort(rule: IptRule): number | undefined {
  const to =
    option(rule, '--to-ports', '--to-port', '--on-port')?.value ?? option(rule, '--to-destination')?.value;
  const m = to === undefined ? null : /(\d+)(?:[-:]\d+)?$/.exec(to);
  return m ? Number(m[1]) : undefined;
}

/** Walks `chain` of `table` (a built-in chain: OUTPUT, PREROUTING, INPUT). */
export function walk(tables: IptTables, table: string, chain: string, p: Packet): WalkResult {
  const t = tables.get(table);
  const trace: IptRule[] = [];
  const visit = (name: string, depth: number): WalkResult | 'return' => {
    if (depth > 32) return 'return';
    for (const rule of t?.get(name)?.rules ?? []) {
      if (!ruleMatches(rule, p)) continue;
      const target = rule.target;
      if (target === undefined) continue;
      if (target === 'RETURN') {
        trace.push(rule);
        return 'return';
      }
      if (target === 'ACCEPT') return { verdict: 'accept', trace: [...trace, rule] };
      if (target === 'DROP' || target === 'REJECT') return { verdict: 'drop', trace: [...trace, rule] };
      if (target === 'REDIRECT' || target === 'DNAT' || target === 'TPROXY') {
        const port = toPort(rule);
        return {
          verdict: 'redirect',
          ...(port === undefined ? {} : { toPort: port }),
          trace: [...trace, rule],
        };
      }
      if (t?.has(target)) {
        trace.push(rule);
        const r = visit(target, depth + 1);
        if (r !== 'return') return r;
        if (rule.goto) return 'return';
      }
      // Anything else (MARK, LOG, CT…) does not decide.
    }
    return 'return';
  };
  const r = visit(chain, 0);
  if (r !== 'return') return r;
  const policy = t?.get(chain)?.policy ?? 'ACCEPT';
  return { verdict: policy === 'DROP' ? 'drop' : 'policy', trace, policy };
}
