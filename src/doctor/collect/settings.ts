// What the node's own configuration says: the agent's settings file and Traffic Director's
// sidecar.env. Read tolerantly: a doctor must work on the node whose settings are broken.
import { readFileSync } from 'node:fs';
import { DEFAULTS, parseSettingsFile, resolveConfig } from '../../agent/config.js';
import { parseSidecarEnv } from '../../bootstrap/sidecar-env.js';
import { firstExisting } from './files.js';
import { errorText, type Unavailable } from './options.js';

export interface NodeSettings {
  /** The files read. */
  sources: string[];
  apiUrl?: string;
  token?: string;
  project?: string;
  zone?: string;
  instance?: string;
  network?: string;
  labels: Record<string, string>;
  proxyUser?: string;
  logDir?: string;
  stateDir?: string;
  consoleLog?: string;
  adminPort?: number;
  bootstrapPath?: string;
  grpcBootstrapPath?: string;
  proxyless?: boolean;
}

export const AGENT_CONFIG_CANDIDATES = [
  '/etc/vane/agent.yaml',
  '/etc/vane/agent.yml',
  '/etc/vane/agent.json',
];
export const SIDECAR_ENV_CANDIDATES = ['/etc/envoy/sidecar.env', '/etc/traffic-director/sidecar.env'];

const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined;

function fromAgent(file: string, out: NodeSettings, unavailable: Unavailable[]): void {
  const raw = parseSettingsFile(readFileSync(file, 'utf8'), file);
  const readToken = (f: string) => readFileSync(f, 'utf8');
  out.sources.push(file);
  try {
    const c = resolveConfig(raw, readToken);
    Object.assign(out, {
      apiUrl: c.apiUrl,
      token: c.token,
      project: c.project,
      zone: c.zone,
      instance: c.instance,
      network: c.network,
      labels: c.labels,
      proxyUser: c.proxyUser,
      logDir: c.logDir,
      stateDir: c.stateDir,
      consoleLog: c.consoleLog,
      adminPort: c.adminPort,
      bootstrapPath: c.bootstrapPath,
      grpcBootstrapPath: c.grpcBootstrapPath,
      proxyless: c.mode === 'proxyless',
    });
    return;
  } catch (err) {
    unavailable.push({
      input: `agent settings ${file}`,
      why: `partly invalid, read as far as possible: ${errorText(err)}`,
    });
  }
  // The settings that are there, with the agent's defaults for the rest.
  const s: Record<string, unknown> = { ...DEFAULTS, ...raw };
  let token = str(s.token);
  if (token === undefined && str(s['token-file']) !== undefined) {
    try {
      token = readToken(str(s['token-file'])!).trim();
    } catch {
      // reported by resolveConfig above
    }
  }
  const stateDir = str(s['state-dir']);
  Object.assign(out, {
    apiUrl: str(s['api-url'])?.replace(/\/+$/, ''),
    token,
    project: str(s.project),
    zone: str(s.zone),
    instance: str(s.instance),
    network: str(s.network),
    proxyUser: str(s['proxy-user']),
    logDir: str(s['log-dir']),
    stateDir,
    consoleLog: str(s['console-log']) ?? (stateDir && `${stateDir}/console.log`),
    adminPort: Number(s['admin-port']) || undefined,
    bootstrapPath: str(s['bootstrap-path']) ?? (stateDir && `${stateDir}/envoy-bootstrap.yaml`),
    grpcBootstrapPath: str(s['grpc-bootstrap-path']) ?? (stateDir && `${stateDir}/grpc-bootstrap.json`),
    proxyless: s.proxyless === true || s.mode === 'proxyless',
  });
}

function fromSidecarEnv(file: string, out: NodeSettings): void {
  const { env } = parseSidecarEnv(readFileSync(file, 'utf8'), file);
  out.sources.push(file);
  // The agent's settings win: they are what programs this node when both exist.
  out.logDir ??= env.logDir;
  out.proxyUser ??= env.envoyUser;
  out.network ??= env.vpcNetworkName;
  out.zone ??= env.zone;
}

/** Reads the agent settings and sidecar.env named, else those in the standard places. */
export function loadSettings(
  agentConfig: string | undefined,
  sidecarEnv: string | undefined,
  unavailable: Unavailable[],
): NodeSettings {
  const out: NodeSettings = { sources: [], labels: {} };
  const agentFile = agentConfig ?? firstExisting(AGENT_CONFIG_CANDIDATES);
  if (agentFile !== undefined) {
    try {
      fromAgent(agentFile, out, unavailable);
    } catch (err) {
      unavailable.push({ input: `agent settings ${agentFile}`, why: errorText(err) });
    }
  }
  const envFile = sidecarEnv ?? firstExisting(SIDECAR_ENV_CANDIDATES);
  if (envFile !== undefined) {
    try {
      fromSidecarEnv(envFile, out);
    } catch (err) {
      unavailable.push({ input: `sidecar.env ${envFile}`, why: errorText(err) });
    }
  }
  for (const k of Object.keys(out) as (keyof NodeSettings)[]) if (out[k] === undefined) delete out[k];
  return out;
}
