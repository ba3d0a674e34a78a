import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  type ConfigDiff,
  diffConfigs,
  parseProxyConfig,
  type ResourceSet,
  readProxyConfig,
  renderDiff,
  type Subscriptions,
} from '../../doctor/diff/index.js';
import { clientOf, outputOf, print, projectOf, seg } from '../context.js';
import { CliError, EXIT_FAILURE, EXIT_USAGE } from '../errors.js';
import { type Row, render, toJson, toYaml } from '../output.js';

interface TypeView {
  typeUrl: string;
  status: string;
  sentVersion: string;
  ackedVersion: string;
  nack?: { message: string };
}
interface ProxyView {
  streamId: string;
  protocol: string;
  connectedAt: string;
  node?: {
    id: string;
    kind: string;
    userAgentName: string;
    userAgentVersion: string;
    locality: { zone: string };
  };
  types: TypeView[];
}
interface Refused {
  time: string;
  nodeId: string;
  codeName: string;
  reason: string;
}

const SHORT: Record<string, string> = {
  'type.googleapis.com/envoy.config.listener.v3.Listener': 'LDS',
  'type.googleapis.com/envoy.config.route.v3.RouteConfiguration': 'RDS',
  'type.googleapis.com/envoy.config.cluster.v3.Cluster': 'CDS',
  'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment': 'EDS',
};

/** `LDS SYNCED, CDS NACKED, …` in xDS order. */
function syncSummary(p: ProxyView): string {
  const order = ['CDS', 'EDS', 'LDS', 'RDS'];
  return p.types
    .map((t) => ({ short: SHORT[t.typeUrl] ?? t.typeUrl, status: t.status }))
    .sort((a, b) => order.indexOf(a.short) - order.indexOf(b.short))
    .map((t) => `${t.short} ${t.status}`)
    .join(', ');
}

const columns = [
  { header: 'STREAM', value: (r: Row) => r.streamId },
  { header: 'NODE', value: (r: Row) => (r as unknown as ProxyView).node?.id },
  { header: 'KIND', value: (r: Row) => (r as unknown as ProxyView).node?.kind },
  { header: 'ZONE', value: (r: Row) => (r as unknown as ProxyView).node?.locality.zone },
  { header: 'PROTOCOL', value: (r: Row) => r.protocol },
  { header: 'SYNC', value: (r: Row) => syncSummary(r as unknown as ProxyView) },
  {
    header: 'LAST NACK',
    value: (r: Row) => (r as unknown as ProxyView).types.find((t) => t.nack)?.nack?.message,
  },
];

/** `vane proxies` and `vane proxy-config`: what Vane knows about connected proxies. */
export function proxiesCommands(program: Command): void {
  program
    .command('proxies')
    .description(
      'connected proxies with per-type sync status (SYNCED / STALE / NACKED / NOT_SENT) and refused streams',
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const project = projectOf(cmd);
      const body = await clientOf(cmd).request<{ proxies: ProxyView[]; refused: Refused[] }>(
        'GET',
        `/v1/projects/${seg(project)}/proxies`,
      );
      const format = outputOf(cmd);
      if (format !== 'table') {
        print(render(format, body, [], []));
        return;
      }
      if (body.proxies.length === 0) process.stderr.write(`no proxies connected to project '${project}'\n`);
      else print(render('table', body.proxies, body.proxies as unknown as Row[], columns));
      for (const r of body.refused) {
        process.stderr.write(`refused ${r.time} ${r.nodeId}: ${r.codeName}: ${r.reason}\n`);
      }
    });

  program
    .command('proxy-config')
    .description("what Vane would send a connected proxy now, as Envoy's /config_dump JSON")
    .argument('<proxy>', 'stream id or node id (see `vane proxies`)')
    .option(
      '--diff <file>',
      'compare with what the proxy holds: its /config_dump or a CSDS ClientStatusResponse (JSON; - for stdin); exit 1 when they differ',
    )
    .action(async (proxy: string, opts: { diff?: string }, cmd: Command) => {
      const project = projectOf(cmd);
      const body = await clientOf(cmd).request<Record<string, unknown>>(
        'GET',
        `/v1/projects/${seg(project)}/proxies/${seg(proxy)}/config`,
      );
      if (opts.diff !== undefined) {
        const diff = diffWithFile(body, opts.diff);
        const format = outputOf(cmd, 'table');
        print(format === 'json' ? toJson(diff) : format === 'yaml' ? toYaml(diff) : renderDiff(diff));
        if (!diff.equal) process.exitCode = EXIT_FAILURE;
        return;
      }
      const format = outputOf(cmd, 'json');
      print(format === 'yaml' ? toYaml(body) : toJson(body));
    });
}

/** Vane's answer (a vane#proxyConfig) against the proxy's dump in `file`. */
function diffWithFile(vane: Record<string, unknown>, file: string): ConfigDiff {
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    throw new CliError(`proxy-config: cannot read ${file}: ${(e as Error).message}`, EXIT_USAGE);
  }
  const node = (vane.node as { id?: string } | undefined)?.id;
  let proxy: ResourceSet;
  try {
    proxy = parseProxyConfig(text, node === undefined ? {} : { nodeId: node });
  } catch (e) {
    throw new CliError(`proxy-config: ${file}: ${(e as Error).message}`, EXIT_USAGE);
  }
  return diffConfigs(readProxyConfig(vane), proxy, vane.subscriptions as Subscriptions | undefined);
}
