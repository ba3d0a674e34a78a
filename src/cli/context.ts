import type { Command } from 'commander';
import { ApiClient, type GlobalOptions, type OutputFormat, resolveConfig } from './client.js';
import { CliError, EXIT_USAGE } from './errors.js';

/** The program's global options, wherever they were given. */
export function globalsOf(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals<GlobalOptions>();
}

export function clientOf(cmd: Command): ApiClient {
  return new ApiClient(resolveConfig(globalsOf(cmd)));
}

/** `--project` > `VANE_PROJECT`; a usage error when neither is set. */
export function projectOf(cmd: Command): string {
  const project = globalsOf(cmd).project ?? (process.env.VANE_PROJECT || undefined);
  if (project === undefined)
    throw new CliError(`${cmd.name()}: --project is required (or set VANE_PROJECT)`, EXIT_USAGE);
  return project;
}

export function outputOf(cmd: Command, fallback: OutputFormat = 'table'): OutputFormat {
  return globalsOf(cmd).output ?? fallback;
}

export function print(text: string): void {
  process.stdout.write(text.endsWith('\n') || text === '' ? text : `${text}\n`);
}

/** Path segment, escaped. */
export const seg = (s: string): string => encodeURIComponent(s);
