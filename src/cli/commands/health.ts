import type { Command } from 'commander';
import { clientOf, outputOf, print, projectOf, seg } from '../context.js';
import { type Row, render } from '../output.js';

const columns = [
  { header: 'ZONE', value: (r: Row) => r.zone },
  { header: 'ENDPOINT', value: (r: Row) => `${String(r.ipAddress)}:${String(r.port)}` },
  { header: 'STATE', value: (r: Row) => r.state },
  { header: 'EFFECTIVE', value: (r: Row) => r.effective },
  { header: 'LAST PROBE', value: (r: Row) => r.lastProbeAt },
  {
    header: 'DETAIL',
    value: (r: Row) =>
      (r.why as string | undefined) ?? (r.lastResult as { detail?: string } | undefined)?.detail,
  },
];

/** `vane health BACKEND_SERVICE`: each endpoint's checked state and what proxies are told. */
export function healthCommand(program: Command): void {
  program
    .command('health')
    .description(
      "a backend service's endpoints: health-check state, last probe, and the status proxies get (fail-open, drained)",
    )
    .argument('<backendService>', 'backend service name')
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const project = projectOf(cmd);
      const body = await clientOf(cmd).request<{
        failOpen: boolean;
        healthCheck: string | null;
        endpoints: Row[];
      }>('GET', `/v1/projects/${seg(project)}/backendServices/${seg(name)}/health`);
      const format = outputOf(cmd);
      if (format !== 'table') {
        print(render(format, body, [], []));
        return;
      }
      if (body.healthCheck === null)
        process.stderr.write(`${name} has no health check: its endpoints are used as healthy (UNKNOWN)\n`);
      if (body.failOpen)
        process.stderr.write(
          'FAIL_OPEN_ACTIVE: at least 99 % of the endpoints are unhealthy, so health is ignored\n',
        );
      print(render('table', body, body.endpoints, columns));
    });
}
