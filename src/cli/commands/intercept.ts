import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError, Option } from 'commander';
import {
  applyInterception,
  cleanInterception,
  InterceptionError,
  type InterceptionReport,
  type InterceptionSpec,
  type IptablesOptions,
  renderRules,
  showInterception,
} from '../../intercept/index.js';
import { parsePort } from '../args.js';
import { outputOf, print } from '../context.js';
import { CliError, EXIT_FAILURE, EXIT_USAGE } from '../errors.js';

interface ApplyOptions {
  style: 'agent' | 'manual';
  proxyPort?: number;
  proxyUid?: number;
  proxyUser?: string;
  serviceCidr: string[];
  interceptAll?: boolean;
  excludeOutboundIpRanges: string[];
  excludeOutboundPortRanges: string[];
  inboundPort?: number;
  servingPorts: number[];
  ipv6: 'auto' | 'on' | 'off';
  dryRun?: boolean;
  verbose?: boolean;
}

/** Repeatable and comma-separated: `-i a -i b,c`. */
function collect(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  ];
}

function collectPorts(value: string, previous: number[] = []): number[] {
  return [...previous, ...collect(value).map(parsePort)];
}

function parseUid(value: string): number {
  if (!/^[0-9]+$/.test(value))
    throw new InvalidArgumentError('must be a numeric user id (or use --proxy-user NAME)');
  return Number(value);
}

/** The UID of a user named in /etc/passwd. */
export function uidOfUser(name: string, passwd = '/etc/passwd'): number {
  let text: string;
  try {
    text = readFileSync(passwd, 'utf8');
  } catch (err) {
    throw new CliError(
      `cannot read ${passwd} to look up user '${name}': ${(err as Error).message}`,
      EXIT_FAILURE,
    );
  }
  for (const line of text.split('\n')) {
    const [user, , uid] = line.split(':');
    if (user === name && uid !== undefined && /^[0-9]+$/.test(uid)) return Number(uid);
  }
  throw new CliError(
    `--proxy-user: no user '${name}' in ${passwd}\nfix: create the proxy's user first (e.g. \`useradd --system envoy\`) or give its numeric id with --proxy-uid`,
    EXIT_USAGE,
  );
}

function cliError(err: unknown): unknown {
  if (!(err instanceof InterceptionError)) return err;
  return new CliError(
    `${err.code}: ${err.message}\nfix: ${err.fix}`,
    err.code === 'INVALID_SPEC' ? EXIT_USAGE : EXIT_FAILURE,
  );
}

function iptablesOptions(ipv6: IptablesOptions['ipv6'], verbose: boolean): IptablesOptions {
  return { ipv6, ...(verbose ? { log: (line: string) => process.stderr.write(`${line}\n`) } : {}) };
}

function printRules(
  cmd: Command,
  rules: { ipv4: string[]; ipv6: string[] | null; warnings?: string[] },
  note: string,
): void {
  for (const w of rules.warnings ?? []) process.stderr.write(`warning: ${w}\n`);
  if (outputOf(cmd, 'table') === 'json') {
    print(JSON.stringify(rules, null, 2));
    return;
  }
  const out = ['# ipv4 (iptables -t nat)', ...rules.ipv4];
  out.push(
    ...(rules.ipv6 === null ? ['# ipv6: not programmed'] : ['# ipv6 (ip6tables -t nat)', ...rules.ipv6]),
  );
  out.push(`# ${note}`);
  print(out.join('\n'));
}

function specOf(opts: ApplyOptions): InterceptionSpec {
  if (opts.proxyPort === undefined)
    throw new CliError('intercept apply: --proxy-port (-p) is required, e.g. --proxy-port 15001', EXIT_USAGE);
  if (opts.proxyUid !== undefined && opts.proxyUser !== undefined)
    throw new CliError('intercept apply: give --proxy-uid (-u) or --proxy-user, not both', EXIT_USAGE);
  const proxyUid = opts.proxyUser !== undefined ? uidOfUser(opts.proxyUser) : opts.proxyUid;
  if (proxyUid === undefined)
    throw new CliError(
      "intercept apply: --proxy-uid (-u) or --proxy-user is required: the proxy's own traffic must not be redirected back to it",
      EXIT_USAGE,
    );
  return {
    style: opts.style,
    proxyPort: opts.proxyPort,
    proxyUid,
    serviceCidrs: opts.serviceCidr,
    interceptAll: opts.interceptAll === true,
    excludeOutboundIpRanges: opts.excludeOutboundIpRanges,
    excludeOutboundPortRanges: opts.excludeOutboundPortRanges,
    ...(opts.inboundPort === undefined ? {} : { inboundPort: opts.inboundPort }),
    servingPorts: opts.servingPorts,
  };
}

const ipv6Option = () =>
  new Option('--ipv6 <mode>', 'ip6tables: auto (when it works), on (required) or off')
    .choices(['auto', 'on', 'off'])
    .default('auto');

/** `vane intercept apply|show|clean`: iptables interception for a sidecar proxy. Works offline. */
export function interceptCommand(program: Command): void {
  const intercept = program
    .command('intercept')
    .description(
      "redirect a node's traffic to its sidecar proxy with iptables (agent style, or Traffic Director's manual iptables.sh style)",
    );

  intercept
    .command('apply')
    .description(
      "program interception rules (idempotent). Manual style takes the script's flags: --style manual -i CIDR -p PORT -u UID",
    )
    .addOption(
      new Option(
        '--style <style>',
        'agent (SERVICE_PROXY_* chains) or manual (ISTIO_* chains, as iptables.sh)',
      )
        .choices(['agent', 'manual'])
        .default('agent'),
    )
    .option('-p, --proxy-port <port>', "the proxy's outbound interception port, e.g. 15001", parsePort)
    .option('-u, --proxy-uid <uid>', "the proxy's user id: its traffic is never redirected", parseUid)
    .option('--proxy-user <name>', "the proxy's user name, looked up in /etc/passwd")
    .option(
      '-i, --service-cidr <cidr>',
      'service VIP or CIDR to intercept, IPv4 or IPv6 (repeatable, or a,b)',
      collect,
      [],
    )
    .option('--intercept-all', 'agent style: redirect all outbound TCP except the exclusions')
    .option(
      '--exclude-outbound-ip-ranges <cidrs>',
      'with --intercept-all: CIDRs that go direct (a,b)',
      collect,
      [],
    )
    .option(
      '--exclude-outbound-port-ranges <ports>',
      'with --intercept-all: destination ports that go direct (8080,8000-8100)',
      collect,
      [],
    )
    .option('--inbound-port <port>', 'where inbound serving-port traffic goes', parsePort)
    .option(
      '--serving-ports <ports>',
      'inbound ports to redirect to --inbound-port (80,81)',
      collectPorts,
      [],
    )
    .addOption(ipv6Option())
    .option('--dry-run', 'print the rules and change nothing')
    .option('--verbose', 'log every iptables action to stderr')
    .action(async (opts: ApplyOptions, cmd: Command) => {
      try {
        const spec = specOf(opts);
        if (opts.dryRun) {
          const rules = renderRules(spec);
          const v6 = opts.ipv6 === 'off' ? null : rules.ipv6;
          printRules(cmd, { ipv4: rules.ipv4, ipv6: v6 }, 'dry run: nothing was changed');
          return;
        }
        const report: InterceptionReport = await applyInterception(
          spec,
          iptablesOptions(opts.ipv6, opts.verbose === true),
        );
        printRules(cmd, report, `applied ${spec.style}-style interception`);
      } catch (err) {
        throw cliError(err);
      }
    });

  intercept
    .command('show')
    .description('print the interception rules Vane owns (iptables -S form), IPv4 and IPv6')
    .addOption(ipv6Option())
    .action(async (opts: { ipv6: IptablesOptions['ipv6'] }, cmd: Command) => {
      try {
        const rules = await showInterception({ ipv6: opts.ipv6 });
        if (outputOf(cmd, 'table') === 'json') {
          print(JSON.stringify(rules, null, 2));
          return;
        }
        const empty = rules.ipv4.length === 0 && (rules.ipv6 ?? []).length === 0;
        printRules(cmd, rules, empty ? 'no interception rules' : 'rules owned by Vane');
      } catch (err) {
        throw cliError(err);
      }
    });

  intercept
    .command('clean')
    .description('remove every chain and jump Vane owns (both styles); other rules are left alone')
    .addOption(ipv6Option())
    .option('--verbose', 'log every iptables action to stderr')
    .action(async (opts: { ipv6: IptablesOptions['ipv6']; verbose?: boolean }, cmd: Command) => {
      try {
        const report = await cleanInterception(iptablesOptions(opts.ipv6, opts.verbose === true));
        const removed = report.ipv4.length + (report.ipv6 ?? []).length;
        printRules(cmd, report, removed === 0 ? 'nothing to remove' : 'removed');
      } catch (err) {
        throw cliError(err);
      }
    });
}
