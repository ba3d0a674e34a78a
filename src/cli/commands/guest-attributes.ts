import type { Command } from 'commander';
import { clientOf, outputOf, print, projectOf, seg } from '../context.js';
import { type Row, render } from '../output.js';

const columns = [
  { header: 'NAMESPACE', value: (r: Row) => r.namespace },
  { header: 'KEY', value: (r: Row) => r.key },
  { header: 'VALUE', value: (r: Row) => r.value },
];

/** `vane guest-attributes INSTANCE --zone Z`: what `gcloud compute instances get-guest-attributes` shows. */
export function guestAttributesCommand(program: Command): void {
  program
    .command('guest-attributes')
    .description(
      "an instance's guest attributes, e.g. the agent's bootstrap-status, bootstrap-last-failure, agent-heartbeat, agent-last-failure, proxy-version",
    )
    .argument('<instance>', 'instance name')
    .requiredOption('--zone <zone>', "the instance's zone")
    .option('--query-path <path>', "'NAMESPACE/' or 'NAMESPACE/KEY'", 'gce-service-proxy/')
    .action(async (instance: string, opts: { zone: string; queryPath: string }, cmd: Command) => {
      const project = projectOf(cmd);
      const q = opts.queryPath === '' ? '' : `?queryPath=${encodeURIComponent(opts.queryPath)}`;
      const body = await clientOf(cmd).request<{ queryValue: { items: Row[] } }>(
        'GET',
        `/compute/v1/projects/${seg(project)}/zones/${seg(opts.zone)}/instances/${seg(instance)}/getGuestAttributes${q}`,
      );
      const format = outputOf(cmd);
      if (format !== 'table') {
        print(render(format, body, [], []));
        return;
      }
      const items = body.queryValue.items;
      if (items.length === 0 && opts.queryPath.startsWith('gce-service-proxy/'))
        process.stderr.write(
          'no gce-service-proxy attributes: the agent has not started its bootstrap yet\n',
        );
      print(render('table', body, items, columns));
    });
}
