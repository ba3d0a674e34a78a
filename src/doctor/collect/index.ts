// Builds a node's evidence from the live machine, or from the files named on the command
// line instead. Inputs that cannot be had are listed in `unavailable` with why, so that a
// silent check is never mistaken for a healthy node.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { JsonValue } from '@bufbuild/protobuf';
import { resolveProxyUser } from '../../agent/proxy-user.js';
import type { FileText, NodeEvidence } from '../evidence.js';
import { readAdmin } from './admin.js';
import { type BootstrapFacts, bootstrapCandidates, bootstrapFacts, findBootstrap } from './bootstrap.js';
import { readControlPlane } from './control-plane.js';
import { fetchCsds } from './csds.js';
import { statInfo } from './files.js';
import { guestAttributesFile } from './guest-attributes.js';
import { ip6tablesSave, iptablesSave } from './iptables.js';
import { collectLogs, standardLogs } from './logs.js';
import { type CollectOptions, errorText, type Unavailable } from './options.js';
import { findEnvoyProcesses } from './processes.js';
import { loadSettings, type NodeSettings } from './settings.js';
import { probeXds } from './xds-probe.js';

export type { CollectOptions } from './options.js';

/** A file the operator named must be readable: otherwise the run is a usage error. */
export class NamedFileError extends Error {}

function named(path: string, flag: string): FileText {
  try {
    return { source: path, text: readFileSync(path, 'utf8') };
  } catch (err) {
    throw new NamedFileError(`${flag} ${path}: ${errorText(err)}`);
  }
}

function accessLogOf(path: string): NonNullable<NodeEvidence['accessLog']> {
  const out: NonNullable<NodeEvidence['accessLog']> = { path };
  const dir = path.slice(0, Math.max(path.lastIndexOf('/'), 1));
  try {
    out.dirStat = statInfo(dir);
  } catch (err) {
    out.error = errorText(err);
  }
  try {
    out.stat = statInfo(path);
  } catch (err) {
    // A missing file is normal (Envoy creates it) when the directory lets the proxy user do so.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') out.error ??= errorText(err);
  }
  return out;
}

function proxyUserOf(settings: NodeSettings, e: NodeEvidence, unavailable: Unavailable[]) {
  if (settings.proxyUser !== undefined) {
    try {
      return resolveProxyUser(settings.proxyUser);
    } catch (err) {
      unavailable.push({ input: 'proxy user', why: errorText(err) });
      return undefined;
    }
  }
  const uid = e.processes?.[0]?.uid;
  return uid === undefined ? undefined : resolveProxyUser(String(uid));
}

async function envoySide(
  o: CollectOptions,
  s: NodeSettings,
  facts: BootstrapFacts | undefined,
  e: NodeEvidence,
  u: Unavailable[],
) {
  e.processes = findEnvoyProcesses(join(s.stateDir ?? '/var/lib/vane-agent', 'envoy.pid'));
  if (o.serverInfo !== undefined) e.serverInfo = named(o.serverInfo, '--server-info');
  if (o.configDump !== undefined) e.configDump = named(o.configDump, '--config-dump');
  if (e.serverInfo === undefined || e.configDump === undefined) {
    const address = o.admin ?? `127.0.0.1:${s.adminPort ?? facts?.adminPort ?? 15000}`;
    const admin = await readAdmin(address, {
      serverInfo: e.serverInfo === undefined,
      configDump: e.configDump === undefined,
    });
    if (admin.serverInfo) e.serverInfo = admin.serverInfo;
    if (admin.configDump) e.configDump = admin.configDump;
    if (admin.error !== undefined) {
      e.adminError = admin.error;
      u.push({ input: 'envoy admin', why: admin.error });
    }
  }
  if (o.iptablesSave !== undefined) e.iptablesSave = named(o.iptablesSave, '--iptables-save');
  else
    await iptablesSave().then(
      (t) => {
        e.iptablesSave = t;
      },
      (err) => u.push({ input: 'iptables-save', why: errorText(err) }),
    );
  e.ip6tablesSave =
    o.ip6tablesSave !== undefined ? named(o.ip6tablesSave, '--ip6tables-save') : await ip6tablesSave();
  if (facts?.accessLogPath !== undefined) e.accessLog = accessLogOf(facts.accessLogPath);
}

async function controlPlaneSide(
  o: CollectOptions,
  s: NodeSettings,
  facts: BootstrapFacts | undefined,
  e: NodeEvidence,
  u: Unavailable[],
) {
  const apiUrl = (o.server ?? s.apiUrl ?? (process.env.VANE_SERVER || undefined))?.replace(/\/+$/, '');
  if (apiUrl === undefined) {
    u.push({ input: 'control plane', why: 'no --server and no api-url in agent settings' });
    if (e.guestAttributes === undefined)
      u.push({ input: 'guest attributes', why: 'no --guest-attributes file and no control plane to ask' });
    return;
  }
  const zone = o.zone ?? s.zone;
  const instance = o.instance ?? s.instance ?? (zone !== undefined ? hostname() : undefined);
  const labels = { ...s.labels };
  if (s.sources.length === 0 && facts !== undefined)
    for (const [k, v] of Object.entries(facts.metadata))
      if (!/^(TRAFFICDIRECTOR_|INSTANCE_IP$)/.test(k)) labels[k] = v;
  const token = o.token ?? s.token ?? (process.env.VANE_TOKEN || undefined);
  const project = o.project ?? s.project ?? (process.env.VANE_PROJECT || undefined);
  const network = facts?.network ?? s.network;
  const nodeId = typeof facts?.node?.id === 'string' ? facts.node.id : undefined;
  const cp = await readControlPlane({
    apiUrl,
    labels,
    ...(token === undefined ? {} : { token }),
    ...(project === undefined ? {} : { project }),
    ...(facts?.projectNumber === undefined ? {} : { projectNumber: facts.projectNumber }),
    ...(network === undefined ? {} : { network }),
    ...(nodeId === undefined ? {} : { nodeId }),
    ...(e.guestAttributes !== undefined || instance === undefined || zone === undefined
      ? {}
      : { instance, zone }),
  });
  e.controlPlane = cp.view;
  if (cp.view.error !== undefined) u.push({ input: 'control plane', why: cp.view.error });
  if (cp.guestAttributes !== undefined) e.guestAttributes = cp.guestAttributes;
  if (cp.guestAttributesError !== undefined)
    u.push({ input: 'guest attributes', why: cp.guestAttributesError });
  else if (e.guestAttributes === undefined && s.sources.length > 0)
    u.push({ input: 'guest attributes', why: 'no instance zone (--zone or zone in the agent settings)' });
}

export async function collectEvidence(o: CollectOptions, now = new Date()): Promise<NodeEvidence> {
  const u: Unavailable[] = [];
  const s = loadSettings(o.agentConfig, o.sidecarEnv, u);
  const preferred = [
    s.proxyless ? s.grpcBootstrapPath : s.bootstrapPath,
    s.proxyless ? s.bootstrapPath : s.grpcBootstrapPath,
  ];
  const candidates = [
    ...preferred.filter((p): p is string => p !== undefined),
    ...bootstrapCandidates(s.stateDir),
  ];
  let bootstrap: FileText | undefined;
  if (o.bootstrap !== undefined) bootstrap = named(o.bootstrap, '--bootstrap');
  else {
    try {
      bootstrap = findBootstrap(undefined, candidates);
    } catch (err) {
      u.push({ input: 'bootstrap', why: errorText(err) });
    }
    if (bootstrap === undefined && !u.some((x) => x.input === 'bootstrap'))
      u.push({
        input: 'bootstrap',
        why: `none given (--bootstrap) and none found in ${[...new Set(candidates)].join(', ')}`,
      });
  }
  let facts: BootstrapFacts | undefined;
  if (bootstrap !== undefined) {
    try {
      facts = bootstrapFacts(bootstrap.text);
    } catch (err) {
      u.push({ input: 'bootstrap', why: `${bootstrap.source} is not YAML or JSON: ${errorText(err)}` });
    }
  }
  const grpcHint =
    facts?.kind === 'grpc' || o.csds !== undefined || o.csdsFile !== undefined || s.proxyless === true;
  const e: NodeEvidence = { collectedAt: now.toISOString(), mode: o.mode ?? (grpcHint ? 'grpc' : 'envoy') };
  if (bootstrap !== undefined) e.bootstrap = bootstrap;
  if (o.guestAttributes !== undefined) {
    try {
      e.guestAttributes = guestAttributesFile(o.guestAttributes);
    } catch (err) {
      throw new NamedFileError(`--guest-attributes ${o.guestAttributes}: ${errorText(err)}`);
    }
  }
  if (e.mode === 'envoy') await envoySide(o, s, facts, e, u);
  else {
    // A proxyless node has no Envoy to ask, but files the operator named are still read.
    if (o.serverInfo !== undefined) e.serverInfo = named(o.serverInfo, '--server-info');
    if (o.configDump !== undefined) e.configDump = named(o.configDump, '--config-dump');
    if (o.iptablesSave !== undefined) e.iptablesSave = named(o.iptablesSave, '--iptables-save');
    if (o.ip6tablesSave !== undefined) e.ip6tablesSave = named(o.ip6tablesSave, '--ip6tables-save');
  }
  const user = proxyUserOf(s, e, u);
  if (user !== undefined) e.proxyUser = user;
  const logs = collectLogs(o.logs, standardLogs(s.logDir, s.consoleLog), u);
  if (logs.length > 0) e.logs = logs;
  // Before the probe: the probe's own stream would otherwise count as the node being connected.
  await controlPlaneSide(o, s, facts, e, u);
  if (!o.noProbe && facts?.xdsAddress !== undefined)
    e.xdsProbe = await probeXds(facts.xdsAddress, facts.node as JsonValue | undefined, facts.kind);
  if (o.csdsFile !== undefined) e.csds = named(o.csdsFile, '--csds-file');
  else if (o.csds !== undefined)
    await fetchCsds(o.csds).then(
      (t) => {
        e.csds = t;
      },
      (err) => u.push({ input: 'csds', why: errorText(err) }),
    );
  if (u.length > 0) e.unavailable = u;
  return e;
}
