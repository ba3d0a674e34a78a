import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { clientOf, outputOf, print, projectOf, seg } from '../context.js';
import { CliError } from '../errors.js';
import { toJson, toYaml } from '../output.js';

/** Resources as multi-document YAML, `---` between documents. */
export function toYamlDocuments(resources: readonly unknown[]): string {
  return resources.map((r) => toYaml(r)).join('---\n');
}

/** `vane export --project P [-f OUT]`. */
export function exportCommand(program: Command): void {
  program
    .command('export')
    .description('print every resource of a project as YAML documents that `vane apply -f` takes back')
    .option('-f, --filename <path>', 'write to this file instead of stdout')
    .action(async (opts: { filename?: string }, cmd: Command) => {
      const project = projectOf(cmd);
      const { resources } = await clientOf(cmd).request<{ resources: unknown[] }>(
        'GET',
        `/v1/projects/${seg(project)}/export`,
      );
      const text = outputOf(cmd, 'yaml') === 'json' ? toJson({ resources }) : toYamlDocuments(resources);
      if (opts.filename === undefined || opts.filename === '-') return print(text);
      try {
        writeFileSync(opts.filename, text);
      } catch (err) {
        throw new CliError(`cannot write '${opts.filename}': ${(err as Error).message}`);
      }
      process.stderr.write(
        `exported ${resources.length} resources of project '${project}' to ${opts.filename}\n`,
      );
    });
}
