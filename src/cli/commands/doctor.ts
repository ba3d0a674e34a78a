import { type Command, InvalidArgumentError, Option } from 'commander';
import { stringify } from 'yaml';
import { NamedFileError } from '../../doctor/collect/index.js';
import { type DoctorOptions, runDoctor } from '../../doctor/doctor.js';
import { exitStatus } from '../../doctor/finding.js';
import { renderJson, renderText } from '../../doctor/render.js';
import { globalsOf, print } from '../context.js';
import { CliError, EXIT_USAGE } from '../errors.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

function hostPort(value: string): string {
  if (!/^(\[[0-9a-fA-F:.]+\]|[^:/\s]+):\d{1,5}$/.test(value))
    throw new InvalidArgumentError('must be HOST:PORT, e.g. 127.0.0.1:15000');
  return value;
}

/** File inputs that replace live collection; none of them makes sense with --from-bundle. */
const FILE_INPUTS = [
  'bootstrap',
  'agentConfig',
  'sidecarEnv',
  'configDump',
  'serverInfo',
  'iptablesSave',
  'ip6tablesSave',
  'guestAttributes',
  'csds',
  'csdsFile',
  'admin',
] as const;

interface Flags extends Omit<DoctorOptions, 'logs' | 'noProbe'> {
  log: string[];
  probe: boolean;
  json?: boolean;
}

/** `vane doctor`: diagnose this node (or a support bundle) against the troubleshooting catalog. */
export function doctorCommand(program: Command): void {
  program
    .command('doctor')
    .description(
      "diagnose this node: the proxy, interception, logs, the agent's guest attributes and the path to Vane's xDS server. Exit status 1 when an error is found",
    )
    .option('--admin <host:port>', "Envoy's admin address (default 127.0.0.1:15000)", hostPort)
    .option(
      '--bootstrap <file>',
      'the proxy bootstrap (default: the agent state dir, $GRPC_XDS_BOOTSTRAP, /etc/envoy)',
    )
    .option('--agent-config <file>', "vane agent's settings (default /etc/vane/agent.yaml when present)")
    .option('--sidecar-env <file>', "Traffic Director's sidecar.env (LOG_DIR, ENVOY_USER)")
    .option('--log <file>', 'a log to read besides the standard ones (repeatable)', collect, [])
    .option('--config-dump <file>', "Envoy's /config_dump JSON instead of asking the admin API")
    .option('--server-info <file>', "Envoy's /server_info JSON instead of asking the admin API")
    .option('--iptables-save <file>', 'iptables-save output instead of running it')
    .option('--ip6tables-save <file>', 'ip6tables-save output (or its error) instead of running it')
    .option(
      '--guest-attributes <file>',
      'guest attributes (getGuestAttributes JSON or key=value lines) instead of asking Vane',
    )
    .option('--csds <host:port>', "a proxyless client's admin server: read its CSDS", hostPort)
    .option('--csds-file <file>', 'a CSDS ClientStatusResponse JSON instead of asking the client')
    .option(
      '--instance <name>',
      'this instance, for its guest attributes (default: agent settings, else the host name)',
    )
    .option('--zone <zone>', "this instance's zone (default: agent settings)")
    .addOption(
      new Option('--mode <mode>', 'kind of node (default: from the bootstrap)').choices(['envoy', 'grpc']),
    )
    .option('--no-probe', "do not open an ADS stream to Vane as this node's bootstrap node")
    .option('--bundle <file.tar.gz>', 'also write every collected input to a support bundle')
    .option('--from-bundle <file.tar.gz>', 'analyse a support bundle instead of this machine')
    .option('--json', 'JSON output (same as -o json)')
    .action(async (flags: Flags, cmd: Command) => {
      const g = globalsOf(cmd);
      if (flags.fromBundle !== undefined) {
        const mixed = FILE_INPUTS.filter((k) => flags[k] !== undefined);
        if (mixed.length > 0 || flags.log.length > 0)
          throw new CliError(
            'doctor: --from-bundle analyses the bundle alone; drop the other input options',
            EXIT_USAGE,
          );
      }
      const { log, probe, json, ...rest } = flags;
      const opts: DoctorOptions = {
        ...rest,
        logs: log,
        noProbe: !probe,
        ...(g.server === undefined ? {} : { server: g.server }),
        ...(g.token === undefined ? {} : { token: g.token }),
        ...(g.project === undefined ? {} : { project: g.project }),
      };
      let result: Awaited<ReturnType<typeof runDoctor>>;
      try {
        result = await runDoctor(opts);
      } catch (err) {
        if (err instanceof NamedFileError) throw new CliError(`doctor: ${err.message}`, EXIT_USAGE);
        if (flags.fromBundle !== undefined)
          throw new CliError(
            `doctor: --from-bundle ${flags.fromBundle}: ${(err as Error).message}`,
            EXIT_USAGE,
          );
        throw err;
      }
      const format = json === true ? 'json' : g.output;
      if (format === 'json') print(renderJson(result.report));
      else if (format === 'yaml') print(stringify(JSON.parse(renderJson(result.report))));
      else print(renderText(result.report));
      process.exitCode = exitStatus(result.report.findings);
    });
}
