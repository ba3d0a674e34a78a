import { type Command, Option } from 'commander';
import { type Explanation, parseHeader, renderExplanation } from '../../doctor/explain/index.js';
import { clientOf, outputOf, print, projectOf, seg } from '../context.js';
import { CliError, EXIT_USAGE } from '../errors.js';
import { toJson, toYaml } from '../output.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

interface ExplainOptions {
  proxy?: string;
  to: string;
  header?: string[];
  nodeId?: string;
  network?: string;
  zone?: string;
  label?: string[];
  kind?: 'envoy' | 'grpc';
}

/** `vane explain`: one request's routing decision as a proxy would make it, step by step. */
export function explainCommand(program: Command): void {
  program
    .command('explain')
    .description(
      'how a proxy would route one request with the configuration Vane sends it: listener, forwarding rule, URL map, route, clusters, endpoints, and why alternatives did not match',
    )
    .option('--proxy <id>', 'a connected proxy: stream id or node id (see `vane proxies`)')
    .requiredOption('--to <host:port/path>', 'the request: HOST[:PORT][/PATH][?QUERY] (sidecar: the VIP)')
    .option('-H, --header <name:value>', 'a request header (repeatable)', collect)
    .option('--node-id <id>', 'a node that is not connected: its id (with --network)')
    .option('--network <name>', 'hypothetical node: its network')
    .option('--zone <zone>', 'hypothetical node: its zone')
    .option('--label <key=value>', 'hypothetical node: a metadata label (repeatable)', collect)
    .addOption(
      new Option('--kind <kind>', 'hypothetical node: proxyless gRPC or Envoy').choices(['grpc', 'envoy']),
    )
    .action(async (opts: ExplainOptions, cmd: Command) => {
      const project = projectOf(cmd);
      const headers: Record<string, string> = {};
      for (const h of opts.header ?? []) {
        try {
          const [k, v] = parseHeader(h);
          headers[k] = k in headers ? `${headers[k]},${v}` : v;
        } catch (e) {
          throw new CliError(`explain: ${(e as Error).message}`, EXIT_USAGE);
        }
      }
      const body: Record<string, unknown> = { to: opts.to, headers };
      let path: string;
      if (opts.proxy !== undefined) {
        path = `/v1/projects/${seg(project)}/proxies/${seg(opts.proxy)}/explain`;
      } else if (opts.network !== undefined || opts.nodeId !== undefined) {
        if (opts.network === undefined) throw new CliError('explain: --node-id needs --network', EXIT_USAGE);
        body.node = {
          ...(opts.nodeId === undefined ? {} : { id: opts.nodeId }),
          network: opts.network,
          ...(opts.zone === undefined ? {} : { zone: opts.zone }),
          ...(opts.kind === undefined ? {} : { kind: opts.kind }),
          labels: Object.fromEntries((opts.label ?? []).map(splitLabel)),
        };
        path = `/v1/projects/${seg(project)}/explain`;
      } else {
        throw new CliError(
          'explain: give --proxy ID, or --network (and --node-id, --zone, --label) for a node that is not connected',
          EXIT_USAGE,
        );
      }
      const result = await clientOf(cmd).request<Explanation>('POST', path, { body });
      const format = outputOf(cmd, 'table');
      print(
        format === 'json' ? toJson(result) : format === 'yaml' ? toYaml(result) : renderExplanation(result),
      );
    });
}

function splitLabel(l: string): [string, string] {
  const i = l.indexOf('=');
  if (i <= 0) throw new CliError(`explain: --label '${l}' is not KEY=VALUE`, EXIT_USAGE);
  return [l.slice(0, i), l.slice(i + 1)];
}
