#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { registerClientCommands } from './commands/index.js';
import { serveCommand } from './commands/serve.js';
import { CliError, EXIT_FAILURE, EXIT_USAGE } from './errors.js';
import { packageVersion } from './version.js';

const program = new Command('vane')
  .description(
    'Vane: a self-hostable traffic director (xDS control plane with Traffic Director’s resource model)',
  )
  .version(packageVersion(), '-V, --version', 'print the version')
  .showHelpAfterError()
  .exitOverride();

serveCommand(program);
registerClientCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // --help and --version end here too, with exit code 0.
    process.exit(err.exitCode === 0 ? 0 : EXIT_USAGE);
  }
  if (err instanceof CliError) {
    process.stderr.write(`error: ${err.message}\n`);
    process.exit(err.exitCode);
  }
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(EXIT_FAILURE);
}
