import { CATALOG, CODES, type FindingCode, type Severity } from './catalog.js';

/** One diagnosis: the JSON schema of `vane doctor --json`, `vane analyze --json` and the API. */
export interface Finding {
  code: FindingCode;
  severity: Severity;
  /** What is wrong, specifically (names the VIP, port, resource, proxy). */
  summary: string;
  /** What was seen that shows it: rule lines, log lines, attribute values, config paths. */
  evidence: string[];
  /** What to do, specifically. */
  fix: string;
  /** What it is about (a resource path, a node id, a VIP:port), when there is one. */
  subject?: string;
}

/** A finding with the catalog's severity, and its default fix unless a specific one is given. */
export function finding(
  code: FindingCode,
  summary: string,
  evidence: string[] = [],
  opts: { fix?: string; subject?: string; severity?: Severity } = {},
): Finding {
  const entry = CATALOG[code];
  return {
    code,
    severity: opts.severity ?? entry.severity,
    summary,
    evidence,
    fix: opts.fix ?? entry.fix,
    ...(opts.subject === undefined ? {} : { subject: opts.subject }),
  };
}

const RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
const ORDER = new Map(CODES.map((c, i) => [c, i]));

/** Errors first, then by the guide's order (root causes before their symptoms); stable otherwise. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return findings
    .map((f, i) => ({ f, i }))
    .sort(
      (a, b) =>
        RANK[a.f.severity] - RANK[b.f.severity] ||
        (ORDER.get(a.f.code) ?? 0) - (ORDER.get(b.f.code) ?? 0) ||
        a.i - b.i,
    )
    .map((x) => x.f);
}

/** Exit status of doctor/analyze: 1 when any error-severity finding, else 0. */
export function exitStatus(findings: readonly Finding[]): number {
  return findings.some((f) => f.severity === 'error') ? 1 : 0;
}
