import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { globalsOf } from '../context.js';
import { CliError, EXIT_USAGE } from '../errors.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** Flag → setting name; flags left unset do not override the file. */
const FLAGS: [flag: string, setting: string, help: string][] = [
  ['--xds-server-uri <host:port>', 'xds-server-uri', "Vane's xDS address written into the proxy bootstrap"],
  ['--zone <zone>', 'zone', 'zone of this instance (locality of its proxy)'],
  ['--instance <name>', 'instance', 'instance name (default: the host name)'],
  ['--instance-ip <ip>', 'instance-ip', "this instance's address"],
  ['--token-file <file>', 'token-file', 'file holding a token with role proxy for the project'],
  ['--network <name>', 'network', 'VPC network of the instance (default: default)'],
  ['--serving-ports <ports>', 'serving-ports', 'inbound ports to intercept, e.g. 80;81'],
  ['--proxy-port <port>', 'proxy-port', 'outbound interception port (default 15001)'],
  ['--inbound-port <port>', 'inbound-port', 'inbound interception port (default 15006)'],
  ['--admin-port <port>', 'admin-port', 'Envoy admin port on 127.0.0.1 (default 15000)'],
  ['--proxy-user <user>', 'proxy-user', 'user name or UID the proxy runs as (default envoy)'],
  ['--envoy-binary <path>', 'envoy-binary', 'Envoy binary (default: envoy on PATH)'],
  ['--access-log <path>', 'access-log', "the proxy's access log"],
  ['--tracing <ON|OFF>', 'tracing', 'generate request ids for tracing'],
  ['--exclude-outbound-ip-ranges <cidrs>', 'exclude-outbound-ip-ranges', 'intercept-all: ranges left alone'],
  [
    '--exclude-outbound-port-ranges <ports>',
    'exclude-outbound-port-ranges',
    'intercept-all: ports left alone',
  ],
  ['--log-dir <dir>', 'log-dir', "Envoy's log directory (default /var/log/envoy)"],
  ['--log-level <level>', 'log-level', "Envoy's log level (default info)"],
  ['--state-dir <dir>', 'state-dir', 'bootstrap files, node id, pid file (default /var/lib/vane-agent)'],
  ['--console-log <file>', 'console-log', 'console log of every action (default <state-dir>/console.log)'],
  [
    '--heartbeat-interval-sec <s>',
    'heartbeat-interval-sec',
    'agent-heartbeat period, at most 30 (default 15)',
  ],
  [
    '--bootstrap-retry-sec <s>',
    'bootstrap-retry-sec',
    'wait before retrying a failed bootstrap (default 30)',
  ],
  ['--ipv6 <mode>', 'ipv6', 'auto, on or off (default auto)'],
];

export function agentCommand(program: Command): void {
  const cmd = program
    .command('agent')
    .description(
      "run the node agent: register this instance, bootstrap and supervise Envoy (or write a proxyless gRPC bootstrap), program interception, report guest attributes under gce-service-proxy/, and follow the network's services",
    )
    .option(
      '--config <file>',
      "settings file (YAML/JSON; flat, or Traffic Director's gce-service-proxy document)",
    )
    .option(
      '--service-proxy <spec>',
      "Traffic Director's flag: enabled,serving-ports=80;81,proxy-port=15001,tracing=ON,access-log=PATH,network=NET,intercept-all-outbound-traffic,…",
    )
    .option('--intercept-all-outbound-traffic', 'redirect all outbound TCP except exclusions')
    .option('--proxyless', 'proxyless gRPC: only write the gRPC bootstrap')
    .option('--label <key=value>', 'node label for metadata filters (repeatable)', collect);
  for (const [flag, , help] of FLAGS) cmd.option(flag, help);
  cmd.action(async (opts: Record<string, unknown>, self: Command) => {
    const { parseServiceProxyFlag, parseSettingsFile, resolveConfig, AgentConfigError } = await import(
      '../../agent/config.js'
    );
    const { ConsoleLog } = await import('../../agent/console-log.js');
    const { Agent } = await import('../../agent/agent.js');
    const { hostname, networkInterfaces } = await import('node:os');

    let config: import('../../agent/config.js').AgentConfig;
    try {
      const raw: Record<string, unknown> = { instance: hostname() };
      const ip = Object.values(networkInterfaces())
        .flat()
        .find((a) => a !== undefined && !a.internal && a.family === 'IPv4');
      if (ip) raw['instance-ip'] = ip.address;
      if (typeof opts.config === 'string') {
        let text: string;
        try {
          text = readFileSync(opts.config, 'utf8');
        } catch (err) {
          throw new AgentConfigError([`--config: cannot read ${opts.config}: ${(err as Error).message}`]);
        }
        Object.assign(raw, parseSettingsFile(text, opts.config));
      }
      if (typeof opts.serviceProxy === 'string') Object.assign(raw, parseServiceProxyFlag(opts.serviceProxy));
      for (const [flag, setting] of FLAGS) {
        const v = opts[camel(flag)];
        if (v !== undefined) raw[setting] = v;
      }
      if (opts.interceptAllOutboundTraffic === true) raw['intercept-all-outbound-traffic'] = true;
      if (opts.proxyless === true) raw.mode = 'proxyless';
      if (Array.isArray(opts.label)) raw.labels = opts.label.join(';');
      const globals = globalsOf(self);
      const server = globals.server ?? process.env.VANE_SERVER;
      if (server !== undefined) raw['api-url'] = server;
      const token = globals.token ?? process.env.VANE_TOKEN;
      if (token !== undefined) raw.token = token;
      const project = globals.project ?? process.env.VANE_PROJECT;
      if (project !== undefined) raw.project = project;
      config = resolveConfig(raw, (file) => readFileSync(file, 'utf8'));
    } catch (err) {
      if (err instanceof AgentConfigError) throw new CliError(err.message, EXIT_USAGE);
      throw err;
    }

    const agent = new Agent(config, new ConsoleLog(config.consoleLog));
    let stopping: Promise<void> | undefined;
    const stop = () => {
      stopping ??= agent.stop().then(() => process.exit(0));
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    await agent.run();
    await stopping;
  });
}

/** `--exclude-outbound-ip-ranges <cidrs>` → `excludeOutboundIpRanges`, as commander names it. */
function camel(flag: string): string {
  return flag
    .split(' ')[0]!
    .replace(/^--/, '')
    .replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}
