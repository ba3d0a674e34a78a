import { type Cidr, isPort, type PortRange, parseCidr, parsePortRange } from './addr.js';

/** What to intercept; both Vane styles (the agent's and Traffic Director's manual script) share it. */
export interface InterceptionSpec {
  style: 'agent' | 'manual';
  /** Outbound interception port (Envoy), e.g. 15001. */
  proxyPort: number;
  /** Traffic of this UID is never redirected, so the proxy's own connections cannot loop. */
  proxyUid: number;
  /** VIPs (`10.0.0.1` means /32, `fd00::1` means /128) or CIDRs, IPv4 and IPv6 mixed. */
  serviceCidrs: string[];
  /** Agent style only: redirect all outbound TCP except the exclusions. */
  interceptAll: boolean;
  /** CIDRs that go direct in intercept-all mode. */
  excludeOutboundIpRanges: string[];
  /** `8080` or `8000-8100`: destination ports that go direct in intercept-all mode. */
  excludeOutboundPortRanges: string[];
  /** Where inbound serving-port traffic goes (manual style: defaults to proxyPort, as the script does). */
  inboundPort?: number;
  /** Inbound ports to redirect to inboundPort. */
  servingPorts: number[];
}

/** A valid spec with every address and port in the form the rules use. */
export interface NormalizedSpec {
  style: 'agent' | 'manual';
  proxyPort: number;
  proxyUid: number;
  serviceCidrs: Cidr[];
  interceptAll: boolean;
  excludeOutboundIpRanges: Cidr[];
  excludeOutboundPortRanges: PortRange[];
  inboundPort: number | null;
  servingPorts: number[];
  /** Things that are valid but probably not what was meant. */
  warnings: string[];
}

const MAX_UID = 4294967294; // (uid_t)-1 means "no uid"

function list(value: unknown): unknown[] | null {
  return Array.isArray(value) ? value : null;
}

function cidrs(field: string, value: unknown, problems: string[], warnings: string[]): Cidr[] {
  const items = list(value);
  if (items === null) {
    problems.push(`${field}: must be a list of addresses or CIDRs`);
    return [];
  }
  const out = new Map<string, Cidr>();
  for (const [i, item] of items.entries()) {
    const cidr = typeof item === 'string' ? parseCidr(item) : null;
    if (cidr === null) {
      problems.push(
        `${field}[${i}]: '${String(item)}' is not an IPv4 or IPv6 address or CIDR (e.g. 10.0.0.1, 10.7.240.0/20, fd00::1)`,
      );
      continue;
    }
    if (cidr.hostBitsCleared)
      warnings.push(`${field}[${i}]: '${String(item)}' has host bits set; it is taken as ${cidr.text}`);
    out.set(cidr.text, cidr);
  }
  return [...out.values()];
}

function check(spec: InterceptionSpec): { normalized: NormalizedSpec; problems: string[] } {
  const problems: string[] = [];
  const warnings: string[] = [];
  const s = (spec ?? {}) as Partial<Record<keyof InterceptionSpec, unknown>>;
  if (s.style !== 'agent' && s.style !== 'manual')
    problems.push(`style: must be 'agent' or 'manual', not '${String(s.style)}'`);
  if (!isPort(s.proxyPort))
    problems.push(`proxyPort: must be a port number from 1 to 65535, not '${String(s.proxyPort)}'`);
  if (
    typeof s.proxyUid !== 'number' ||
    !Number.isInteger(s.proxyUid) ||
    s.proxyUid < 0 ||
    s.proxyUid > MAX_UID
  )
    problems.push(`proxyUid: must be a user id (an integer of 0 or more), not '${String(s.proxyUid)}'`);
  else if (s.proxyUid === 0)
    warnings.push('proxyUid: 0 (root) means traffic of every root process bypasses interception');
  if (s.interceptAll !== undefined && typeof s.interceptAll !== 'boolean')
    problems.push('interceptAll: must be true or false');
  const interceptAll = s.interceptAll === true;
  if (interceptAll && s.style === 'manual')
    problems.push("interceptAll: only the 'agent' style can intercept all outbound traffic");

  const serviceCidrs = cidrs('serviceCidrs', s.serviceCidrs ?? [], problems, warnings);
  const excludeOutboundIpRanges = cidrs(
    'excludeOutboundIpRanges',
    s.excludeOutboundIpRanges ?? [],
    problems,
    warnings,
  );
  const excludeOutboundPortRanges: PortRange[] = [];
  const portItems = list(s.excludeOutboundPortRanges ?? []);
  if (portItems === null) problems.push('excludeOutboundPortRanges: must be a list of ports or port ranges');
  for (const [i, item] of (portItems ?? []).entries()) {
    const range = typeof item === 'string' || typeof item === 'number' ? parsePortRange(String(item)) : null;
    if (range === null)
      problems.push(
        `excludeOutboundPortRanges[${i}]: '${String(item)}' is not a port (1-65535) or a range like 8000-8100`,
      );
    else if (!excludeOutboundPortRanges.some((r) => r.from === range.from && r.to === range.to))
      excludeOutboundPortRanges.push(range);
  }
  if (!interceptAll && (excludeOutboundIpRanges.length > 0 || excludeOutboundPortRanges.length > 0))
    warnings.push(
      'excludeOutboundIpRanges/excludeOutboundPortRanges: ignored, they only apply with interceptAll',
    );
  if (interceptAll && serviceCidrs.length > 0)
    warnings.push('serviceCidrs: not needed with interceptAll, which redirects every destination');

  let inboundPort: number | null = null;
  if (s.inboundPort !== undefined && s.inboundPort !== null) {
    if (isPort(s.inboundPort)) inboundPort = s.inboundPort;
    else problems.push(`inboundPort: must be a port number from 1 to 65535, not '${String(s.inboundPort)}'`);
  }
  const servingPorts: number[] = [];
  const serving = list(s.servingPorts ?? []);
  if (serving === null) problems.push('servingPorts: must be a list of port numbers');
  for (const [i, p] of (serving ?? []).entries()) {
    if (!isPort(p))
      problems.push(`servingPorts[${i}]: must be a port number from 1 to 65535, not '${String(p)}'`);
    else if (!servingPorts.includes(p)) servingPorts.push(p);
  }
  if (s.style === 'agent' && servingPorts.length > 0 && s.inboundPort === undefined)
    problems.push('inboundPort: required when servingPorts are given (the port inbound traffic goes to)');
  if (s.style === 'agent' && inboundPort !== null && servingPorts.length === 0)
    warnings.push('inboundPort: no servingPorts, so no inbound traffic is intercepted');
  if (
    s.style === 'agent' &&
    !interceptAll &&
    serviceCidrs.length === 0 &&
    servingPorts.length === 0 &&
    problems.length === 0
  )
    warnings.push('serviceCidrs: empty, so no outbound traffic is intercepted until services are added');
  if (s.style === 'manual' && serviceCidrs.length === 0)
    problems.push('serviceCidrs: the manual style needs at least one VIP or CIDR to intercept');

  return {
    problems,
    normalized: {
      style: s.style === 'manual' ? 'manual' : 'agent',
      proxyPort: s.proxyPort as number,
      proxyUid: s.proxyUid as number,
      serviceCidrs,
      interceptAll,
      excludeOutboundIpRanges,
      excludeOutboundPortRanges,
      inboundPort,
      servingPorts,
      warnings,
    },
  };
}

/** Problems with the spec, each starting with its field name; [] when it is valid. */
export function validateSpec(spec: InterceptionSpec): string[] {
  return check(spec).problems;
}

/** The spec in normalised form, or null with the problems. */
export function normalizeSpec(
  spec: InterceptionSpec,
): { ok: true; spec: NormalizedSpec } | { ok: false; problems: string[] } {
  const { normalized, problems } = check(spec);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, spec: normalized };
}
