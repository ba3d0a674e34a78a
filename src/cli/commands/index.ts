import { type Command, Option } from 'commander';
import { agentCommand } from './agent.js';
import { analyzeCommand } from './analyze.js';
import { applyCommand } from './apply.js';
import { bootstrapCommand } from './bootstrap.js';
import { doctorCommand } from './doctor.js';
import { explainCommand } from './explain.js';
import { exportCommand } from './export.js';
import { guestAttributesCommand } from './guest-attributes.js';
import { healthCommand } from './health.js';
import { interceptCommand } from './intercept.js';
import { projectsCommand } from './projects.js';
import { proxiesCommands } from './proxies.js';
import { resourceCommands } from './resources.js';
import { tokensCommand } from './tokens.js';

/** Commands that talk to a running server, and the global options they share. */
export function registerClientCommands(program: Command): void {
  program
    .option('--server <url>', 'Vane server URL (default: $VANE_SERVER, else http://127.0.0.1:8080)')
    .option(
      '--token <token>',
      'API token (default: $VANE_TOKEN, else the admin-token file in the data directory)',
    )
    .option('--project <id>', 'project to work in (default: $VANE_PROJECT)')
    .option(
      '--data-dir <dir>',
      'data directory of a local server, for its admin-token file (default: $VANE_DATA_DIR, else ./.vane)',
    )
    .addOption(
      new Option(
        '-o, --output <format>',
        'output format (default: table for get/list, text otherwise)',
      ).choices(['json', 'yaml', 'table']),
    );

  // Program options are recognised after the command name too, so `vane serve --data-dir D`
  // sets the program's --data-dir; hand it to `serve`, which has its own.
  program.hook('preSubcommand', (_program, sub) => {
    const dataDir: unknown = program.getOptionValue('dataDir');
    if (sub.name() === 'serve' && typeof dataDir === 'string')
      sub.setOptionValueWithSource('dataDir', dataDir, 'cli');
  });

  projectsCommand(program);
  applyCommand(program);
  resourceCommands(program);
  exportCommand(program);
  tokensCommand(program);
  proxiesCommands(program);
  explainCommand(program);
  healthCommand(program);
  analyzeCommand(program);
  bootstrapCommand(program);
  interceptCommand(program);
  agentCommand(program);
  guestAttributesCommand(program);
  doctorCommand(program);
}
