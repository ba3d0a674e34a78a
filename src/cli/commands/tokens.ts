import { type Command, Option } from 'commander';
import { clientOf, globalsOf, outputOf, print, seg } from '../context.js';
import { CliError, EXIT_USAGE } from '../errors.js';
import { type Row, render, toJson, toYaml } from '../output.js';

interface Token {
  id: string;
  name: string;
  grants: { project: string; role: string }[];
  createTime: string;
  revokeTime?: string;
  token?: string;
}

const columns = [
  { header: 'ID', value: (t: Row) => t.id },
  { header: 'NAME', value: (t: Row) => t.name },
  { header: 'GRANTS', value: (t: Row) => (t.grants as Token['grants']).map((g) => `${g.project}:${g.role}`) },
  { header: 'CREATED', value: (t: Row) => t.createTime },
  { header: 'REVOKED', value: (t: Row) => t.revokeTime },
];

/** `vane tokens create|list|revoke`. */
export function tokensCommand(program: Command): void {
  const tokens = program
    .command('tokens')
    .description('API tokens: create, list and revoke (needs an admin token)');

  tokens
    .command('create')
    .description("create a token with a role on --project ('*' for every project); prints its secret once")
    .addOption(
      new Option('--role <role>', 'what the token may do')
        .choices(['viewer', 'editor', 'admin', 'proxy'])
        .makeOptionMandatory(),
    )
    .option('--name <name>', 'a name to recognise it by (default: PROJECT-ROLE)')
    .action(async (opts: { role: string; name?: string }, cmd: Command) => {
      const project = globalsOf(cmd).project ?? (process.env.VANE_PROJECT || undefined);
      if (project === undefined)
        throw new CliError(
          "tokens create: --project is required (a project id, or '*' for every project)",
          EXIT_USAGE,
        );
      const token = await clientOf(cmd).request<Token>('POST', '/v1/tokens', {
        body: {
          grants: [{ project, role: opts.role }],
          ...(opts.name === undefined ? {} : { name: opts.name }),
        },
      });
      const format = outputOf(cmd, 'table');
      if (format === 'json') return print(toJson(token));
      if (format === 'yaml') return print(toYaml(token));
      print(
        [
          `created token ${token.id} (name ${token.name}, ${opts.role} on ${project === '*' ? 'every project' : `project ${project}`})`,
          `secret: ${token.token}`,
          'The secret is shown only this once: store it now (use it with --token or VANE_TOKEN).',
        ].join('\n'),
      );
    });

  tokens
    .command('list')
    .description('list tokens (never their secrets)')
    .action(async (_opts: unknown, cmd: Command) => {
      const { tokens: items } = await clientOf(cmd).request<{ tokens: Token[] }>('GET', '/v1/tokens');
      print(render(outputOf(cmd), items, items as unknown as Row[], columns));
    });

  tokens
    .command('revoke')
    .description('revoke a token: requests with it fail from now on')
    .argument('<id>', 'token id (see tokens list)')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const token = await clientOf(cmd).request<Token>('DELETE', `/v1/tokens/${seg(id)}`);
      const format = outputOf(cmd, 'table');
      if (format === 'json') return print(toJson(token));
      if (format === 'yaml') return print(toYaml(token));
      print(`revoked token ${token.id} (name ${token.name})`);
    });
}
