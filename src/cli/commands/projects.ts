import { type Command, InvalidArgumentError } from 'commander';
import { clientOf, outputOf, print, seg } from '../context.js';
import { render, toJson, toYaml } from '../output.js';

interface Project {
  projectId: string;
  projectNumber: string;
  createTime: string;
}

function parseNumber(value: string): string {
  if (!/^[1-9]\d{0,18}$/.test(value))
    throw new InvalidArgumentError('must be a positive integer of up to 19 digits');
  return value;
}

const columns = [
  { header: 'PROJECT_ID', value: (p: Record<string, unknown>) => p.projectId },
  { header: 'NUMBER', value: (p: Record<string, unknown>) => p.projectNumber },
  { header: 'CREATED', value: (p: Record<string, unknown>) => p.createTime },
];

/** `vane projects create|list|delete`. */
export function projectsCommand(program: Command): void {
  const projects = program
    .command('projects')
    .description('create, list and delete projects (needs an admin token)');

  projects
    .command('create')
    .description('create a project (it starts with a network named default)')
    .argument('<id>', 'project id: lowercase letters, digits and hyphens')
    .option(
      '--number <n>',
      'project number (default: a random one); proxies use it in their node id',
      parseNumber,
    )
    .action(async (id: string, opts: { number?: string }, cmd: Command) => {
      const project = await clientOf(cmd).request<Project>('POST', '/v1/projects', {
        body: { projectId: id, ...(opts.number === undefined ? {} : { projectNumber: opts.number }) },
      });
      const format = outputOf(cmd, 'table');
      if (format === 'json') print(toJson(project));
      else if (format === 'yaml') print(toYaml(project));
      else print(`created project ${project.projectId} (number ${project.projectNumber})`);
    });

  projects
    .command('list')
    .description('list the projects the token can see')
    .action(async (_opts: unknown, cmd: Command) => {
      const { projects: items } = await clientOf(cmd).request<{ projects: Project[] }>('GET', '/v1/projects');
      const rows = items as unknown as Record<string, unknown>[];
      print(render(outputOf(cmd), items, rows, columns));
    });

  projects
    .command('delete')
    .description('delete a project and every resource in it')
    .argument('<id>', 'project id')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const result = await clientOf(cmd).request('DELETE', `/v1/projects/${seg(id)}`);
      const format = outputOf(cmd, 'table');
      if (format === 'json') print(toJson(result));
      else if (format === 'yaml') print(toYaml(result));
      else print(`deleted project ${id}`);
    });
}
