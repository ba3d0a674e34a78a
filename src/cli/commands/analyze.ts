import type { Command } from 'commander';
import { exitStatus, type Finding } from '../../doctor/finding.js';
import { clientOf, globalsOf, print, projectOf, seg } from '../context.js';
import { toJson, toYaml } from '../output.js';

interface Analysis {
  kind: string;
  findings: Finding[];
  analyzedAt: string;
}

/** `vane analyze`: what is wrong with a project's mesh, most urgent first; exit 1 on any error finding. */
export function analyzeCommand(program: Command): void {
  program
    .command('analyze')
    .description(
      "findings over a project's configuration and live state: networks proxies cannot use, rejected (NACKed) configuration traced to its user object, translation and validation problems, services without endpoints or failing open, agents' bootstrap and heartbeat; exit 1 when any is an error",
    )
    .option('--json', 'print the findings as JSON (same as -o json)')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const project = projectOf(cmd);
      const body = await clientOf(cmd).request<Analysis>('GET', `/v1/projects/${seg(project)}/analysis`);
      const format = opts.json === true ? 'json' : globalsOf(cmd).output;
      if (format === 'json') print(toJson(body));
      else if (format === 'yaml') print(toYaml(body));
      else print(renderFindings(body.findings, `project '${project}'`));
      process.exitCode = exitStatus(body.findings);
    });
}

/**
 * `CODE (severity) — summary`, evidence lines, `fix: …`, in the order given (sorted: errors
 * first), then a count line. (A shared renderer for doctor may replace this one.)
 */
export function renderFindings(findings: readonly Finding[], what: string): string {
  const blocks = findings.map((f) =>
    [
      `${f.code} (${f.severity}) — ${f.summary}`,
      ...f.evidence.map((e) => `    ${e}`),
      `  fix: ${f.fix}`,
    ].join('\n'),
  );
  const count = (s: Finding['severity']) => findings.filter((f) => f.severity === s).length;
  const total =
    findings.length === 0
      ? `no findings for ${what}`
      : `${findings.length} finding${findings.length === 1 ? '' : 's'} for ${what}: ${count('error')} error(s), ${count('warning')} warning(s), ${count('info')} info`;
  return `${[...blocks, total].join('\n\n')}\n`;
}
