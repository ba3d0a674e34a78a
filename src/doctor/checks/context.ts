// What every check reads, parsed once: a parse failure leaves the input out (the CLI already
// reports inputs it could not use), it never becomes a finding of its own.
import type { NodeEvidence } from '../evidence.js';
import { type LogMatch, matchLogs } from '../log-patterns.js';
import { type ParsedBootstrap, parseBootstrap } from '../parse/bootstrap.js';
import { type ParsedConfigDump, parseConfigDump } from '../parse/config-dump.js';
import { type IptTables, parseIptablesSave } from '../parse/iptables.js';
import { parseServerInfo, type ServerInfo } from '../parse/server-info.js';

export interface CheckContext {
  e: NodeEvidence;
  bootstrap?: ParsedBootstrap;
  dump?: ParsedConfigDump;
  serverInfo?: ServerInfo;
  iptables?: IptTables;
  logs: LogMatch[];
  /** The proxy's user: configured, else the running Envoy's. */
  proxyUid?: number;
  proxyGid?: number;
  proxyUserName?: string;
}

function attempt<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

export function context(e: NodeEvidence): CheckContext {
  const bootstrap = e.bootstrap && attempt(() => parseBootstrap(e.bootstrap!.text));
  const dump = e.configDump && attempt(() => parseConfigDump(e.configDump!.text));
  const serverInfo = e.serverInfo && attempt(() => parseServerInfo(e.serverInfo!.text));
  const iptables = e.iptablesSave && parseIptablesSave(e.iptablesSave.text);
  const proxyUid = e.proxyUser?.uid ?? e.processes?.[0]?.uid;
  return {
    e,
    ...(bootstrap === undefined ? {} : { bootstrap }),
    ...(dump === undefined ? {} : { dump }),
    ...(serverInfo === undefined ? {} : { serverInfo }),
    ...(iptables === undefined ? {} : { iptables }),
    logs: matchLogs(e.logs),
    ...(proxyUid === undefined ? {} : { proxyUid }),
    ...(e.proxyUser === undefined ? {} : { proxyGid: e.proxyUser.gid, proxyUserName: e.proxyUser.name }),
  };
}

/** Log matches of one code. */
export function logsOf(ctx: CheckContext, code: LogMatch['code']): LogMatch[] {
  return ctx.logs.filter((m) => m.code === code);
}
