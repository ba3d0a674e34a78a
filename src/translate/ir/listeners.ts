// Visible forwarding rules → listeners. Proxyless gRPC clients get one API listener per
// authority they may dial; sidecars get the outbound interception listener (a filter chain
// per rule) and the inbound listener for their serving ports.
import type { NodeView, TranslateIssue } from '../types.js';
import { inboundCluster } from './clusters.js';
import { routeConfigName } from './routes.js';
import type {
  IrApiListener,
  IrCluster,
  IrFilterChain,
  IrInboundListener,
  IrOutboundListener,
  IrRouteConfig,
  IrSidecarOptions,
} from './types.js';
import type { VisibleRule } from './visibility.js';

export const INTERCEPTION_LISTENER = 'TRAFFICDIRECTOR_INTERCEPTION_LISTENER';
export const INBOUND_LISTENER = 'TRAFFICDIRECTOR_INBOUND_LISTENER';

/** The authorities a host rule host answers on a rule's port (`host:P`, and `host` for port 80). */
export function authorities(host: string, port: number): string[] {
  if (host.includes('*')) return [];
  const m = /^(.*):(\d+)$/.exec(host);
  if (m !== null) {
    if (Number(m[2]) !== port) return [];
    return port === 80 ? [host, m[1]!] : [host];
  }
  return port === 80 ? [`${host}:${port}`, host] : [`${host}:${port}`];
}

export function grpcListeners(
  rules: readonly VisibleRule[],
  projectNumber: string,
  issues: TranslateIssue[],
): IrApiListener[] {
  const byName = new Map<string, IrApiListener>();
  for (const rule of rules) {
    if (rule.target.kind !== 'http') continue;
    const urlMap = rule.target.urlMap;
    const rds = routeConfigName(projectNumber, urlMap.name);
    for (const hr of urlMap.body.hostRules ?? []) {
      for (const host of hr.hosts) {
        for (const name of authorities(host.toLowerCase(), rule.port)) {
          const other = byName.get(name);
          if (other === undefined) {
            byName.set(name, { kind: 'api', name, source: rule.path, routeConfigName: rds });
          } else if (other.routeConfigName !== rds) {
            issues.push({
              resource: rule.path,
              location: 'portRange',
              message: `authority '${name}' is already served by ${other.source} (URL map ${other.routeConfigName}): this rule's listener for it is skipped`,
            });
          }
        }
      }
    }
  }
  return [...byName.values()];
}

function sidecarOptions(view: NodeView): IrSidecarOptions {
  return {
    ...(view.accessLogPath === undefined || view.accessLogPath === ''
      ? {}
      : { accessLogPath: view.accessLogPath }),
    tracing: view.enableTracing,
  };
}

/** The outbound interception listener, or undefined without an interception port or rules. */
export function outboundListener(
  rules: readonly VisibleRule[],
  view: NodeView,
  projectNumber: string,
  issues: TranslateIssue[],
): IrOutboundListener | undefined {
  if (view.interceptionPort === undefined) return undefined;
  const chains: IrFilterChain[] = [];
  const seen = new Map<string, string>();
  for (const rule of rules) {
    const key = `${rule.vip ?? '0.0.0.0'}:${rule.port}`;
    const other = seen.get(key);
    if (other !== undefined) {
      issues.push({
        resource: rule.path,
        location: 'IPAddress',
        message: `${key} is also used by ${other} in the same network: this rule is skipped`,
      });
      continue;
    }
    seen.set(key, rule.path);
    chains.push({
      name: rule.name,
      source: rule.path,
      ...(rule.vip === undefined ? {} : { vip: rule.vip }),
      port: rule.port,
      destination:
        rule.target.kind === 'http'
          ? { kind: 'http', routeConfigName: routeConfigName(projectNumber, rule.target.urlMap.name) }
          : { kind: 'tcp', cluster: rule.target.service.name },
    });
  }
  if (chains.length === 0) return undefined;
  return {
    kind: 'outbound',
    name: INTERCEPTION_LISTENER,
    port: view.interceptionPort,
    chains,
    ...sidecarOptions(view),
  };
}

/** `inbound|default_inbound_config-<port>` */
export function inboundRouteConfigName(port: number): string {
  return `inbound|default_inbound_config-${port}`;
}

export interface InboundConfig {
  listener: IrInboundListener;
  routeConfigs: IrRouteConfig[];
  clusters: IrCluster[];
}

/** The inbound listener with its route configs and local clusters, when the node asks for one. */
export function inbound(view: NodeView): InboundConfig | undefined {
  const ports = [...new Set(view.inboundBackendPorts)].sort((a, b) => a - b);
  if (view.inboundInterceptionPort === undefined || ports.length === 0) return undefined;
  const source = (port: number) => `node:TRAFFICDIRECTOR_INBOUND_BACKEND_PORTS/${port}`;
  return {
    listener: {
      kind: 'inbound',
      name: INBOUND_LISTENER,
      port: view.inboundInterceptionPort,
      chains: ports.map((port) => ({
        name: `inbound|${port}`,
        port,
        routeConfigName: inboundRouteConfigName(port),
      })),
      ...sidecarOptions(view),
    },
    routeConfigs: ports.map((port) => ({
      name: inboundRouteConfigName(port),
      source: source(port),
      virtualHosts: [
        {
          name: `inbound|${port}`,
          source: source(port),
          domains: ['*'],
          routes: [
            {
              source: source(port),
              match: {
                path: { kind: 'prefix', value: '' },
                caseSensitive: true,
                headers: [],
                queryParameters: [],
              },
              action: { kind: 'cluster', cluster: `inbound|${port}` },
            },
          ],
        },
      ],
    })),
    clusters: ports.map(inboundCluster),
  };
}
