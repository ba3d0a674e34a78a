// Envoy processes of this node: /proc entries whose argv[0] is `envoy` (or the PID the agent
// recorded), in this network namespace only: a proxy elsewhere does not serve this node.
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { ProcessInfo } from '../evidence.js';

function netnsOf(pid: string): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/net`);
  } catch {
    return undefined;
  }
}

function pidFromFile(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  try {
    const pid = readFileSync(file, 'utf8').trim();
    return /^\d+$/.test(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Not a zombie: an exited Envoy whose parent has not reaped it is not running. */
function alive(pid: string): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

export function findEnvoyProcesses(pidFile?: string, proc = '/proc'): ProcessInfo[] {
  const ownNs = netnsOf('self');
  const recorded = pidFromFile(pidFile);
  const out: ProcessInfo[] = [];
  for (const pid of readdirSync(proc).filter((p) => /^\d+$/.test(p))) {
    let argv: string[];
    try {
      argv = readFileSync(`${proc}/${pid}/cmdline`, 'utf8')
        .split('\0')
        .filter((a) => a !== '');
    } catch {
      continue; // exited meanwhile
    }
    if (argv.length === 0) continue;
    if (basename(argv[0]!) !== 'envoy' && pid !== recorded) continue;
    if (netnsOf(pid) !== ownNs || !alive(pid)) continue;
    let uid: number;
    try {
      uid = statSync(`${proc}/${pid}`).uid;
    } catch {
      continue;
    }
    out.push({ pid: Number(pid), uid, cmdline: argv.join(' ') });
  }
  return out;
}
