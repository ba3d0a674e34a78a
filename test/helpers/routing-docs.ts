/**
 * The apply documents that route proxyless clients dialing `host:port` to one backend
 * service: a URL map with one host rule, a target gRPC proxy (validateForProxyless) and a
 * 0.0.0.0 forwarding rule.
 */
export function routeTo(service: string, host: string, port = 8000): Record<string, unknown>[] {
  return [
    {
      kind: 'urlMap',
      name: 'map',
      defaultService: `global/backendServices/${service}`,
      hostRules: [{ hosts: [host], pathMatcher: 'pm' }],
      pathMatchers: [{ name: 'pm', defaultService: `global/backendServices/${service}` }],
    },
    { kind: 'targetGrpcProxy', name: 'proxy', urlMap: 'global/urlMaps/map', validateForProxyless: true },
    {
      kind: 'forwardingRule',
      name: 'rule',
      IPAddress: '0.0.0.0',
      portRange: String(port),
      target: 'global/targetGrpcProxies/proxy',
    },
  ];
}

/**
 * A TCP health check on each endpoint's serving port that decides after one probe a second,
 * so tests see health transitions within about two seconds.
 */
export const FAST_TCP_HEALTH_CHECK: Record<string, unknown> = {
  kind: 'healthCheck',
  name: 'tcp',
  type: 'TCP',
  checkIntervalSec: 1,
  timeoutSec: 1,
  healthyThreshold: 1,
  unhealthyThreshold: 1,
  tcpHealthCheck: { portSpecification: 'USE_SERVING_PORT' },
};
