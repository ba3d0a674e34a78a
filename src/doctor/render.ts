// How `vane doctor` reports: text for people (errors first, each with why and fix), or JSON
// with a stable schema for scripts.
import type { NodeEvidence } from './evidence.js';
import { type Finding, sortFindings } from './finding.js';

export interface DoctorReport {
  findings: Finding[];
  unavailable: { input: string; why: string }[];
  collectedAt: string;
}

export function report(e: NodeEvidence, findings: readonly Finding[]): DoctorReport {
  return { findings: sortFindings(findings), unavailable: e.unavailable ?? [], collectedAt: e.collectedAt };
}

/** The JSON schema: findings with code, severity, summary, evidence, fix (and subject). */
export function renderJson(r: DoctorReport): string {
  const findings = r.findings.map((f) => ({
    code: f.code,
    severity: f.severity,
    summary: f.summary,
    evidence: f.evidence,
    fix: f.fix,
    ...(f.subject === undefined ? {} : { subject: f.subject }),
  }));
  return `${JSON.stringify({ findings, unavailable: r.unavailable, collectedAt: r.collectedAt }, null, 2)}\n`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function renderText(r: DoctorReport): string {
  const out: string[] = [];
  for (const f of r.findings) {
    out.push(`${f.code} (${f.severity}) — ${f.summary}`);
    if (f.evidence.length > 0) {
      out.push('  why:');
      for (const line of f.evidence) out.push(`    ${line}`);
    }
    out.push(`  fix: ${f.fix}`, '');
  }
  if (r.unavailable.length > 0) {
    out.push('not collected (checks that need these could not run):');
    for (const u of r.unavailable) out.push(`  ${u.input}: ${u.why}`);
    out.push('');
  }
  const count = (s: Finding['severity']) => r.findings.filter((f) => f.severity === s).length;
  out.push(
    r.findings.length === 0
      ? `no problems found (collected ${r.collectedAt})`
      : `${plural(count('error'), 'error')}, ${plural(count('warning'), 'warning')}, ${count('info')} info (collected ${r.collectedAt})`,
  );
  return `${out.join('\n')}\n`;
}
