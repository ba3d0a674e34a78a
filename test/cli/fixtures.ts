// A Traffic Director setup for a gRPC service, as `gcloud compute … export` / `describe` print
// it in project prod-td: full googleapis URLs, output-only fields, and mostly no `kind`.

const G = 'https://www.googleapis.com/compute/v1/projects/prod-td/global';
const Z = (zone: string) => `https://www.googleapis.com/compute/v1/projects/prod-td/zones/${zone}`;

const backendService = (name: string) => `affinityCookieTtlSec: 0
backends:
- balancingMode: RATE
  capacityScaler: 1.0
  group: ${Z('us-central1-a')}/networkEndpointGroups/wallet-neg
  maxRatePerEndpoint: 5.0
- balancingMode: RATE
  capacityScaler: 1.0
  group: ${Z('us-east1-b')}/networkEndpointGroups/wallet-neg
  maxRatePerEndpoint: 5.0
connectionDraining:
  drainingTimeoutSec: 300
creationTimestamp: '2023-04-12T09:16:40.002-07:00'
description: ''
fingerprint: 0KqvXU2Rjqk=
healthChecks:
- ${G}/healthChecks/wallet-hc
id: '4426718823091234567'
loadBalancingScheme: INTERNAL_SELF_MANAGED
name: ${name}
port: 80
portName: grpc
protocol: GRPC
sessionAffinity: NONE
timeoutSec: 30
`;

export const urlMap = (secondPriority = 1) => `creationTimestamp: '2023-04-12T09:18:11.930-07:00'
defaultService: ${G}/backendServices/wallet-v1
fingerprint: ZmluZ2VycHJpbnQ=
hostRules:
- hosts:
  - wallet.example.com
  - wallet
  pathMatcher: wallet-matcher
id: '1290475510987654321'
name: wallet-map
pathMatchers:
- defaultService: ${G}/backendServices/wallet-v1
  name: wallet-matcher
  routeRules:
  - matchRules:
    - headerMatches:
      - exactMatch: v2
        headerName: route
      prefixMatch: /
    priority: 0
    service: ${G}/backendServices/wallet-v2
  - matchRules:
    - prefixMatch: /
    priority: ${secondPriority}
    routeAction:
      weightedBackendServices:
      - backendService: ${G}/backendServices/wallet-v1
        weight: 80
      - backendService: ${G}/backendServices/wallet-v2
        weight: 20
`;

/**
 * File name → text. Kinds come from: `kind` (health check, proxy, forwarding rule), the
 * selfLink (NEGs), and the file name (backend services, URL map).
 */
export const TD_SETUP: Record<string, string> = {
  '01-health-check.yaml': `checkIntervalSec: 5
creationTimestamp: '2023-04-12T09:14:21.184-07:00'
description: ''
grpcHealthCheck:
  grpcServiceName: wallet
  portSpecification: USE_SERVING_PORT
healthyThreshold: 2
id: '8813384512345678901'
kind: compute#healthCheck
name: wallet-hc
selfLink: ${G}/healthChecks/wallet-hc
timeoutSec: 5
type: GRPC
unhealthyThreshold: 2
`,
  '02-negs.yaml': `creationTimestamp: '2023-04-12T09:15:02.311-07:00'
defaultPort: 50051
name: wallet-neg
network: ${G}/networks/default
networkEndpointType: GCE_VM_IP_PORT
selfLink: ${Z('us-central1-a')}/networkEndpointGroups/wallet-neg
size: 2
zone: ${Z('us-central1-a')}
networkEndpoints:
- ipAddress: 10.128.0.11
  port: 50051
- ipAddress: 10.128.0.12
  port: 50051
---
defaultPort: 50051
name: wallet-neg
network: ${G}/networks/default
networkEndpointType: GCE_VM_IP_PORT
selfLink: ${Z('us-east1-b')}/networkEndpointGroups/wallet-neg
networkEndpoints:
- ipAddress: 10.142.0.21
  port: 50051
`,
  '03-backend-service-v1.yaml': backendService('wallet-v1'),
  '03-backend-service-v2.yaml': backendService('wallet-v2'),
  '04-url_map.yaml': urlMap(),
  '05-target-grpc-proxy.yaml': `creationTimestamp: '2023-04-12T09:19:30.551-07:00'
fingerprint: cHJveHk=
id: '5551234567890123456'
kind: compute#targetGrpcProxy
name: wallet-proxy
selfLink: ${G}/targetGrpcProxies/wallet-proxy
urlMap: ${G}/urlMaps/wallet-map
validateForProxyless: true
`,
  '06-forwarding-rule.yaml': `IPAddress: 0.0.0.0
IPProtocol: TCP
creationTimestamp: '2023-04-12T09:20:02.118-07:00'
fingerprint: ZnJmcA==
id: '7771234567890123456'
kind: compute#forwardingRule
loadBalancingScheme: INTERNAL_SELF_MANAGED
name: wallet-rule
network: ${G}/networks/default
portRange: 80-80
selfLink: ${G}/forwardingRules/wallet-rule
target: ${G}/targetGrpcProxies/wallet-proxy
`,
};

/** What applying TD_SETUP reports, in order (the server orders by dependency). */
export const TD_RESOURCES = [
  'healthCheck/wallet-hc',
  'networkEndpointGroup/wallet-neg (zone us-central1-a)',
  'networkEndpointGroup/wallet-neg (zone us-east1-b)',
  'backendService/wallet-v1',
  'backendService/wallet-v2',
  'urlMap/wallet-map',
  'targetGrpcProxy/wallet-proxy',
  'forwardingRule/wallet-rule',
];
