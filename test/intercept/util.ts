import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import type { InterceptionSpec, IptablesOptions } from '../../src/intercept/index.js';
import { type ExecResult, type Netns, normalizeSave } from '../helpers/netns.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const ENTRY = fileURLToPath(new URL('./entry.js', import.meta.url));

export const APP_UID = 1000;
export const PROXY_UID = 1006;
export const PROXY_PORT = 15001;
export const INBOUND_PORT = 15006;

/** `vane ...` run inside the namespace. */
export function vane(ns: Netns, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<ExecResult> {
  return ns.exec(process.execPath, [CLI, ...args], { env });
}

export async function vaneOk(ns: Netns, args: string[]): Promise<string> {
  const res = await vane(ns, args);
  assert.equal(res.code, 0, `vane ${args.join(' ')}: ${res.stderr}`);
  return res.stdout;
}

export interface LibOutcome {
  ok: boolean;
  result?: { ipv4: string[]; ipv6: string[] | null; warnings?: string[] };
  code?: string;
  message?: string;
  fix?: string;
  problems?: string[];
  log: string[];
}

/** A library call made inside the namespace (never in the test process's own). */
export async function lib(
  ns: Netns,
  fn: 'apply' | 'update' | 'show' | 'clean',
  spec?: InterceptionSpec,
  opts?: IptablesOptions,
): Promise<LibOutcome> {
  const res = await ns.exec(process.execPath, [ENTRY, JSON.stringify({ fn, spec, opts })]);
  assert.equal(res.code, 0, res.stderr);
  return JSON.parse(res.stdout) as LibOutcome;
}

export async function natSave(ns: Netns, family: 'ipv4' | 'ipv6' = 'ipv4'): Promise<string> {
  const res = await ns.exec(family === 'ipv4' ? 'iptables-save' : 'ip6tables-save', ['-t', 'nat']);
  assert.equal(res.code, 0, res.stderr);
  return normalizeSave(res.stdout);
}

/** `iptables -t nat -S` lines. */
export async function natRules(ns: Netns, family: 'ipv4' | 'ipv6' = 'ipv4'): Promise<string[]> {
  const res = await ns.exec(family === 'ipv4' ? 'iptables' : 'ip6tables', ['-t', 'nat', '-S']);
  assert.equal(res.code, 0, res.stderr);
  return res.stdout.split('\n').filter((l) => l !== '');
}

/** The rule lines of the CLI's rule listing for one family (between its `# ipvN` headers). */
export function section(stdout: string, family: 'ipv4' | 'ipv6'): string[] {
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`# ${family}`));
  assert.notEqual(start, -1, `no ${family} section in:\n${stdout}`);
  const out: string[] = [];
  for (const l of lines.slice(start + 1)) {
    if (l.startsWith('#')) break;
    if (l !== '') out.push(l);
  }
  return out;
}

export function spec(overrides: Partial<InterceptionSpec>): InterceptionSpec {
  return {
    style: 'agent',
    proxyPort: PROXY_PORT,
    proxyUid: PROXY_UID,
    serviceCidrs: [],
    interceptAll: false,
    excludeOutboundIpRanges: [],
    excludeOutboundPortRanges: [],
    servingPorts: [],
    ...overrides,
  };
}
