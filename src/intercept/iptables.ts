import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Family } from './addr.js';
import { InterceptionError } from './errors.js';
import {
  BUILTIN_CHAINS,
  chainOrder,
  normalizeOrThrow,
  OWNED_CHAINS,
  type RuleSet,
  ruleSet,
  SERVICE_CIDRS_CHAIN,
  serviceCidrRules,
  toLines,
} from './rules.js';
import type { InterceptionSpec, NormalizedSpec } from './spec.js';

export interface IptablesOptions {
  /** auto: program ip6tables when it works; warn (not fail) when it does not and no IPv6 CIDR was asked for. */
  ipv6?: 'auto' | 'on' | 'off';
  /** Binaries to run instead of the ones on PATH (tests use fakes). */
  bin?: {
    iptablesRestore?: string;
    iptablesSave?: string;
    ip6tablesRestore?: string;
    ip6tablesSave?: string;
  };
  /** Every action, one line each. */
  log?: (line: string) => void;
}

/** Rules applied (or removed, for clean) in `iptables -S` form; ipv6 null when not programmed. */
export interface InterceptionReport {
  ipv4: string[];
  ipv6: string[] | null;
  warnings: string[];
}

interface Tools {
  family: Family;
  /** `iptables` or `ip6tables`, for messages. */
  name: string;
  save: string;
  restore: string;
  log: (line: string) => void;
}

/** Why one family could not be used; mapped to an InterceptionError (or a warning) by the caller. */
class FamilyFailure extends Error {
  constructor(
    readonly kind: 'missing' | 'modules' | 'permission' | 'failed',
    message: string,
  ) {
    super(message);
  }
}

// What iptables prints when the kernel lacks the (IPv6) nat table modules, legacy and nft.
const MODULES_SYMPTOM =
  /can't initialize ip6?tables table|table does not exist|do you need to insmod|could not fetch rule set generation id|unable to initialize table|address family not supported|protocol not supported/i;
const PERMISSION_SYMPTOM = /permission denied|you must be root|operation not permitted/i;

// Root's PATH sometimes lacks the sbin directories (cron, some service managers).
const SBIN = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

function resolveBin(name: string): string | null {
  if (name.includes('/')) return name;
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter((d) => d !== ''), ...SBIN];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

function run(
  tools: Tools,
  name: string,
  args: string[],
  input?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const path = resolveBin(name);
  if (path === null)
    return Promise.reject(
      new FamilyFailure('missing', `${name} was not found on PATH or in ${SBIN.join(', ')}`),
    );
  tools.log(`${tools.family}: ${[name, ...args].join(' ')}${input === undefined ? '' : ' <<'}`);
  return new Promise((resolve, reject) => {
    const child = spawn(path, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        err.code === 'ENOENT' || err.code === 'EACCES'
          ? new FamilyFailure('missing', `${name} cannot be run: ${err.message}`)
          : err,
      );
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal === null ? 1 : 128), stdout, stderr });
    });
    child.stdin.on('error', () => {
      // The process may exit before reading its input; its exit status tells why.
    });
    child.stdin.end(input ?? '');
  });
}

function failure(what: string, res: { code: number; stderr: string; stdout: string }): FamilyFailure {
  const detail = (res.stderr.trim() || res.stdout.trim() || `exit status ${res.code}`).replace(
    /\s*\n\s*/g,
    ' | ',
  );
  const message = `${what} failed: ${detail}`;
  if (MODULES_SYMPTOM.test(detail)) return new FamilyFailure('modules', message);
  if (PERMISSION_SYMPTOM.test(detail)) return new FamilyFailure('permission', message);
  return new FamilyFailure('failed', message);
}

/** The nat table as `iptables-save -t nat` prints it. */
interface NatState {
  chains: Set<string>;
  rules: Map<string, string[]>;
}

/** Splits a rule into words as a shell would, so a quoted comment cannot look like `-j X`. */
function words(rule: string): string[] {
  return [...rule.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

export function targetOf(rule: string): string | null {
  const w = words(rule);
  for (let i = 0; i < w.length - 1; i++)
    if (w[i] === '-j' || w[i] === '--jump' || w[i] === '-g' || w[i] === '--goto') return w[i + 1]!;
  return null;
}

export function parseSave(text: string): NatState {
  const state: NatState = { chains: new Set(), rules: new Map() };
  let inNat = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('*')) inNat = line === '*nat';
    else if (!inNat) continue;
    else if (line.startsWith(':')) state.chains.add(line.slice(1).split(/\s+/)[0]!);
    else if (line.startsWith('-A ')) {
      const chain = line.split(/\s+/)[1]!;
      state.rules.set(chain, [...(state.rules.get(chain) ?? []), line]);
    }
  }
  return state;
}

const isOwned = (chain: string | null): boolean => chain !== null && OWNED_CHAINS.includes(chain);
const isBuiltin = (chain: string): boolean => (BUILTIN_CHAINS as readonly string[]).includes(chain);

/** Rules Vane owns in `-S` form: its chains and every jump into them. */
export function ownedLines(state: NatState): string[] {
  const chains = OWNED_CHAINS.filter((c) => state.chains.has(c));
  const out = chainOrder(chains).map((c) => `-N ${c}`);
  for (const chain of chainOrder(state.rules.keys())) {
    const rules = state.rules.get(chain) ?? [];
    out.push(...(isOwned(chain) ? rules : rules.filter((r) => isOwned(targetOf(r)))));
  }
  return out;
}

/**
 * One `iptables-restore --noflush` transaction that makes the nat table hold `set`: a
 * `:CHAIN` line creates the chain or flushes it (only Vane's chains are declared; built-in
 * chains never are, so their other rules stay), a jump from a built-in chain is added only
 * when it is not there yet (idempotent, and it keeps its position), and Vane chains not in
 * `set` — the other style's, inbound ones no longer wanted — are removed with their jumps.
 */
export function applyTransaction(state: NatState, set: RuleSet): string[] {
  const desired = new Set(set.chains);
  const remove = OWNED_CHAINS.filter((c) => state.chains.has(c) && !desired.has(c));
  const jumps = BUILTIN_CHAINS.flatMap((c) => set.rules.get(c) ?? []);
  const kept = new Set<string>();
  const lines = ['*nat', ...[...set.chains, ...remove].map((c) => `:${c} - [0:0]`)];
  for (const chain of chainOrder(state.rules.keys())) {
    if (isOwned(chain)) continue;
    for (const rule of state.rules.get(chain) ?? []) {
      const target = targetOf(rule);
      if (!isOwned(target) || (!isBuiltin(chain) && !remove.includes(target!))) continue;
      if (jumps.includes(rule) && !kept.has(rule)) kept.add(rule);
      else lines.push(rule.replace(/^-A /, '-D '));
    }
  }
  lines.push(...jumps.filter((j) => !kept.has(j)));
  lines.push(...remove.map((c) => `-X ${c}`));
  for (const chain of set.chains) lines.push(...(set.rules.get(chain) ?? []));
  lines.push('COMMIT');
  return lines;
}

/** Removes every Vane chain and every rule that jumps into one; nothing else. */
export function cleanTransaction(state: NatState): string[] | null {
  const present = OWNED_CHAINS.filter((c) => state.chains.has(c));
  const lines = ['*nat', ...present.map((c) => `:${c} - [0:0]`)];
  for (const chain of chainOrder(state.rules.keys())) {
    if (isOwned(chain)) continue;
    for (const rule of state.rules.get(chain) ?? [])
      if (isOwned(targetOf(rule))) lines.push(rule.replace(/^-A /, '-D '));
  }
  if (lines.length === 1) return null;
  lines.push(...present.map((c) => `-X ${c}`), 'COMMIT');
  return lines;
}

async function readState(tools: Tools): Promise<NatState> {
  const res = await run(tools, tools.save, ['-t', 'nat']);
  if (res.code !== 0) throw failure(`${tools.save} -t nat`, res);
  return parseSave(res.stdout);
}

async function restore(tools: Tools, lines: string[]): Promise<void> {
  const input = `${lines.join('\n')}\n`;
  const pending = run(tools, tools.restore, ['--noflush'], input);
  for (const line of lines) if (line !== '*nat' && line !== 'COMMIT') tools.log(`${tools.family}:   ${line}`);
  const res = await pending;
  if (res.code !== 0) throw failure(`${tools.restore} --noflush`, res);
}

function toolsFor(family: Family, opts: IptablesOptions): Tools {
  const log = opts.log ?? (() => {});
  return family === 'ipv4'
    ? {
        family,
        name: 'iptables',
        save: opts.bin?.iptablesSave ?? 'iptables-save',
        restore: opts.bin?.iptablesRestore ?? 'iptables-restore',
        log,
      }
    : {
        family,
        name: 'ip6tables',
        save: opts.bin?.ip6tablesSave ?? 'ip6tables-save',
        restore: opts.bin?.ip6tablesRestore ?? 'ip6tables-restore',
        log,
      };
}

function toError(tools: Tools, f: FamilyFailure): InterceptionError {
  if (f.kind === 'missing')
    return new InterceptionError(
      'IPTABLES_MISSING',
      `${tools.name} is not installed: ${f.message}`,
      'install it (`apt-get install iptables` on Debian/Ubuntu, `dnf install iptables-nft` on Fedora/RHEL; the package also provides ip6tables), then run again',
    );
  if (f.kind === 'modules' && tools.family === 'ipv6')
    return new InterceptionError(
      'IPV6_MODULES_MISSING',
      `ip6tables cannot use the nat table, so IPv6 traffic cannot be intercepted: the kernel's IPv6 netfilter modules are missing (${f.message})`,
      'load them with `modprobe ip6table_nat`, or reboot the VM (VMs created from the console need one reboot before these modules are available), then run the setup again; or turn IPv6 interception off (--ipv6 off) if no IPv6 service needs it',
    );
  if (f.kind === 'modules')
    return new InterceptionError(
      'IPTABLES_FAILED',
      `iptables cannot use the nat table: ${f.message}`,
      'load the kernel module with `modprobe iptable_nat` (or reboot the VM), then run again',
    );
  if (f.kind === 'permission')
    return new InterceptionError(
      'IPTABLES_FAILED',
      `${tools.name} was refused: ${f.message}`,
      'run as root (changing iptables needs CAP_NET_ADMIN)',
    );
  return new InterceptionError(
    'IPTABLES_FAILED',
    `${tools.name} failed: ${f.message}`,
    `check the message above; \`${tools.save} -t nat\` shows the rules in place`,
  );
}

/**
 * Runs `work` for IPv6 and then IPv4. IPv6 goes first so that, when it is required and cannot
 * be programmed, nothing has been changed. When it is optional (auto, no IPv6 CIDR asked for)
 * and ip6tables or the kernel's IPv6 nat support is missing, a warning replaces it.
 */
async function eachFamily<T>(
  opts: IptablesOptions,
  requireV6: boolean,
  warnings: string[],
  work: (tools: Tools) => Promise<T>,
): Promise<{ ipv4: T; ipv6: T | null }> {
  const mode = opts.ipv6 ?? 'auto';
  let ipv6: T | null = null;
  if (mode !== 'off') {
    const tools = toolsFor('ipv6', opts);
    try {
      ipv6 = await work(tools);
    } catch (err) {
      if (!(err instanceof FamilyFailure)) throw err;
      const error = toError(tools, err);
      const optional = mode === 'auto' && !requireV6 && (err.kind === 'missing' || err.kind === 'modules');
      if (!optional) throw error;
      const warning = `${error.code}: IPv6 traffic is not intercepted: ${error.message}; fix: ${error.fix}`;
      tools.log(`ipv6: warning: ${warning}`);
      warnings.push(warning);
    }
  }
  const tools = toolsFor('ipv4', opts);
  try {
    return { ipv4: await work(tools), ipv6 };
  } catch (err) {
    throw err instanceof FamilyFailure ? toError(tools, err) : err;
  }
}

function prepare(spec: InterceptionSpec, opts: IptablesOptions): { n: NormalizedSpec; requireV6: boolean } {
  const n = normalizeOrThrow(spec);
  const v6 = [...n.serviceCidrs].filter((c) => c.family === 'ipv6').map((c) => c.text);
  if (opts.ipv6 === 'off' && v6.length > 0) {
    const problems = [
      `serviceCidrs: ${v6.join(', ')} ${v6.length === 1 ? 'is' : 'are'} IPv6 but ipv6 is 'off'`,
    ];
    throw new InterceptionError(
      'INVALID_SPEC',
      `invalid interception spec:\n  ${problems[0]}`,
      "remove the IPv6 CIDRs or set ipv6 to 'auto' or 'on'",
      problems,
    );
  }
  return { n, requireV6: v6.length > 0 };
}

// One change at a time from this process: the agent may update CIDRs while an apply runs.
let queue: Promise<unknown> = Promise.resolve();
function serialized<T>(fn: () => Promise<T>): Promise<T> {
  const next = queue.then(fn, fn);
  queue = next.catch(() => {});
  return next;
}

async function applyFamily(tools: Tools, n: NormalizedSpec): Promise<string[]> {
  const set = ruleSet(n, tools.family);
  const state = await readState(tools);
  await restore(tools, applyTransaction(state, set));
  return toLines(set);
}

/** Programs the rules for `spec` (both families as configured). Applying twice leaves one copy. */
export function applyInterception(
  spec: InterceptionSpec,
  opts: IptablesOptions = {},
): Promise<InterceptionReport> {
  return serialized(async () => {
    const { n, requireV6 } = prepare(spec, opts);
    const warnings = [...n.warnings];
    for (const w of n.warnings) opts.log?.(`warning: ${w}`);
    opts.log?.(
      `applying ${n.style}-style interception to proxy port ${n.proxyPort} (uid ${n.proxyUid} excluded)`,
    );
    const r = await eachFamily(opts, requireV6, warnings, (t) => applyFamily(t, n));
    return { ...r, warnings };
  });
}

/**
 * Agent style: rewrites only chain SERVICE_PROXY_SERVICE_CIDRS, in one transaction, so
 * connections to VIPs that stay are never unintercepted. When the other agent-style rules
 * are missing or differ from `spec` (first run, changed ports, rules removed by hand), it
 * applies everything instead. Returns the chain's new rules (all rules after a full apply).
 */
export function updateServiceCidrs(
  spec: InterceptionSpec,
  opts: IptablesOptions = {},
): Promise<InterceptionReport> {
  return serialized(async () => {
    const { n, requireV6 } = prepare(spec, opts);
    if (n.style !== 'agent') {
      const problem = `style: updateServiceCidrs rewrites the agent-style chain ${SERVICE_CIDRS_CHAIN}; use applyInterception for '${n.style}'`;
      throw new InterceptionError('INVALID_SPEC', problem, "use style 'agent'", [problem]);
    }
    const warnings = [...n.warnings];
    const r = await eachFamily(opts, requireV6, warnings, async (tools) => {
      const set = ruleSet(n, tools.family);
      const state = await readState(tools);
      const withoutCidrs = (lines: string[]) =>
        lines.filter((l) => !l.startsWith(`-A ${SERVICE_CIDRS_CHAIN} `)).join('\n');
      const current = ownedLines(state);
      const expected = toLines(set);
      if (
        !current.includes(`-N ${SERVICE_CIDRS_CHAIN}`) ||
        withoutCidrs(current) !== withoutCidrs(expected)
      ) {
        tools.log(`${tools.family}: agent-style rules missing or out of date: applying all of them`);
        await restore(tools, applyTransaction(state, set));
        return expected;
      }
      const rules = serviceCidrRules(n, tools.family);
      await restore(tools, ['*nat', `:${SERVICE_CIDRS_CHAIN} - [0:0]`, ...rules, 'COMMIT']);
      return rules;
    });
    return { ...r, warnings };
  });
}

/** Only the rules Vane owns, `-S` form; ipv6 null when ip6tables cannot be read (or ipv6 is 'off'). */
export async function showInterception(
  opts: IptablesOptions = {},
): Promise<{ ipv4: string[]; ipv6: string[] | null }> {
  const r = await eachFamily(opts, false, [], async (tools) => ownedLines(await readState(tools)));
  return r;
}

/** Removes every chain and jump Vane owns (both styles) and touches nothing else. */
export function cleanInterception(opts: IptablesOptions = {}): Promise<InterceptionReport> {
  return serialized(async () => {
    const warnings: string[] = [];
    const r = await eachFamily(opts, false, warnings, async (tools) => {
      const state = await readState(tools);
      const tx = cleanTransaction(state);
      if (tx === null) {
        tools.log(`${tools.family}: no interception rules to remove`);
        return [];
      }
      const removed = ownedLines(state);
      await restore(tools, tx);
      return removed;
    });
    return { ...r, warnings };
  });
}
