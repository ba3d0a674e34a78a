// Guide §4: an access log the proxy user cannot write makes Envoy reject the listener that
// names it. Judged from the file's (or, when it does not exist yet, its directory's)
// ownership and mode, from the proxy's log line, and from the NACK Vane recorded.
import type { StatInfo } from '../evidence.js';
import { type Finding, finding } from '../finding.js';
import { logEvidence } from '../log-patterns.js';
import { type CheckContext, logsOf } from './context.js';
import { ACCESS_LOG_ERROR } from './proxy.js';

const octal = (m: number) => `0${(m & 0o7777).toString(8)}`;

/** true/false when the bits decide, undefined when they depend on a group not known. */
function canWrite(s: StatInfo, uid: number, gid: number | undefined, bits: number): boolean | undefined {
  if (uid === 0) return true;
  if (s.uid === uid) return (s.mode & (bits << 6)) === bits << 6;
  if (gid === undefined && (s.mode & (bits << 3)) === bits << 3) return undefined;
  if (gid !== undefined && s.gid === gid) return (s.mode & (bits << 3)) === bits << 3;
  return (s.mode & bits) === bits;
}

function fromStat(ctx: CheckContext): { path: string; why: string; evidence: string[] } | undefined {
  const a = ctx.e.accessLog;
  const uid = ctx.proxyUid;
  if (a === undefined || uid === undefined) return undefined;
  const who = `uid ${uid}${ctx.proxyGid === undefined ? '' : ` gid ${ctx.proxyGid}`}`;
  const show = (what: string, s: StatInfo) => `stat ${what}: owner ${s.uid}:${s.gid} mode ${octal(s.mode)}`;
  if (a.stat !== undefined) {
    if (canWrite(a.stat, uid, ctx.proxyGid, 0o2) !== false) return undefined;
    return {
      path: a.path,
      why: `${a.path} is not writable by the proxy (${who})`,
      evidence: [show(a.path, a.stat)],
    };
  }
  if (a.dirStat !== undefined && canWrite(a.dirStat, uid, ctx.proxyGid, 0o3) === false) {
    const dir = a.path.replace(/\/[^/]*$/, '') || '/';
    return {
      path: a.path,
      why: `${a.path} does not exist and its directory ${dir} is not writable by the proxy (${who})`,
      evidence: [`stat ${a.path}: ${a.error ?? 'does not exist'}`, show(dir, a.dirStat)],
    };
  }
  return undefined;
}

export function accessLogChecks(ctx: CheckContext): Finding[] {
  const stat = fromStat(ctx);
  const logged = logsOf(ctx, 'ACCESS_LOG_NOT_WRITABLE');
  const dumpSrc = ctx.e.configDump?.source ?? '/config_dump';
  const dumped = (ctx.dump?.failures ?? []).filter((f) => ACCESS_LOG_ERROR.test(f.details));
  const nacks = (ctx.e.controlPlane?.proxy?.nacks ?? []).filter((n) => ACCESS_LOG_ERROR.test(n.message));
  if (stat === undefined && logged.length === 0 && dumped.length === 0 && nacks.length === 0) return [];
  const path =
    stat?.path ??
    logged[0]?.groups[0] ??
    ACCESS_LOG_ERROR.exec(dumped[0]?.details ?? nacks[0]?.message ?? '')?.[1] ??
    ctx.e.accessLog?.path ??
    '(access log)';
  const listeners = dumped.map((f) => f.name);
  const user = ctx.proxyUserName ?? (ctx.proxyUid === undefined ? 'the proxy user' : `uid ${ctx.proxyUid}`);
  return [
    finding(
      'ACCESS_LOG_NOT_WRITABLE',
      `${stat?.why ?? `the proxy cannot open access log ${path}`}${listeners.length > 0 ? `, so Envoy rejected listener ${listeners.join(', ')}` : ', so Envoy rejects the listeners that log to it'}`,
      [
        ...(stat?.evidence ?? []),
        ...logged.map(logEvidence),
        ...dumped.map((f) => `${dumpSrc}: ${f.path}.details = ${f.details}`),
        ...nacks.map(
          (n) =>
            `${ctx.e.controlPlane?.apiUrl}: NACK of ${n.typeUrl} [${n.resourceNames.join(', ')}]: ${n.message}`,
        ),
      ],
      {
        subject: path,
        fix: `let ${user} write it (e.g. chown ${user}: ${path}, or make its directory writable), or point TRAFFICDIRECTOR_ACCESS_LOG_PATH somewhere it can write; Envoy retries when Vane resends the listener`,
      },
    ),
  ];
}
