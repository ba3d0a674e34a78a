import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import {
  envoyBootstrap,
  parseHostPort,
  renderEnvoyBootstrap,
  validateEnvoyBootstrap,
} from '../../bootstrap/envoy.js';
import { grpcBootstrap } from '../../bootstrap/grpc.js';
import {
  convertSidecarValue,
  parseSidecarEnv,
  type SidecarEnv,
  SidecarEnvError,
  sidecarEnvVariable,
} from '../../bootstrap/sidecar-env.js';
import { CliError, EXIT_USAGE } from '../errors.js';

/** A flag that stands for a sidecar.env variable is checked the same way. */
const as =
  <F extends keyof SidecarEnv>(field: F) =>
  (value: string): SidecarEnv[F] => {
    try {
      return convertSidecarValue(field, value);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  };

const xdsUri = (value: string): string => {
  try {
    parseHostPort(value);
    return value;
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
};

/** Repeatable `k=v` flags; `flag` names the flag in errors; `reserved` keys come from other flags. */
const keyValue =
  (flag: string, reserved: RegExp) =>
  (value: string, previous: Record<string, string> = {}): Record<string, string> => {
    const i = value.indexOf('=');
    if (i <= 0) throw new InvalidArgumentError(`${flag} takes key=value, got '${value}'`);
    const key = value.slice(0, i);
    if (reserved.test(key)) throw new InvalidArgumentError(`${key} is set by its own flag, not by ${flag}`);
    return { ...previous, [key]: value.slice(i + 1) };
  };

/** The node's UUID: any non-empty text without `/` (it ends the node id). */
const nodeUuid = (value: string): string => {
  if (value === '' || value.includes('/') || /\s/.test(value))
    throw new InvalidArgumentError(`must not be empty or contain '/' or whitespace, got '${value}'`);
  return value;
};

/** Writes `text` to `file` through a temporary file in the same directory, so readers never see half a file. */
export function writeAtomically(file: string, text: string): void {
  const temp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(temp, text, { mode: 0o644 });
    renameSync(temp, file);
  } catch (err) {
    rmSync(temp, { force: true });
    throw new CliError(`cannot write ${file}: ${(err as Error).message}`);
  }
}

/** `--output FILE` (`-` or absent: stdout). */
function emit(output: string | undefined, text: string, what: string): void {
  if (output === undefined || output === '-') {
    process.stdout.write(text);
    return;
  }
  writeAtomically(output, text);
  process.stderr.write(`${what} written to ${output}\n`);
}

/**
 * `--output FILE` is td-grpc-bootstrap's flag, but the program's `-o, --output <format>` is
 * recognised after command names too (so `vane list x -o yaml` works) and would refuse a file
 * name. The program option therefore takes any value, and its choices are checked just before
 * the action of every command but `bootstrap …`, with commander's own message.
 */
function shareOutputOption(program: Command, bootstrap: Command): void {
  const option = program.options.find((o) => o.long === '--output');
  const choices = option?.argChoices;
  if (option === undefined || choices === undefined) return;
  option.argParser((value: string) => value);
  program.hook('preAction', (_program, action) => {
    const value: unknown = program.getOptionValue('output');
    if (value === undefined || action.parent === bootstrap || choices.includes(String(value))) return;
    program.error(
      `error: option '${option.flags}' argument '${String(value)}' is invalid. Allowed choices are ${choices.join(', ')}.`,
      { code: 'commander.invalidArgument', exitCode: 1 },
    );
  });
}

/** The file given to `--output` (the program holds it, see shareOutputOption). */
function outputFileOf(cmd: Command): string | undefined {
  const value: unknown = cmd.optsWithGlobals().output;
  return typeof value === 'string' ? value : undefined;
}

const missing = (what: string, flag: string, variable?: string): CliError =>
  new CliError(
    `${what} is required: give ${flag}${variable === undefined ? '' : ` or set ${variable} in the sidecar.env`}`,
    EXIT_USAGE,
  );

interface EnvoyFlags {
  sidecarEnv?: string;
  xdsServerUri?: string;
  gcpProjectNumber?: string;
  vpcNetworkName?: string;
  zone?: string;
  nodeUuid?: string;
  envoyPort?: number;
  adminPort?: number;
  inboundPort?: number;
  servingPorts?: number[];
  accessLog?: string;
  tracing?: boolean;
  instanceIp?: string;
  label?: Record<string, string>;
  format?: 'yaml' | 'json';
}

function envoyAction(flags: EnvoyFlags, cmd: Command): void {
  let env: SidecarEnv = {};
  if (flags.sidecarEnv !== undefined) {
    let text: string;
    try {
      text = readFileSync(flags.sidecarEnv, 'utf8');
    } catch (err) {
      throw new CliError(
        `cannot read --sidecar-env ${flags.sidecarEnv}: ${(err as Error).message}`,
        EXIT_USAGE,
      );
    }
    try {
      const parsed = parseSidecarEnv(text, flags.sidecarEnv);
      env = parsed.env;
      for (const w of parsed.warnings) process.stderr.write(`warning: ${w}\n`);
    } catch (err) {
      if (err instanceof SidecarEnvError) throw new CliError(err.message, EXIT_USAGE);
      throw err;
    }
  }
  const v = (field: keyof SidecarEnv) => sidecarEnvVariable(field);
  const projectNumber = flags.gcpProjectNumber ?? env.gcpProjectNumber;
  if (projectNumber === undefined)
    throw missing('the project number', '--gcp-project-number', v('gcpProjectNumber'));
  const xdsServerUri = flags.xdsServerUri ?? env.xdsServerUri;
  if (xdsServerUri === undefined) throw missing("Vane's xDS address", '--xds-server-uri', v('xdsServerUri'));
  const envoyPort = flags.envoyPort ?? env.envoyPort ?? 15001;
  const adminPort = flags.adminPort ?? env.envoyAdminPort ?? 15000;
  const servingPorts = flags.servingPorts ?? env.servingPorts ?? [];
  // Without serving ports there is no inbound listener; 15006 as the agent uses.
  const inboundPort =
    flags.inboundPort ?? env.inboundInterceptionPort ?? (servingPorts.length > 0 ? 15006 : undefined);
  const own = [envoyPort, adminPort, ...(inboundPort === undefined ? [] : [inboundPort])];
  if (new Set(own).size < own.length)
    throw new CliError(
      `the proxy's ports must differ: --envoy-port ${envoyPort} (ENVOY_PORT), --admin-port ${adminPort} (ENVOY_ADMIN_PORT)${inboundPort === undefined ? '' : `, --inbound-port ${inboundPort} (INBOUND_INTERCEPTION_PORT)`}`,
      EXIT_USAGE,
    );
  for (const p of servingPorts)
    if (own.includes(p))
      throw new CliError(
        `--serving-ports (SERVING_PORTS): ${p} is also one of the proxy's own ports`,
        EXIT_USAGE,
      );
  const zone = flags.zone ?? env.zone;
  if (zone === undefined)
    process.stderr.write(
      'warning: no zone (--zone or ZONE): Vane cannot prefer endpoints in the proxy’s own zone\n',
    );
  const accessLogPath = flags.accessLog ?? env.accessLogPath;
  const instanceIp = flags.instanceIp ?? env.instanceIp;
  const bootstrap = envoyBootstrap({
    projectNumber,
    network: flags.vpcNetworkName ?? env.vpcNetworkName ?? 'default',
    nodeUuid: flags.nodeUuid ?? randomUUID(),
    ...(zone === undefined ? {} : { zone }),
    xdsServerUri,
    adminPort,
    interceptionPort: envoyPort,
    ...(inboundPort === undefined ? {} : { inboundInterceptionPort: inboundPort }),
    inboundBackendPorts: servingPorts,
    ...(accessLogPath === undefined ? {} : { accessLogPath }),
    tracing: flags.tracing ?? env.tracingEnabled ?? false,
    ...(instanceIp === undefined ? {} : { instanceIp }),
    labels: flags.label ?? {},
  });
  const problems = validateEnvoyBootstrap(bootstrap);
  if (problems.length > 0)
    throw new CliError(`the Envoy bootstrap would not be valid:\n  ${problems.join('\n  ')}`);
  const output = outputFileOf(cmd);
  const format = flags.format ?? (output?.endsWith('.json') ? 'json' : 'yaml');
  emit(output, renderEnvoyBootstrap(bootstrap, format), 'Envoy bootstrap');
}

interface GrpcFlags {
  xdsServerUri?: string;
  gcpProjectNumber?: string;
  vpcNetworkName: string;
  localityZone?: string;
  nodeMetadata?: Record<string, string>;
  nodeUuid?: string;
  ignoreResourceDeletionExperimental?: boolean;
  includeFederationSupportExperimental?: boolean;
}

function grpcAction(flags: GrpcFlags, cmd: Command): void {
  if (flags.xdsServerUri === undefined) throw missing("Vane's xDS address", '--xds-server-uri');
  if (flags.gcpProjectNumber === undefined) throw missing('the project number', '--gcp-project-number');
  if (flags.localityZone === undefined)
    process.stderr.write(
      'warning: no zone (--locality-zone): Vane cannot prefer endpoints in the client’s own zone\n',
    );
  const bootstrap = grpcBootstrap({
    xdsServerUri: flags.xdsServerUri,
    projectNumber: flags.gcpProjectNumber,
    network: flags.vpcNetworkName,
    ...(flags.localityZone === undefined ? {} : { zone: flags.localityZone }),
    nodeUuid: flags.nodeUuid ?? randomUUID(),
    metadata: flags.nodeMetadata ?? {},
    ignoreResourceDeletion: flags.ignoreResourceDeletionExperimental ?? false,
    includeFederation: flags.includeFederationSupportExperimental ?? false,
  });
  emit(outputFileOf(cmd), `${JSON.stringify(bootstrap, null, 2)}\n`, 'gRPC bootstrap');
}

/** `vane bootstrap envoy|grpc`: node-side bootstrap files, written offline. */
export function bootstrapCommand(program: Command): void {
  const bootstrap = program
    .command('bootstrap')
    .description('write the bootstrap of an Envoy sidecar or a proxyless gRPC application (offline)');
  shareOutputOption(program, bootstrap);
  const outputHelp = 'file to write (atomically); default or -: stdout';

  bootstrap
    .command('envoy')
    .description(
      "Envoy v3 bootstrap for a sidecar, from Traffic Director's sidecar.env and/or flags (flags win); validated against Envoy's own rules",
    )
    .option('--sidecar-env <file>', "Traffic Director's sidecar.env to read settings from")
    .option('--xds-server-uri <host:port>', "Vane's xDS address (VANE_XDS_ADDRESS)", xdsUri)
    .option('--gcp-project-number <n>', 'project number (GCP_PROJECT_NUMBER)', as('gcpProjectNumber'))
    .option(
      '--vpc-network-name <net>',
      'VPC network (VPC_NETWORK_NAME; default: default)',
      as('vpcNetworkName'),
    )
    .option('--zone <zone>', "the proxy's zone, e.g. us-central1-a (ZONE)", as('zone'))
    .option('--node-uuid <uuid>', 'last part of the node id (default: a random UUID)', nodeUuid)
    .option('--envoy-port <port>', 'outbound interception port (ENVOY_PORT; default 15001)', as('envoyPort'))
    .option(
      '--admin-port <port>',
      'admin port on 127.0.0.1 (ENVOY_ADMIN_PORT; default 15000)',
      as('envoyAdminPort'),
    )
    .option(
      '--inbound-port <port>',
      'inbound interception port (INBOUND_INTERCEPTION_PORT; default 15006 when there are serving ports)',
      as('inboundInterceptionPort'),
    )
    .option(
      '--serving-ports <ports>',
      'ports this VM serves on, e.g. 80,81 (SERVING_PORTS)',
      as('servingPorts'),
    )
    .option('--access-log <path>', "the proxy's access log (ACCESSLOG_PATH)")
    .option('--tracing', 'generate request ids for tracing (TRACING_ENABLED)')
    .option('--no-tracing', 'do not, whatever the sidecar.env says')
    .option('--instance-ip <ip>', "this VM's address (INSTANCE_IP)", as('instanceIp'))
    .option(
      '--label <key=value>',
      'node metadata for metadataFilters (repeatable)',
      keyValue('--label', /^(TRAFFICDIRECTOR_.*|INSTANCE_IP)$/),
    )
    .addOption(
      new Option('--format <format>', 'default: json for a .json --output, else yaml').choices([
        'yaml',
        'json',
      ]),
    )
    .option('--output <file>', outputHelp)
    .action(envoyAction);

  bootstrap
    .command('grpc')
    .description('xDS bootstrap for proxyless gRPC (GRPC_XDS_BOOTSTRAP), with td-grpc-bootstrap’s flags')
    .option('--xds-server-uri <host:port>', "Vane's xDS address", xdsUri)
    .option('--gcp-project-number <n>', 'project number', as('gcpProjectNumber'))
    .option('--vpc-network-name <net>', 'VPC network', as('vpcNetworkName'), 'default')
    .option('--locality-zone <zone>', "the client's zone, e.g. us-central1-a", as('zone'))
    .option(
      '--node-metadata <key=value>',
      'node metadata for metadataFilters (repeatable)',
      keyValue('--node-metadata', /^TRAFFICDIRECTOR_(NETWORK_NAME|GCP_PROJECT_NUMBER)$/),
    )
    .option('--node-uuid <uuid>', 'last part of the node id (default: a random UUID)', nodeUuid)
    .option('--ignore-resource-deletion-experimental', 'server feature ignore_resource_deletion (gRFC A53)')
    .option('--include-federation-support-experimental', 'declare an (empty) authorities map (gRFC A47)')
    .option('--output <file>', outputHelp)
    .action(grpcAction);
}
