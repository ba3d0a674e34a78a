import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { clientOf, outputOf, print, projectOf, seg } from '../context.js';
import { inferKinds, readDocuments, type SourcedDocument } from '../documents.js';
import { CliError, EXIT_USAGE } from '../errors.js';
import { requireKind, shortKind } from '../kinds.js';
import { toJson, toYaml } from '../output.js';

interface ApplyResponse {
  dryRun: boolean;
  results: { kind: string; name: string; zone?: string; action: string }[];
  notes?: string[];
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/**
 * Rewrites `resources[N]` in a server message or field path to the file and document the
 * resource came from: `resources[3].pathMatchers[0]` → `web.yaml (document 2) pathMatchers[0]`.
 */
export function sourceMapper(docs: readonly SourcedDocument[]): (text: string) => string {
  const where = (i: string) => {
    const d = docs[Number(i)];
    return d ? `${d.file} (document ${d.document})` : `resources[${i}]`;
  };
  return (text) =>
    text
      .replace(/'resources\[(\d+)\]\.([^']*)'/g, (_m, i: string, rest: string) => `'${rest}' in ${where(i)}`)
      .replace(/\bresources\[(\d+)\]\.([\w.[\]]+)/g, (_m, i: string, rest: string) => `${where(i)} ${rest}`)
      .replace(/\bresources\[(\d+)\]/g, (_m, i: string) => where(i));
}

/** `vane apply -f FILE|DIR|- [-f …] [--dry-run] [--kind KIND]`. */
export function applyCommand(program: Command): void {
  program
    .command('apply')
    .description(
      'create or update resources from YAML or JSON documents (gcloud exports work as they are) in one atomic request',
    )
    .option(
      '-f, --filename <path>',
      'a file, a directory (its *.yaml, *.yml, *.json), or - for stdin; repeatable',
      collect,
      [],
    )
    .option('--dry-run', 'validate and report what would change, changing nothing')
    .option(
      '--kind <kind>',
      'kind of the documents that have no kind (e.g. url-map); default: from selfLink or the file name',
    )
    .action(async (opts: { filename: string[]; dryRun?: boolean; kind?: string }, cmd: Command) => {
      if (opts.filename.length === 0) throw new CliError('apply: -f FILE|DIR|- is required', EXIT_USAGE);
      const kindFlag = opts.kind === undefined ? undefined : requireKind(opts.kind);
      const project = projectOf(cmd);
      const sourced = inferKinds(
        readDocuments(opts.filename, () => readFileSync(0, 'utf8')),
        kindFlag,
      ).map((d) => d.doc);
      const client = clientOf(cmd);
      const response = await client.request<ApplyResponse>('POST', `/v1/projects/${seg(project)}/apply`, {
        body: { resources: sourced.map((d) => d.body), dryRun: opts.dryRun === true },
        mapText: sourceMapper(sourced),
      });
      const format = outputOf(cmd, 'table');
      if (format === 'json') return print(toJson(response));
      if (format === 'yaml') return print(toYaml(response));
      const lines = response.results.map(
        (r) => `${r.action} ${shortKind(r.kind)}/${r.name}${r.zone === undefined ? '' : ` (zone ${r.zone})`}`,
      );
      if (lines.length === 0) lines.push('no resources');
      for (const note of response.notes ?? []) lines.push(`note: ${note}`);
      if (response.dryRun) lines.push('dry run: nothing was changed');
      print(lines.join('\n'));
    });
}
