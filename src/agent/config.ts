// The agent's configuration. Its proxy settings mirror Traffic Director's `gce-service-proxy`
// instance metadata (and the `--service-proxy=enabled,serving-ports=80;81,...` flag that
// produces it); the rest says where Vane is and who this instance is.
import { isIP } from 'node:net';
import { parse as parseYaml } from 'yaml';

export interface AgentConfig {
  /** Vane's REST API, e.g. `http://vane.internal:8080`. */
  apiUrl: string;
  /** Vane's xDS server `host:port` written into the proxy's bootstrap. */
  xdsServerUri: string;
  project: string;
  zone: string;
  instance: string;
  /** A token with role `proxy` (or higher) for the project. */
  token: string;
  /** The instance's address (registration, INSTANCE_IP). */
  instanceIp: string;
  mode: 'envoy' | 'proxyless';
  network: string;
  servingPorts: number[];
  proxyPort: number;
  inboundPort: number;
  adminPort: number;
  tracing: boolean;
  accessLog?: string;
  interceptAllOutbound: boolean;
  excludeOutboundIpRanges: string[];
  excludeOutboundPortRanges: string[];
  labels: Record<string, string>;
  /** User name or numeric UID the proxy runs as; its traffic is never intercepted. */
  proxyUser: string;
  /** Path or name (looked up on PATH) of the Envoy binary. */
  envoyBinary: string;
  logDir: string;
  logLevel: string;
  bootstrapPath: string;
  grpcBootstrapPath: string;
  stateDir: string;
  consoleLog: string;
  heartbeatIntervalSec: number;
  bootstrapRetrySec: number;
  ipv6: 'auto' | 'on' | 'off';
}

export class AgentConfigError extends Error {
  override readonly name = 'AgentConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid agent configuration:\n  ${problems.join('\n  ')}`);
  }
}

/** Raw settings by their kebab-case names, from a file, `--service-proxy` and flags (later wins). */
export type RawSettings = Record<string, unknown>;

export const DEFAULTS = {
  mode: 'envoy',
  network: 'default',
  'serving-ports': [],
  'proxy-port': 15001,
  'inbound-port': 15006,
  'admin-port': 15000,
  tracing: 'OFF',
  'intercept-all-outbound-traffic': false,
  'exclude-outbound-ip-ranges': [],
  'exclude-outbound-port-ranges': [],
  labels: {},
  'proxy-user': 'envoy',
  'envoy-binary': 'envoy',
  'log-dir': '/var/log/envoy',
  'log-level': 'info',
  'state-dir': '/var/lib/vane-agent',
  'heartbeat-interval-sec': 15,
  'bootstrap-retry-sec': 30,
  ipv6: 'auto',
} as const;

/**
 * Reads a YAML or JSON settings file. Both a flat map of the keys below and Traffic
 * Director's `gce-service-proxy` document (`{"proxy-spec": {...}, "service": {"serving-ports":
 * [...]}, "labels": {...}}`) are accepted.
 */
export function parseSettingsFile(text: string, file: string): RawSettings {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new AgentConfigError([`${file}: not YAML or JSON: ${(err as Error).message}`]);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw new AgentConfigError([`${file}: must be a map of settings`]);
  const {
    'proxy-spec': proxySpec,
    service,
    'api-version': _version,
    ...rest
  } = doc as Record<string, unknown>;
  const flat: RawSettings = { ...rest };
  if (proxySpec !== undefined) Object.assign(flat, asMap(proxySpec, `${file}: proxy-spec`));
  if (service !== undefined) Object.assign(flat, asMap(service, `${file}: service`));
  return flat;
}

function asMap(v: unknown, where: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new AgentConfigError([`${where} must be a map`]);
  return v as Record<string, unknown>;
}

/**
 * Parses Traffic Director's `--service-proxy` value:
 * `enabled,serving-ports=80;81,proxy-port=15001,tracing=ON,access-log=PATH,network=NET,
 * intercept-all-outbound-traffic,exclude-outbound-ip-ranges=A;B,exclude-outbound-port-ranges=P;Q`.
 * Lists use `;` because `,` separates settings.
 */
export function parseServiceProxyFlag(value: string): RawSettings {
  const out: RawSettings = {};
  for (const part of value.split(',')) {
    const item = part.trim();
    if (item === '' || item === 'enabled') continue;
    if (item === 'disabled')
      throw new AgentConfigError(['--service-proxy: disabled; nothing for the agent to do']);
    const eq = item.indexOf('=');
    const key = eq < 0 ? item : item.slice(0, eq);
    const val = eq < 0 ? true : item.slice(eq + 1);
    out[key] = typeof val === 'string' && LIST_KEYS.has(key) ? val.split(';').filter((s) => s !== '') : val;
  }
  return out;
}

const LIST_KEYS = new Set(['serving-ports', 'exclude-outbound-ip-ranges', 'exclude-outbound-port-ranges']);

const KNOWN = new Set([
  'api-url',
  'xds-server-uri',
  'project',
  'zone',
  'instance',
  'token',
  'token-file',
  'instance-ip',
  'mode',
  'proxyless',
  'network',
  'serving-ports',
  'proxy-port',
  'inbound-port',
  'admin-port',
  'tracing',
  'access-log',
  'intercept-all-outbound-traffic',
  'exclude-outbound-ip-ranges',
  'exclude-outbound-port-ranges',
  'labels',
  'proxy-user',
  'envoy-binary',
  'log-dir',
  'log-level',
  'bootstrap-path',
  'grpc-bootstrap-path',
  'state-dir',
  'console-log',
  'heartbeat-interval-sec',
  'bootstrap-retry-sec',
  'ipv6',
]);

/**
 * Validates merged settings into a config. `readToken` reads `token-file`. Every problem is
 * reported at once, each naming its setting.
 */
export function resolveConfig(raw: RawSettings, readToken: (file: string) => string): AgentConfig {
  const s: RawSettings = { ...DEFAULTS, ...raw };
  const problems: string[] = [];
  for (const key of Object.keys(raw)) if (!KNOWN.has(key)) problems.push(`${key}: unknown setting`);

  const str = (key: string, required = true): string => {
    const v = s[key];
    if (v === undefined || v === '') {
      if (required) problems.push(`${key}: required`);
      return '';
    }
    if (typeof v !== 'string' && typeof v !== 'number') {
      problems.push(`${key}: must be a string`);
      return '';
    }
    return String(v);
  };
  const port = (key: string): number => {
    const n = Number(s[key]);
    if (!Number.isInteger(n) || n < 1 || n > 65535) {
      problems.push(`${key}: must be a port number 1-65535, got ${JSON.stringify(s[key])}`);
      return 0;
    }
    return n;
  };
  const list = (key: string): string[] => {
    const v = s[key];
    if (typeof v === 'string') return v.split(/[;,]/).filter((x) => x !== '');
    if (typeof v === 'number') return [String(v)];
    if (Array.isArray(v)) return v.map(String);
    problems.push(`${key}: must be a list`);
    return [];
  };
  const bool = (key: string): boolean => {
    const v = s[key];
    if (typeof v === 'boolean') return v;
    if (typeof v === 'string' && /^(true|on|yes|1)$/i.test(v)) return true;
    if (typeof v === 'string' && /^(false|off|no|0)$/i.test(v)) return false;
    problems.push(`${key}: must be true/false (or ON/OFF), got ${JSON.stringify(v)}`);
    return false;
  };
  const seconds = (key: string, max: number): number => {
    const n = Number(s[key]);
    if (!Number.isFinite(n) || n <= 0 || n > max) {
      problems.push(`${key}: must be a number of seconds in (0, ${max}]`);
      return 1;
    }
    return n;
  };

  const mode = s.proxyless === true ? 'proxyless' : str('mode');
  if (mode !== 'envoy' && mode !== 'proxyless')
    problems.push(`mode: must be envoy or proxyless, got '${mode}'`);

  let token = str('token', false);
  const tokenFile = str('token-file', false);
  if (token === '' && tokenFile !== '') {
    try {
      token = readToken(tokenFile).trim();
    } catch (err) {
      problems.push(`token-file: cannot read ${tokenFile}: ${(err as Error).message}`);
    }
  }
  if (token === '' && tokenFile === '')
    problems.push('token: required (or token-file): a token with role proxy for the project');

  const apiUrl = str('api-url').replace(/\/+$/, '');
  if (apiUrl !== '' && !/^https?:\/\/[^/]+/.test(apiUrl))
    problems.push(`api-url: must be an http(s) URL, got '${apiUrl}'`);
  const xdsServerUri = str('xds-server-uri');
  if (xdsServerUri !== '' && !/^(\[[0-9a-fA-F:.]+\]|[^:/\s]+):\d{1,5}$/.test(xdsServerUri))
    problems.push(`xds-server-uri: must be host:port, got '${xdsServerUri}'`);

  const instanceIp = str('instance-ip');
  if (instanceIp !== '' && isIP(instanceIp) === 0)
    problems.push(`instance-ip: '${instanceIp}' is not an IP address`);

  const servingPorts = list('serving-ports').map((p, i) => {
    const n = Number(p);
    if (!Number.isInteger(n) || n < 1 || n > 65535)
      problems.push(`serving-ports[${i}]: '${p}' is not a port number`);
    return n;
  });

  const labelsRaw = s.labels;
  const labels: Record<string, string> = {};
  if (labelsRaw !== null && typeof labelsRaw === 'object' && !Array.isArray(labelsRaw)) {
    for (const [k, v] of Object.entries(labelsRaw)) labels[k] = String(v);
  } else if (typeof labelsRaw === 'string') {
    for (const pair of labelsRaw.split(/[;,]/).filter((x) => x !== '')) {
      const eq = pair.indexOf('=');
      if (eq <= 0) problems.push(`labels: '${pair}' is not KEY=VALUE`);
      else labels[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  } else problems.push('labels: must be a map of strings');

  const tracingRaw = s.tracing;
  const tracing =
    typeof tracingRaw === 'string' && /^(ON|OFF)$/i.test(tracingRaw)
      ? /^ON$/i.test(tracingRaw)
      : bool('tracing');

  const ipv6 = str('ipv6');
  if (ipv6 !== 'auto' && ipv6 !== 'on' && ipv6 !== 'off')
    problems.push(`ipv6: must be auto, on or off, got '${ipv6}'`);

  const stateDir = str('state-dir');
  const config: AgentConfig = {
    apiUrl,
    xdsServerUri,
    project: str('project'),
    zone: str('zone'),
    instance: str('instance'),
    token,
    instanceIp,
    mode: mode as AgentConfig['mode'],
    network: str('network'),
    servingPorts,
    proxyPort: port('proxy-port'),
    inboundPort: port('inbound-port'),
    adminPort: port('admin-port'),
    tracing,
    ...(str('access-log', false) === '' ? {} : { accessLog: str('access-log', false) }),
    interceptAllOutbound: bool('intercept-all-outbound-traffic'),
    excludeOutboundIpRanges: list('exclude-outbound-ip-ranges'),
    excludeOutboundPortRanges: list('exclude-outbound-port-ranges'),
    labels,
    proxyUser: str('proxy-user'),
    envoyBinary: str('envoy-binary'),
    logDir: str('log-dir'),
    logLevel: str('log-level'),
    bootstrapPath: str('bootstrap-path', false) || `${stateDir}/envoy-bootstrap.yaml`,
    grpcBootstrapPath: str('grpc-bootstrap-path', false) || `${stateDir}/grpc-bootstrap.json`,
    stateDir,
    consoleLog: str('console-log', false) || `${stateDir}/console.log`,
    heartbeatIntervalSec: seconds('heartbeat-interval-sec', 30),
    bootstrapRetrySec: seconds('bootstrap-retry-sec', 3600),
    ipv6: ipv6 as AgentConfig['ipv6'],
  };
  if (new Set([config.proxyPort, config.inboundPort, config.adminPort]).size < 3)
    problems.push('proxy-port, inbound-port and admin-port must differ');
  for (const p of servingPorts)
    if ([config.proxyPort, config.inboundPort, config.adminPort].includes(p))
      problems.push(`serving-ports: ${p} is also one of the proxy's own ports`);
  if (problems.length > 0) throw new AgentConfigError(problems);
  return config;
}

/** The `gce-service-proxy` document as Traffic Director stores it in instance metadata. */
export function serviceProxyDocument(c: AgentConfig): Record<string, unknown> {
  return {
    'api-version': '0.2',
    'proxy-spec': {
      'proxy-port': c.proxyPort,
      tracing: c.tracing ? 'ON' : 'OFF',
      ...(c.accessLog === undefined ? {} : { 'access-log': c.accessLog }),
      network: c.network,
      'intercept-all-outbound-traffic': c.interceptAllOutbound,
      'exclude-outbound-ip-ranges': c.excludeOutboundIpRanges,
      'exclude-outbound-port-ranges': c.excludeOutboundPortRanges,
      ...(c.mode === 'proxyless' ? { proxyless: true } : {}),
    },
    service: { 'serving-ports': c.servingPorts },
    labels: c.labels,
  };
}
