// Traffic Director's `sidecar.env` (manual Envoy deployment, td-compat §6): shell-style
// `KEY=value` lines that the deployment's run.sh sources. Parsed without a shell, so a file
// that works with run.sh works here, and mistakes are reported with file and line.
import { isIP } from 'node:net';
import { parseHostPort } from './envoy.js';

export interface SidecarEnv {
  envoyUser?: string;
  excludeEnvoyUserFromIntercept?: boolean;
  vpcNetworkName?: string;
  gcpProjectNumber?: string;
  /** `*` (everything) or CIDRs. */
  serviceCidr?: string[];
  envoyPort?: number;
  envoyAdminPort?: number;
  xdsServerCert?: string;
  tracingEnabled?: boolean;
  accessLogPath?: string;
  logDir?: string;
  logLevel?: string;
  // Vane's additions: what Traffic Director learns from the metadata server or its own address.
  /** VANE_XDS_ADDRESS: `host:port` of Vane's xDS server. */
  xdsServerUri?: string;
  /** ZONE */
  zone?: string;
  /** SERVING_PORTS: ports this VM serves on (TRAFFICDIRECTOR_INBOUND_BACKEND_PORTS). */
  servingPorts?: number[];
  /** INBOUND_INTERCEPTION_PORT */
  inboundInterceptionPort?: number;
  /** INSTANCE_IP */
  instanceIp?: string;
}

export interface SidecarEnvResult {
  env: SidecarEnv;
  /** Each `FILE:LINE: VAR=value` that sets the value (for messages naming where a value came from). */
  sources: Partial<Record<keyof SidecarEnv, string>>;
  /** Unknown variables and other things worth saying that do not stop the file being used. */
  warnings: string[];
}

/** Every problem of a file, one per line, each `FILE:LINE: …`. */
export class SidecarEnvError extends Error {
  override readonly name = 'SidecarEnvError';
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
  }
}

type Converter = (value: string) => unknown;

const ENVOY_LOG_LEVELS = ['trace', 'debug', 'info', 'warning', 'warn', 'error', 'critical', 'off'];

const port: Converter = (v) => {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1 || n > 65535) throw new Error(`must be a port number (1-65535), got '${v}'`);
  return n;
};
const bool: Converter = (v) => {
  if (/^true$/i.test(v)) return true;
  if (/^false$/i.test(v)) return false;
  throw new Error(`must be true or false, got '${v}'`);
};
const text: Converter = (v) => v;
const ports: Converter = (v) => {
  const list = v.split(/[\s,;]+/).filter((p) => p !== '');
  return [...new Set(list.map((p) => port(p) as number))].sort((a, b) => a - b);
};

/** variable → [field, converter] */
const VARIABLES: Record<string, [keyof SidecarEnv, Converter]> = {
  ENVOY_USER: ['envoyUser', text],
  EXCLUDE_ENVOY_USER_FROM_INTERCEPT: ['excludeEnvoyUserFromIntercept', bool],
  VPC_NETWORK_NAME: [
    'vpcNetworkName',
    (v) => {
      if (!/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/.test(v))
        throw new Error(
          `must be a network name (lowercase letters, digits and '-', starting with a letter), got '${v}'`,
        );
      return v;
    },
  ],
  GCP_PROJECT_NUMBER: [
    'gcpProjectNumber',
    (v) => {
      if (!/^\d+$/.test(v)) throw new Error(`must be a project number (digits), got '${v}'`);
      return v;
    },
  ],
  SERVICE_CIDR: [
    'serviceCidr',
    (v) => {
      const list = v.split(/[\s,]+/).filter((c) => c !== '');
      if (list.length === 1 && list[0] === '*') return ['*'];
      for (const cidr of list) {
        const [addr, len, ...rest] = cidr.split('/');
        const family = isIP(addr ?? '');
        const max = family === 6 ? 128 : 32;
        if (
          family === 0 ||
          rest.length > 0 ||
          (len !== undefined && !(/^\d+$/.test(len) && Number(len) <= max))
        )
          throw new Error(`must be '*' or CIDRs such as 10.0.0.0/8, got '${cidr}'`);
      }
      return list;
    },
  ],
  ENVOY_PORT: ['envoyPort', port],
  ENVOY_ADMIN_PORT: ['envoyAdminPort', port],
  XDS_SERVER_CERT: ['xdsServerCert', text],
  TRACING_ENABLED: ['tracingEnabled', bool],
  ACCESSLOG_PATH: ['accessLogPath', text],
  LOG_DIR: ['logDir', text],
  LOG_LEVEL: [
    'logLevel',
    (v) => {
      if (!ENVOY_LOG_LEVELS.includes(v.toLowerCase()))
        throw new Error(`must be one of ${ENVOY_LOG_LEVELS.join(', ')}, got '${v}'`);
      return v.toLowerCase();
    },
  ],
  VANE_XDS_ADDRESS: [
    'xdsServerUri',
    (v) => {
      parseHostPort(v);
      return v;
    },
  ],
  ZONE: [
    'zone',
    (v) => {
      if (!/^[a-z][-a-z0-9]*[a-z0-9]$/.test(v))
        throw new Error(`must be a zone such as us-central1-a, got '${v}'`);
      return v;
    },
  ],
  SERVING_PORTS: ['servingPorts', ports],
  INBOUND_INTERCEPTION_PORT: ['inboundInterceptionPort', port],
  INSTANCE_IP: [
    'instanceIp',
    (v) => {
      if (isIP(v) === 0) throw new Error(`must be an IP address, got '${v}'`);
      return v;
    },
  ],
};

/** The variables this parser knows, Traffic Director's first. */
export const SIDECAR_ENV_VARIABLES: readonly string[] = Object.keys(VARIABLES);

/** The variable that sets `field` (for messages such as "set --zone or ZONE"). */
export function sidecarEnvVariable(field: keyof SidecarEnv): string {
  return Object.entries(VARIABLES).find(([, [f]]) => f === field)![0];
}

/**
 * Checks and converts one variable's value as the file parser does (flags that stand for a
 * variable use it, so both say the same). Throws an Error whose message follows the name:
 * `must be a port number (1-65535), got 'x'`.
 */
export function convertSidecarValue<F extends keyof SidecarEnv>(field: F, value: string): SidecarEnv[F] {
  return VARIABLES[sidecarEnvVariable(field)]![1](value) as SidecarEnv[F];
}

/**
 * Parses a sidecar.env. `file` names it in messages. Empty values (`GCP_PROJECT_NUMBER=''`, as
 * the shipped template has them) mean unset. `$VAR` / `${VAR}` expand variables set earlier in
 * the file (outside single quotes), as the shell would. Throws SidecarEnvError with every problem.
 */
export function parseSidecarEnv(textIn: string, file = 'sidecar.env'): SidecarEnvResult {
  const env: SidecarEnv = {};
  const sources: SidecarEnvResult['sources'] = {};
  const warnings: string[] = [];
  const problems: string[] = [];
  const seen = new Map<string, string>();
  const lines = textIn.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    const where = `${file}:${i + 1}`;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) {
      problems.push(`${where}: expected KEY=value, got '${line}'`);
      return;
    }
    const key = m[1]!;
    let value: string;
    try {
      value = shellValue(m[2]!, seen);
    } catch (err) {
      problems.push(`${where}: ${key}: ${(err as Error).message}`);
      return;
    }
    seen.set(key, value);
    const spec = VARIABLES[key];
    if (spec === undefined) {
      warnings.push(`${where}: unknown variable ${key} is ignored`);
      return;
    }
    const [field, convert] = spec;
    if (value === '') {
      delete env[field];
      delete sources[field];
      return;
    }
    try {
      (env as Record<string, unknown>)[field] = convert(value);
      sources[field] = `${where}: ${key}`;
    } catch (err) {
      problems.push(`${where}: ${key} ${(err as Error).message}`);
    }
  });
  if (problems.length > 0) throw new SidecarEnvError(problems);
  return { env, sources, warnings };
}

/** The value of `KEY=<rest>` as sh would assign it: quotes removed, earlier variables expanded. */
function shellValue(rest: string, vars: ReadonlyMap<string, string>): string {
  let out = '';
  let i = 0;
  const expand = (): void => {
    // At a `$`: `${NAME}` or `$NAME`; anything else is a literal `$`.
    const m = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/.exec(rest.slice(i));
    if (!m) {
      out += '$';
      i += 1;
      return;
    }
    const name = m[1] ?? m[2]!;
    const value = vars.get(name);
    if (value === undefined) throw new Error(`refers to $${name}, which is not set earlier in the file`);
    out += value;
    i += m[0].length;
  };
  while (i < rest.length) {
    const c = rest[i]!;
    if (c === "'") {
      const end = rest.indexOf("'", i + 1);
      if (end < 0) throw new Error('has an unterminated single quote');
      out += rest.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      i += 1;
      for (;;) {
        if (i >= rest.length) throw new Error('has an unterminated double quote');
        const d = rest[i]!;
        if (d === '"') {
          i += 1;
          break;
        }
        if (d === '\\' && i + 1 < rest.length && '"\\$`'.includes(rest[i + 1]!)) {
          out += rest[i + 1];
          i += 2;
        } else if (d === '$') expand();
        else if (d === '`') throw new Error('uses command substitution, which is not supported');
        else {
          out += d;
          i += 1;
        }
      }
    } else if (c === '\\') {
      if (i + 1 < rest.length) out += rest[i + 1];
      i += 2;
    } else if (c === '$') {
      if (rest[i + 1] === '(') throw new Error('uses command substitution, which is not supported');
      expand();
    } else if (c === '`') {
      throw new Error('uses command substitution, which is not supported');
    } else if (/\s/.test(c)) {
      // Whitespace ends the word: only a comment may follow (`A=b c` would run `c` in sh).
      const tail = rest.slice(i).trim();
      if (tail !== '' && !tail.startsWith('#'))
        throw new Error(`has unquoted whitespace before '${tail}': quote the value`);
      break;
    } else {
      out += c;
      i += 1;
    }
  }
  return out;
}
