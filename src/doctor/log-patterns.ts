// Known error lines of proxies, proxyless clients and the agent → finding codes. Lines are
// matched one by one in every log Envoy's formats produce (default `[ts][tid][level]`,
// Istio's tab-separated, syslog, docker-compose prefixes): patterns look at the message only.
// Order matters: the first pattern that matches a line wins, so the specific comes first
// (an access-log NACK is a listener rejection, but its cause is the access log).
import type { FindingCode } from './catalog.js';
import type { FileText } from './evidence.js';

export interface LogPattern {
  code: FindingCode;
  re: RegExp;
}

/** `StreamAggregatedResources gRPC config stream closed: N,` in every Envoy spelling. */
const CLOSED = String.raw`gRPC config stream(?: to \S+)? closed(?: since \S+ ago)?: `;

export const LOG_PATTERNS: readonly LogPattern[] = [
  { code: 'ACCESS_LOG_NOT_WRITABLE', re: /unable to open file '([^']+)': Permission denied/ },
  {
    code: 'IPV6_MODULES_MISSING',
    re: /can't initialize ip6tables table|ip6tables(?:-restore|-save)?: .*(?:Table does not exist|Could not fetch rule set)|ip6tables cannot use the nat table/,
  },
  {
    code: 'CREDENTIAL_SCOPE_MISSING',
    re: /insufficient authentication scopes|ACCESS_TOKEN_SCOPE_INSUFFICIENT/,
  },
  {
    code: 'CREDENTIAL_SCOPE_MISSING',
    re: /(?:metadata server|computeMetadata).*(?:token|service account).*(?:fail|error|denied|not found|403|404)/i,
  },
  {
    code: 'CONFIG_NOT_FOUND_FOR_NETWORK',
    re: /configuration was not found for network "([^"]*)" in project "([^"]*)"/,
  },
  { code: 'CONFIG_NOT_FOUND_FOR_NETWORK', re: /Traffic Director configuration was not found\./ },
  { code: 'REQUESTED_ENTITY_NOT_FOUND', re: /Requested entity was not found\./ },
  { code: 'XDS_PERMISSION_DENIED', re: new RegExp(`${CLOSED}7,`) },
  { code: 'XDS_TLS_OR_AUTH_FAILURE', re: new RegExp(`${CLOSED}16,`) },
  {
    code: 'XDS_DNS_FAILURE',
    re: /DNS resolution for \S+ failed|Temporary failure in name resolution|ENOTFOUND/,
  },
  { code: 'XDS_UNREACHABLE', re: new RegExp(`${CLOSED}14,`) },
  // Proxyless gRPC (Go, Java, C++) spell stream errors as `code = X desc = …`.
  { code: 'XDS_PERMISSION_DENIED', re: /ADS stream.*code = PermissionDenied/ },
  {
    code: 'XDS_TLS_OR_AUTH_FAILURE',
    re: /ADS stream.*code = Unauthenticated|TLS error: .*(?:CERTIFICATE|SSL|handshake)/,
  },
  { code: 'XDS_UNREACHABLE', re: /ADS stream.*code = Unavailable/ },
  { code: 'ENVOY_VERSION_TOO_OLD', re: /Envoy \S+ at \S+ is older than \d+\.\d+\.\d+/ },
  { code: 'PROXY_CONFIG_REJECTED', re: /gRPC config for (\S+) (?:update )?rejected: (.*)/ },
  { code: 'PROXY_CONFIG_REJECTED', re: /config received from XDS server, but was rejected: (.*)/ },
  { code: 'PROXY_CONFIG_REJECTED', re: /lds: fetch failure: (.*)/ },
  // The agent's console log (src/agent/agent.ts).
  { code: 'BOOTSTRAP_FAILED', re: /vane-agent: bootstrap failed: (.*?)(?:; retrying in \d+ s)?$/ },
  {
    code: 'AGENT_LAST_FAILURE',
    re: /vane-agent: (?:watching services|registering the instance) failed: (.*?)(?:; retrying.*)?$/,
  },
  { code: 'PROXY_NOT_RUNNING', re: /vane-agent: Envoy exited with (.*)/ },
];

export interface LogMatch {
  code: FindingCode;
  source: string;
  /** 1-based line of the first occurrence. */
  lineNo: number;
  line: string;
  /** The captured groups of the pattern (e.g. the file, the network). */
  groups: string[];
  /** How many lines said the same thing, and the last of them. */
  count: number;
  lastLineNo: number;
}

/** `source:line: text`, with the repetitions when there were some. */
export function logEvidence(m: LogMatch): string {
  const more = m.count > 1 ? ` (${m.count} times, last at line ${m.lastLineNo})` : '';
  return `${m.source}:${m.lineNo}: ${m.line.trim()}${more}`;
}

/** Every known error line of the logs, repeats merged (same code and same message). */
export function matchLogs(logs: readonly FileText[] | undefined): LogMatch[] {
  const out = new Map<string, LogMatch>();
  for (const log of logs ?? []) {
    log.text.split('\n').forEach((line, i) => {
      for (const p of LOG_PATTERNS) {
        const m = p.re.exec(line);
        if (m === null) continue;
        // The message from the match on: timestamps and thread ids differ between repeats.
        const key = `${log.source}\0${p.code}\0${line.slice(m.index)}`;
        const seen = out.get(key);
        if (seen !== undefined) {
          seen.count++;
          seen.lastLineNo = i + 1;
        } else
          out.set(key, {
            code: p.code,
            source: log.source,
            lineNo: i + 1,
            line,
            groups: m.slice(1).map((g) => g ?? ''),
            count: 1,
            lastLineNo: i + 1,
          });
        break;
      }
    });
  }
  return [...out.values()];
}
