// The node's packet filter as iptables-save prints it: the nat table (interception) and the
// filter table (rules that drop serving ports); ip6tables' own error text when it fails,
// since that is how missing IPv6 modules show.
import type { FileText } from '../evidence.js';
import { runCommand } from './run.js';

export async function iptablesSave(): Promise<FileText> {
  const nat = await runCommand('iptables-save', ['-t', 'nat']);
  if (nat.code !== 0) throw new Error(`iptables-save -t nat failed (${nat.code}): ${nat.stderr.trim()}`);
  const filter = await runCommand('iptables-save', ['-t', 'filter']);
  // An empty filter table may not exist at all (nf_tables): nothing drops then.
  const text = filter.code === 0 ? nat.stdout + filter.stdout : nat.stdout;
  return { source: 'iptables-save -t nat; iptables-save -t filter', text };
}

export async function ip6tablesSave(): Promise<FileText | { source: string; error: string }> {
  const source = 'ip6tables-save -t nat';
  const res = await runCommand('ip6tables-save', ['-t', 'nat']);
  if (res.code !== 0) return { source, error: res.stderr.trim() || `exit status ${res.code}` };
  return { source, text: res.stdout };
}
