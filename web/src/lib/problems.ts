import { ApiError, api, enc } from '../api/client';
import type { Finding, ProxyInfo, RejectedView, TranslationIssue } from '../api/types';
import { typeName } from './format';

export interface Problems {
  /** 'analysis' when the server's analysis answered; otherwise what translation and proxies say. */
  source: 'analysis' | 'fallback';
  findings: Finding[];
}

const RANK: Record<string, number> = { error: 0, warning: 1, info: 2 };

/**
 * What is broken in a project, errors first: the server's analysis when it has one
 * (GET …/analysis); older servers answer 404, and then translation issues, configurations
 * Envoy's validation refused, and proxies that NACKed stand in.
 */
export async function loadProblems(project: string): Promise<Problems> {
  const base = `/v1/projects/${enc(project)}`;
  try {
    const { findings } = await api<{ findings: Finding[] }>('GET', `${base}/analysis`);
    return { source: 'analysis', findings: sortFindings(findings ?? []) };
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 404 || !/No such API/.test(err.message)) throw err;
  }
  const [translation, proxies] = await Promise.all([
    api<{ issues: TranslationIssue[]; rejected: RejectedView[] }>('GET', `${base}/translation`).catch(() => ({
      issues: [],
      rejected: [],
    })),
    api<{ proxies: ProxyInfo[] }>('GET', `${base}/proxies`).catch(() => ({ proxies: [] as ProxyInfo[] })),
  ]);
  const findings: Finding[] = [];
  for (const r of translation.rejected) {
    findings.push({
      code: 'CONFIG_REJECTED',
      severity: 'error',
      summary: `A configuration failed Envoy's validation and was not published: ${r.problems.join('; ')}`,
      fix: 'Correct the resources named in the problems; the last good configuration is still served.',
    });
  }
  for (const p of proxies.proxies) {
    for (const t of p.types) {
      if (t.status !== 'NACKED') continue;
      findings.push({
        code: 'PROXY_NACK',
        severity: 'error',
        summary: `${p.node?.id ?? p.streamId} rejected ${typeName(t.typeUrl)}: ${t.nack?.message ?? ''}`,
        subject: p.streamId,
      });
    }
  }
  for (const i of translation.issues) {
    findings.push({
      code: 'TRANSLATION',
      severity: 'warning',
      summary: `${i.resource.replace(/^projects\/[^/]+\//, '')}${i.location ? ` (${i.location})` : ''}: ${i.message}`,
      subject: i.resource,
    });
  }
  return { source: 'fallback', findings: sortFindings(findings) };
}

function sortFindings(findings: Finding[]): Finding[] {
  return [...findings].sort((a, b) => (RANK[a.severity] ?? 3) - (RANK[b.severity] ?? 3));
}
