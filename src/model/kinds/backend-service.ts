import { z } from 'zod';
import type { Issue, KindSpec, RefSlot } from '../kind.js';
import { slot } from '../kind.js';
import { description, duration, int, int64, name, port } from './common.js';

// Defaults applied by the schema: the values the Compute API returns for a backend service
// created without them, which `gcloud compute backend-services export` therefore prints:
//   loadBalancingScheme INTERNAL_SELF_MANAGED (the API's default is EXTERNAL, but Vane only
//     serves Traffic Director's mesh scheme), protocol HTTP, timeoutSec 30,
//   sessionAffinity NONE, affinityCookieTtlSec 0, connectionDraining {drainingTimeoutSec: 0};
//   per backend: balancingMode UTILIZATION, capacityScaler 1.
// Deliberately not defaulted (the API leaves them out unless set, and absent means the
// documented default): localityLbPolicy (ROUND_ROBIN), consistentHash.minimumRingSize (1024),
// the outlierDetection fields (interval 1s, baseEjectionTime 30s, maxEjectionPercent 50,
// consecutiveErrors 5, enforcingConsecutiveErrors 0, consecutiveGatewayFailure 3,
// enforcingConsecutiveGatewayFailure 100, successRateMinimumHosts 5,
// successRateRequestVolume 100, successRateStdevFactor 1900, enforcingSuccessRate 100),
// circuitBreakers (no limits; maxRetries 1), port (80) and portName.

const INT32_MAX = 2_147_483_647;
const count = int(0, INT32_MAX);
const fraction = z.number().min(0).max(1);
const CAPACITY_RULE = 'must be 0 (drains the backend) or between 0.1 and 1';
const INSTANCE_GROUP_FIELD = 'applies to instance groups, which Vane does not support';

/** `backends[].group`: a zonal NEG; other backend kinds are rejected with what to use instead. */
const group = z
  .string()
  .min(1)
  .superRefine((value, ctx) => {
    const problem = groupProblem(value);
    if (problem !== undefined) {
      ctx.addIssue({ code: 'custom', message: problem });
    }
  });

function groupProblem(value: string): string | undefined {
  const use = 'use a zonal network endpoint group (zones/ZONE/networkEndpointGroups/NAME)';
  if (/(^|\/)(instanceGroups|regionInstanceGroups)\//.test(value)) {
    return `instance groups are not supported as backends: ${use}`;
  }
  if (/(^|\/)regions\/[^/]+\/networkEndpointGroups\//.test(value)) {
    return `regional network endpoint groups (serverless, PSC) are not supported: ${use}`;
  }
  if (/(^|\/)global\/networkEndpointGroups\//.test(value)) {
    return `global (internet) network endpoint groups are not supported: ${use}`;
  }
  if (!value.includes('/')) {
    return `must name the network endpoint group with its zone: ${use}`;
  }
  return undefined;
}

const BALANCING_MODES = ['UTILIZATION', 'RATE', 'CONNECTION'] as const;
type BalancingMode = (typeof BALANCING_MODES)[number];

const backend = z.strictObject({
  group,
  description: description.optional(),
  balancingMode: z.enum(BALANCING_MODES).default('UTILIZATION'),
  capacityScaler: z.number().min(0, CAPACITY_RULE).max(1, CAPACITY_RULE).default(1),
  maxRate: count.optional(),
  maxRatePerEndpoint: z.number().min(0).optional(),
  maxRatePerInstance: z.number().min(0).optional(),
  maxConnections: count.optional(),
  maxConnectionsPerEndpoint: count.optional(),
  maxConnectionsPerInstance: count.optional(),
  maxUtilization: fraction.optional(),
  failover: z.boolean().optional(),
  preference: z.enum(['PREFERRED', 'DEFAULT', 'PREFERENCE_UNSPECIFIED']).optional(),
});

export type Backend = z.output<typeof backend>;

const PROTOCOLS = ['HTTP', 'HTTPS', 'HTTP2', 'TCP', 'GRPC'] as const;
const LOCALITY_LB_POLICIES = [
  'ROUND_ROBIN',
  'LEAST_REQUEST',
  'RING_HASH',
  'RANDOM',
  'ORIGINAL_DESTINATION',
  'MAGLEV',
  'WEIGHTED_ROUND_ROBIN',
] as const;
const SESSION_AFFINITIES = ['NONE', 'CLIENT_IP', 'GENERATED_COOKIE', 'HEADER_FIELD', 'HTTP_COOKIE'] as const;

const httpCookie = z.strictObject({
  name: z.string().min(1).max(1024).optional(),
  path: z.string().max(1024).optional(),
  ttl: duration.optional(),
});

const outlierDetection = z.strictObject({
  interval: duration.optional(),
  baseEjectionTime: duration.optional(),
  maxEjectionPercent: int(0, 100).optional(),
  consecutiveErrors: count.optional(),
  enforcingConsecutiveErrors: int(0, 100).optional(),
  consecutiveGatewayFailure: count.optional(),
  enforcingConsecutiveGatewayFailure: int(0, 100).optional(),
  successRateMinimumHosts: count.optional(),
  successRateRequestVolume: count.optional(),
  successRateStdevFactor: count.optional(),
  enforcingSuccessRate: int(0, 100).optional(),
});

const circuitBreakers = z.strictObject({
  maxConnections: count.optional(),
  maxPendingRequests: count.optional(),
  maxRequests: count.optional(),
  maxRequestsPerConnection: count.optional(),
  maxRetries: count.optional(),
});

const headerName = z.strictObject({ headerName: z.string().min(1).max(1024) });

/** Cloud CDN settings: stored as given; nothing in a mesh uses them. */
const cdnPolicy = z.strictObject({
  cacheKeyPolicy: z
    .strictObject({
      includeHost: z.boolean().optional(),
      includeProtocol: z.boolean().optional(),
      includeQueryString: z.boolean().optional(),
      queryStringWhitelist: z.array(z.string()).optional(),
      queryStringBlacklist: z.array(z.string()).optional(),
      includeHttpHeaders: z.array(z.string()).optional(),
      includeNamedCookies: z.array(z.string()).optional(),
    })
    .optional(),
  signedUrlKeyNames: z.array(z.string()).optional(),
  signedUrlCacheMaxAgeSec: int64(0, 31_622_400).optional(),
  requestCoalescing: z.boolean().optional(),
  cacheMode: z
    .enum(['USE_ORIGIN_HEADERS', 'FORCE_CACHE_ALL', 'CACHE_ALL_STATIC', 'INVALID_CACHE_MODE'])
    .optional(),
  defaultTtl: int(0, 31_622_400).optional(),
  maxTtl: int(0, 31_622_400).optional(),
  clientTtl: int(0, 31_622_400).optional(),
  negativeCaching: z.boolean().optional(),
  negativeCachingPolicy: z
    .array(z.strictObject({ code: int(300, 599).optional(), ttl: count.optional() }))
    .optional(),
  bypassCacheOnRequestHeaders: z.array(headerName).max(5).optional(),
  serveWhileStale: int(0, 604_800).optional(),
});

const schema = z.strictObject({
  name,
  description: description.optional(),
  loadBalancingScheme: z
    .literal(
      'INTERNAL_SELF_MANAGED',
      'must be INTERNAL_SELF_MANAGED: Vane only serves Traffic Director service-mesh backend services',
    )
    .default('INTERNAL_SELF_MANAGED'),
  protocol: z.enum(PROTOCOLS).default('HTTP'),
  backends: z.array(backend).optional(),
  healthChecks: z.array(z.string().min(1)).optional(),
  port: port.optional(),
  portName: z.string().min(1).max(63).optional(),
  timeoutSec: int(1, INT32_MAX).default(30),
  maxStreamDuration: duration.optional(),
  localityLbPolicy: z.enum(LOCALITY_LB_POLICIES).optional(),
  localityLbPolicies: z
    .array(
      z.strictObject({
        policy: z.strictObject({ name: z.enum(LOCALITY_LB_POLICIES) }).optional(),
        customPolicy: z
          .strictObject({ name: z.string().min(1).max(256), data: z.string().max(16_384).optional() })
          .optional(),
      }),
    )
    .optional(),
  sessionAffinity: z.enum(SESSION_AFFINITIES).default('NONE'),
  affinityCookieTtlSec: int(0, 1_209_600).default(0),
  consistentHash: z
    .strictObject({
      httpCookie: httpCookie.optional(),
      httpHeaderName: z.string().min(1).max(1024).optional(),
      minimumRingSize: int64(1, 8_388_608).optional(),
    })
    .optional(),
  circuitBreakers: circuitBreakers.optional(),
  outlierDetection: outlierDetection.optional(),
  connectionDraining: z
    .strictObject({ drainingTimeoutSec: int(0, 3600).default(0) })
    .default({ drainingTimeoutSec: 0 }),
  failoverPolicy: z
    .strictObject({
      disableConnectionDrainOnFailover: z.boolean().optional(),
      dropTrafficIfUnhealthy: z.boolean().optional(),
      failoverRatio: fraction.optional(),
    })
    .optional(),

  // Accepted and stored so that real exports apply unchanged; Vane gives them no behaviour.
  enableCDN: z.boolean().optional(),
  cdnPolicy: cdnPolicy.optional(),
  logConfig: z
    .strictObject({
      enable: z.boolean().optional(),
      sampleRate: fraction.optional(),
      optionalMode: z.enum(['INCLUDE_ALL_OPTIONAL', 'EXCLUDE_ALL_OPTIONAL', 'CUSTOM']).optional(),
      optionalFields: z.array(z.string()).optional(),
    })
    .optional(),
  iap: z
    .strictObject({
      enabled: z.boolean().optional(),
      oauth2ClientId: z.string().optional(),
      oauth2ClientSecret: z.string().optional(),
      oauth2ClientSecretSha256: z.string().optional(),
    })
    .optional(),
  customRequestHeaders: z.array(z.string().min(1).max(8192)).max(16).optional(),
  customResponseHeaders: z.array(z.string().min(1).max(8192)).max(16).optional(),
  securitySettings: z
    .strictObject({
      clientTlsPolicy: z.string().optional(),
      subjectAltNames: z.array(z.string()).optional(),
      awsV4Authentication: z
        .strictObject({
          accessKeyId: z.string().optional(),
          accessKey: z.string().optional(),
          accessKeyVersion: z.string().optional(),
          originRegion: z.string().optional(),
        })
        .optional(),
    })
    .optional(),
  compressionMode: z.enum(['AUTOMATIC', 'DISABLED']).optional(),
  connectionTrackingPolicy: z
    .strictObject({
      trackingMode: z.enum(['INVALID_TRACKING_MODE', 'PER_CONNECTION', 'PER_SESSION']).optional(),
      connectionPersistenceOnUnhealthyBackends: z
        .enum(['DEFAULT_FOR_PROTOCOL', 'NEVER_PERSIST', 'ALWAYS_PERSIST'])
        .optional(),
      idleTimeoutSec: count.optional(),
      enableStrongAffinity: z.boolean().optional(),
    })
    .optional(),
  serviceBindings: z.array(z.string().min(1)).optional(),
  serviceLbPolicy: z.string().min(1).optional(),
  subsetting: z
    .strictObject({
      policy: z.enum(['NONE', 'CONSISTENT_HASH_SUBSETTING']),
      subsetSize: count.optional(),
    })
    .optional(),
  ipAddressSelectionPolicy: z
    .enum(['IPV4_ONLY', 'PREFER_IPV6', 'IPV6_ONLY', 'IP_ADDRESS_SELECTION_POLICY_UNSPECIFIED'])
    .optional(),
  metadatas: z.record(z.string(), z.string()).optional(),
});

export type BackendService = z.output<typeof schema>;

const HASH_POLICIES: ReadonlySet<string> = new Set(['RING_HASH', 'MAGLEV']);

/** Whether the service balances with a consistent-hash policy (where affinity settings take effect). */
function usesConsistentHash(bs: BackendService): boolean {
  if (bs.localityLbPolicies !== undefined && bs.localityLbPolicies.length > 0) {
    return bs.localityLbPolicies.some((p) => p.policy !== undefined && HASH_POLICIES.has(p.policy.name));
  }
  return bs.localityLbPolicy !== undefined && HASH_POLICIES.has(bs.localityLbPolicy);
}

/** Which capacity fields each balancing mode allows, and which one it requires. */
const MODE_FIELDS: Record<BalancingMode, readonly (keyof Backend)[]> = {
  UTILIZATION: ['maxUtilization'],
  RATE: ['maxRate', 'maxRatePerEndpoint'],
  CONNECTION: ['maxConnections', 'maxConnectionsPerEndpoint'],
};
const FIELD_MODE = new Map<keyof Backend, BalancingMode>(
  Object.entries(MODE_FIELDS).flatMap(([mode, fields]) =>
    fields.map((f) => [f, mode as BalancingMode] as const),
  ),
);

function backendIssues(b: Backend, at: string, issue: (location: string, message: string) => void): void {
  if (b.capacityScaler > 0 && b.capacityScaler < 0.1) {
    issue(`${at}.capacityScaler`, CAPACITY_RULE);
  }
  // Exports print unset capacities as 0, so a 0 in a field the mode does not use is no conflict.
  const set = (field: keyof Backend) => b[field] !== undefined && b[field] !== 0;
  if (set('maxRatePerInstance')) {
    issue(`${at}.maxRatePerInstance`, `${INSTANCE_GROUP_FIELD}: use maxRatePerEndpoint`);
  }
  if (set('maxConnectionsPerInstance')) {
    issue(`${at}.maxConnectionsPerInstance`, `${INSTANCE_GROUP_FIELD}: use maxConnectionsPerEndpoint`);
  }
  for (const [field, mode] of FIELD_MODE) {
    // maxUtilization is a secondary cap the Compute API accepts with every mode.
    if (field !== 'maxUtilization' && set(field) && mode !== b.balancingMode) {
      issue(`${at}.${field}`, `requires balancingMode ${mode} (this backend uses ${b.balancingMode})`);
    }
  }
  if (b.balancingMode === 'RATE' || b.balancingMode === 'CONNECTION') {
    const allowed = MODE_FIELDS[b.balancingMode];
    const targets = allowed.filter(set);
    if (targets.length === 0) {
      issue(at, `balancingMode ${b.balancingMode} needs a target capacity: set ${allowed.join(' or ')}`);
    } else if (targets.length > 1) {
      issue(
        `${at}.${targets[1]}`,
        `must not be set together with ${targets[0]}: set only one target capacity`,
      );
    }
  }
}

function isZero(d: { seconds?: number | undefined; nanos?: number | undefined }): boolean {
  return (d.seconds ?? 0) === 0 && (d.nanos ?? 0) === 0;
}

export const backendServiceKind: KindSpec<BackendService> = {
  collection: 'backendServices',
  kind: 'compute#backendService',
  scope: 'global',
  fingerprint: true,
  schema,
  outputOnly: ['usedBy', 'region', 'securityPolicy', 'edgeSecurityPolicy'],
  refs(bs) {
    const out: RefSlot[] = [];
    bs.backends?.forEach((b, i) => {
      out.push(...slot(b, 'group', `backends[${i}].group`, ['networkEndpointGroups']));
    });
    const hcs = bs.healthChecks ?? [];
    hcs.forEach((value, i) => {
      out.push({
        location: `healthChecks[${i}]`,
        accepted: ['healthChecks'],
        value,
        set: (v) => {
          hcs[i] = v;
        },
      });
    });
    return out;
  },
  check(bs, ctx) {
    const issue = ctx.issue.bind(ctx);
    const hcs = bs.healthChecks ?? [];
    if (hcs.length > 1) {
      issue('healthChecks', `at most one health check per backend service: got ${hcs.length}`);
    }

    const groups = new Map<string, number>();
    (bs.backends ?? []).forEach((b, i) => {
      const first = groups.get(b.group);
      if (first !== undefined) {
        issue(`backends[${i}].group`, `must appear in only one backend: also in backends[${first}]`);
      } else {
        groups.set(b.group, i);
      }
      backendIssues(b, `backends[${i}]`, issue);
    });

    if (bs.sessionAffinity !== 'NONE' && !usesConsistentHash(bs)) {
      issue(
        'sessionAffinity',
        `${bs.sessionAffinity} only takes effect with localityLbPolicy RING_HASH or MAGLEV (is ${bs.localityLbPolicy ?? 'ROUND_ROBIN'})`,
      );
    }
    const hash = bs.consistentHash;
    if (hash !== undefined) {
      if (!usesConsistentHash(bs)) {
        issue(
          'consistentHash',
          `only takes effect with localityLbPolicy RING_HASH or MAGLEV (is ${bs.localityLbPolicy ?? 'ROUND_ROBIN'})`,
        );
      }
      if (hash.httpHeaderName !== undefined && bs.sessionAffinity !== 'HEADER_FIELD') {
        issue(
          'consistentHash.httpHeaderName',
          `requires sessionAffinity HEADER_FIELD (is ${bs.sessionAffinity})`,
        );
      }
      if (hash.httpCookie !== undefined && bs.sessionAffinity !== 'HTTP_COOKIE') {
        issue('consistentHash.httpCookie', `requires sessionAffinity HTTP_COOKIE (is ${bs.sessionAffinity})`);
      }
    }
    if (bs.sessionAffinity === 'HEADER_FIELD' && hash?.httpHeaderName === undefined) {
      issue(
        'consistentHash.httpHeaderName',
        'is required with sessionAffinity HEADER_FIELD: name the header to hash',
      );
    }
    if (
      bs.affinityCookieTtlSec !== 0 &&
      bs.sessionAffinity !== 'GENERATED_COOKIE' &&
      bs.sessionAffinity !== 'HTTP_COOKIE'
    ) {
      issue(
        'affinityCookieTtlSec',
        `requires sessionAffinity GENERATED_COOKIE or HTTP_COOKIE (is ${bs.sessionAffinity})`,
      );
    }

    bs.localityLbPolicies?.forEach((p, i) => {
      if ((p.policy === undefined) === (p.customPolicy === undefined)) {
        issue(`localityLbPolicies[${i}]`, 'set exactly one of policy or customPolicy');
      }
    });

    const od = bs.outlierDetection;
    for (const field of ['interval', 'baseEjectionTime'] as const) {
      const d = od?.[field];
      if (d !== undefined && isZero(d)) {
        issue(`outlierDetection.${field}`, 'must be longer than 0');
      }
    }
    if (bs.maxStreamDuration !== undefined && isZero(bs.maxStreamDuration)) {
      issue('maxStreamDuration', 'must be longer than 0 (leave it out for no limit)');
    }
  },
};

const PROXYLESS = 'is not supported by proxyless gRPC clients';
const PROXYLESS_LB: ReadonlySet<string> = new Set(['ROUND_ROBIN', 'RING_HASH']);

/**
 * What a backend service must not use when a target gRPC proxy with validateForProxyless
 * sends traffic to it; locations are relative to the backend service body.
 *
 * Vane accepts outlierDetection and circuitBreakers.maxRequests for proxyless clients,
 * although Traffic Director rejects them: current gRPC implements both (gRFCs A50 and A32),
 * and gRPC's own PSM interop tests configure them. The other circuit breakers have no gRPC
 * implementation and are still rejected. timeoutSec cannot be told apart from its default
 * after parsing, so only values other than the default 30 are reported.
 * localityLbPolicies is left alone: it exists for gRPC clients, which use the first policy
 * in the list they support.
 */
export function proxylessBackendServiceIssues(bs: BackendService): Issue[] {
  const issues: Issue[] = [];
  const issue = (location: string, message: string) => issues.push({ location, message });
  if (bs.protocol !== 'GRPC') {
    issue('protocol', `must be GRPC for proxyless gRPC clients (is ${bs.protocol})`);
  }
  if (bs.localityLbPolicy !== undefined && !PROXYLESS_LB.has(bs.localityLbPolicy)) {
    issue('localityLbPolicy', `${PROXYLESS}: use ROUND_ROBIN or RING_HASH (is ${bs.localityLbPolicy})`);
  }
  if (bs.sessionAffinity !== 'NONE' && bs.sessionAffinity !== 'HEADER_FIELD') {
    issue('sessionAffinity', `${PROXYLESS}: use NONE or HEADER_FIELD (is ${bs.sessionAffinity})`);
  }
  if (bs.affinityCookieTtlSec !== 0) {
    issue('affinityCookieTtlSec', `${PROXYLESS}: leave it out or set 0`);
  }
  if (bs.timeoutSec !== 30) {
    issue('timeoutSec', `${PROXYLESS}: use maxStreamDuration`);
  }
  if (bs.consistentHash?.httpCookie !== undefined) {
    issue('consistentHash.httpCookie', PROXYLESS);
  }
  const cb = bs.circuitBreakers ?? {};
  for (const field of [
    'maxConnections',
    'maxPendingRequests',
    'maxRequestsPerConnection',
    'maxRetries',
  ] as const) {
    if (cb[field] !== undefined) {
      issue(`circuitBreakers.${field}`, `${PROXYLESS}: gRPC only enforces maxRequests`);
    }
  }
  return issues;
}
