import type { Command } from 'commander';
import type { KindSpec } from '../../model/kind.js';
import type { ApiClient } from '../client.js';
import { clientOf, outputOf, print, projectOf, seg } from '../context.js';
import { CliError, EXIT_USAGE } from '../errors.js';
import { isZonal, requireKind, shortKind } from '../kinds.js';
import { columnsFor, lastSegment, type Row, render, toJson, toYaml } from '../output.js';

const KIND_HELP =
  'resource kind, e.g. url-map, backendService, compute#healthCheck, network-endpoint-groups, neg';

function collectionPath(project: string, spec: KindSpec, zone: string | undefined): string {
  const scope = zone === undefined ? 'global' : `zones/${seg(zone)}`;
  return `/compute/v1/projects/${seg(project)}/${scope}/${spec.collection}`;
}

/** Every item of a list, following nextPageToken; zonal kinds without a zone use the aggregated list. */
export async function listAll(
  client: Pick<ApiClient, 'request'>,
  project: string,
  spec: KindSpec,
  zone: string | undefined,
  filter: string | undefined,
): Promise<Row[]> {
  const aggregated = isZonal(spec) && zone === undefined;
  const path = aggregated
    ? `/compute/v1/projects/${seg(project)}/aggregated/${spec.collection}`
    : collectionPath(project, spec, zone);
  const out: Row[] = [];
  let pageToken: string | undefined;
  do {
    const page = await client.request<{ items?: unknown; nextPageToken?: string }>('GET', path, {
      query: { maxResults: '500', filter, pageToken },
    });
    if (aggregated) {
      for (const scoped of Object.values((page.items ?? {}) as Record<string, Record<string, unknown>>)) {
        const items = scoped[spec.collection];
        if (Array.isArray(items)) out.push(...(items as Row[]));
      }
    } else if (Array.isArray(page.items)) out.push(...(page.items as Row[]));
    pageToken = page.nextPageToken || undefined;
  } while (pageToken !== undefined);
  return out;
}

/** The zone of a zonal resource named without --zone: found through the aggregated list when unique. */
async function zoneOf(
  client: ApiClient,
  project: string,
  spec: KindSpec,
  name: string,
  zone: string | undefined,
): Promise<string | undefined> {
  if (!isZonal(spec)) {
    if (zone !== undefined)
      throw new CliError(`${shortKind(spec.kind)} resources are global: drop --zone`, EXIT_USAGE);
    return undefined;
  }
  if (zone !== undefined) return zone;
  const found = await listAll(client, project, spec, undefined, `name = "${name}"`);
  const zones = found.map((r) => lastSegment(r.zone)).filter((z): z is string => z !== undefined);
  if (zones.length === 1) return zones[0];
  if (zones.length === 0) {
    throw new CliError(`${shortKind(spec.kind)} '${name}' was not found in any zone of project '${project}'`);
  }
  throw new CliError(
    `${shortKind(spec.kind)} '${name}' exists in several zones (${zones.join(', ')}): pass --zone`,
    EXIT_USAGE,
  );
}

/** `vane get`, `vane list`, `vane delete`. */
export function resourceCommands(program: Command): void {
  program
    .command('get')
    .description('show one resource')
    .argument('<kind>', KIND_HELP)
    .argument('<name>', 'resource name')
    .option('--zone <zone>', 'zone of a zonal resource (default: the only zone that has one of that name)')
    .action(async (kind: string, name: string, opts: { zone?: string }, cmd: Command) => {
      const spec = requireKind(kind);
      const project = projectOf(cmd);
      const client = clientOf(cmd);
      const zone = await zoneOf(client, project, spec, name, opts.zone);
      const resource = await client.request<Row>(
        'GET',
        `${collectionPath(project, spec, zone)}/${seg(name)}`,
      );
      print(render(outputOf(cmd), resource, [resource], columnsFor(spec)));
    });

  program
    .command('list')
    .description('list resources of a kind (zonal kinds: every zone unless --zone)')
    .argument('<kind>', KIND_HELP)
    .option('--zone <zone>', 'only this zone (zonal kinds)')
    .option('--filter <expr>', "Compute API list filter, e.g. 'name = web' or 'protocol = GRPC'")
    .action(async (kind: string, opts: { zone?: string; filter?: string }, cmd: Command) => {
      const spec = requireKind(kind);
      if (!isZonal(spec) && opts.zone !== undefined) {
        throw new CliError(`${shortKind(spec.kind)} resources are global: drop --zone`, EXIT_USAGE);
      }
      const project = projectOf(cmd);
      const items = await listAll(clientOf(cmd), project, spec, opts.zone, opts.filter);
      const format = outputOf(cmd);
      if (format === 'table' && items.length === 0) {
        process.stderr.write(
          `no ${spec.collection} in project '${project}'${opts.zone ? ` zone ${opts.zone}` : ''}\n`,
        );
        return;
      }
      print(render(format, items, items, columnsFor(spec)));
    });

  program
    .command('delete')
    .description('delete a resource (refused while another resource uses it)')
    .argument('<kind>', KIND_HELP)
    .argument('<name>', 'resource name')
    .option('--zone <zone>', 'zone of a zonal resource (default: the only zone that has one of that name)')
    .action(async (kind: string, name: string, opts: { zone?: string }, cmd: Command) => {
      const spec = requireKind(kind);
      const project = projectOf(cmd);
      const client = clientOf(cmd);
      const zone = await zoneOf(client, project, spec, name, opts.zone);
      const op = await client.request<Row>('DELETE', `${collectionPath(project, spec, zone)}/${seg(name)}`);
      const format = outputOf(cmd, 'table');
      if (format === 'json') print(toJson(op));
      else if (format === 'yaml') print(toYaml(op));
      else print(`deleted ${shortKind(spec.kind)}/${name}${zone === undefined ? '' : ` (zone ${zone})`}`);
    });
}
