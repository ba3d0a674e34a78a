import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import type { KindSpec } from '../../src/model/kind.js';
import {
  type BackendService,
  backendServiceKind,
  proxylessBackendServiceIssues,
} from '../../src/model/kinds/backend-service.js';
import { fakeReader } from '../helpers/fake-reader.js';
import { kindChecks } from '../helpers/kind-checks.js';

const NEG_A = 'projects/p/zones/us-central1-a/networkEndpointGroups/wallet-neg';
const NEG_B = 'projects/p/zones/us-east1-b/networkEndpointGroups/wallet-neg';
const HC = 'projects/p/global/healthChecks/grpc-hc';

const reader = fakeReader([NEG_A, NEG_B, HC, 'projects/p/global/healthChecks/other-hc']);
const { prepare, problems, assertIssue, assertRejected } = kindChecks(
  reader,
  backendServiceKind as unknown as KindSpec,
  'backendServices',
);

function exported(): Record<string, unknown> {
  const url = new URL('../../../test/model/fixtures/backend-service-export.yaml', import.meta.url);
  return parse(readFileSync(url, 'utf8')) as Record<string, unknown>;
}

/** A valid proxyless-ready backend service, to break one field at a time. */
function base(): Record<string, unknown> {
  return {
    name: 'wallet-v1',
    protocol: 'GRPC',
    healthChecks: ['global/healthChecks/grpc-hc'],
    backends: [
      {
        group: 'zones/us-central1-a/networkEndpointGroups/wallet-neg',
        balancingMode: 'RATE',
        maxRatePerEndpoint: 5,
      },
    ],
  };
}

function withBackend(backend: Record<string, unknown>): Record<string, unknown> {
  return {
    ...base(),
    backends: [{ group: 'zones/us-central1-a/networkEndpointGroups/wallet-neg', ...backend }],
  };
}

test('a gcloud export of a proxyless gRPC backend service is accepted and normalised', async () => {
  const { body, refs, fingerprint, name } = await prepare(exported());
  assert.equal(name, 'wallet-v1');
  assert.equal(fingerprint, '9aCvmLEh8Qw=');
  assert.deepEqual(refs, [HC, NEG_A, NEG_B].sort());
  for (const field of ['kind', 'id', 'selfLink', 'creationTimestamp', 'fingerprint', 'usedBy']) {
    assert.equal(body[field], undefined, `${field} is output-only`);
  }
  const bs = body as BackendService;
  assert.deepEqual(
    bs.backends?.map((b) => [b.group, b.balancingMode, b.capacityScaler, b.maxRatePerEndpoint]),
    [
      [NEG_A, 'RATE', 1, 5],
      [NEG_B, 'RATE', 0.5, 5],
    ],
  );
  assert.deepEqual(bs.healthChecks, [HC]);
  assert.equal(bs.consistentHash?.minimumRingSize, 2048, 'int64 strings become numbers');
  assert.deepEqual(bs.outlierDetection?.interval, { seconds: 10 });
  assert.deepEqual(bs.circuitBreakers, { maxRequests: 1000 });
  assert.equal(bs.port, 80);
  assert.equal(bs.enableCDN, false);
  assert.deepEqual(bs.logConfig, { enable: true, sampleRate: 0.25 });
  assert.deepEqual(proxylessBackendServiceIssues(bs), [], 'the export is fit for proxyless gRPC');
});

test('the API defaults are applied, so export and re-apply round-trips', async () => {
  const { body } = await prepare({
    name: 'plain',
    backends: [{ group: 'zones/us-central1-a/networkEndpointGroups/wallet-neg' }],
  });
  assert.deepEqual(body, {
    name: 'plain',
    loadBalancingScheme: 'INTERNAL_SELF_MANAGED',
    protocol: 'HTTP',
    backends: [{ group: NEG_A, balancingMode: 'UTILIZATION', capacityScaler: 1 }],
    timeoutSec: 30,
    sessionAffinity: 'NONE',
    affinityCookieTtlSec: 0,
    connectionDraining: { drainingTimeoutSec: 0 },
  });
  const again = await prepare(body);
  assert.deepEqual(again.body, body);
});

test('fields real exports carry are accepted even though Vane gives them no behaviour', async () => {
  const { body } = await prepare({
    ...base(),
    portName: 'grpc',
    port: 50051,
    enableCDN: false,
    iap: { enabled: false, oauth2ClientId: '', oauth2ClientSecretSha256: '' },
    cdnPolicy: { signedUrlCacheMaxAgeSec: '3600', cacheMode: 'CACHE_ALL_STATIC' },
    customRequestHeaders: ['X-Client-Region: {client_region}'],
    customResponseHeaders: ['X-Cache: {cdn_cache_status}'],
    securitySettings: {
      clientTlsPolicy: 'projects/p/locations/global/clientTlsPolicies/mtls',
      subjectAltNames: ['spiffe://p.svc.id.goog/ns/default/sa/wallet'],
    },
    compressionMode: 'DISABLED',
    connectionTrackingPolicy: { trackingMode: 'PER_CONNECTION' },
    serviceBindings: ['projects/p/locations/global/serviceBindings/wallet'],
    subsetting: { policy: 'NONE' },
    failoverPolicy: { failoverRatio: 0.5 },
    region: 'https://www.googleapis.com/compute/v1/projects/p/regions/us-central1',
    securityPolicy: 'https://www.googleapis.com/compute/v1/projects/p/global/securityPolicies/armor',
    edgeSecurityPolicy: 'https://www.googleapis.com/compute/v1/projects/p/global/securityPolicies/edge',
    usedBy: [{ reference: 'https://www.googleapis.com/compute/v1/projects/p/global/urlMaps/m' }],
  });
  assert.equal((body as BackendService).cdnPolicy?.signedUrlCacheMaxAgeSec, 3600);
  for (const output of ['region', 'securityPolicy', 'edgeSecurityPolicy', 'usedBy'])
    assert.equal(body[output], undefined, output);
});

test('unknown fields are rejected by name, at any depth', async () => {
  await assertRejected({ ...base(), timeout: 30 }, 'timeout', /^unknown field 'timeout'$/);
  await assertRejected(
    withBackend({ balancingMode: 'RATE', maxRatePerEndpoint: 5, weight: 3 }),
    'backends[0].weight',
    /unknown field 'weight'/,
  );
  await assertRejected(
    { ...base(), outlierDetection: { intervalSec: 10 } },
    'outlierDetection.intervalSec',
    /unknown field/,
  );
  await assertRejected({ ...base(), kind: 'compute#urlMap' }, 'kind', /compute#backendService/);
});

test('only the mesh scheme and the Traffic Director protocols are accepted', async () => {
  await assertRejected(
    { ...base(), loadBalancingScheme: 'EXTERNAL' },
    'loadBalancingScheme',
    /must be INTERNAL_SELF_MANAGED/,
  );
  await assertRejected(
    { ...base(), loadBalancingScheme: 'INTERNAL_MANAGED' },
    'loadBalancingScheme',
    /INTERNAL_SELF_MANAGED/,
  );
  await assertRejected({ ...base(), protocol: 'UDP' }, 'protocol', /GRPC/);
  assert.deepEqual(await problems({ ...base(), protocol: 'HTTP2' }), []);
});

test('backends are zonal network endpoint groups; other groups get a clear message', async () => {
  await assertRejected(
    {
      ...base(),
      backends: [
        { group: 'https://www.googleapis.com/compute/v1/projects/p/zones/us-central1-a/instanceGroups/ig' },
      ],
    },
    'backends[0].group',
    /^instance groups are not supported as backends: use a zonal network endpoint group/,
  );
  await assertRejected(
    { ...base(), backends: [{ group: 'regions/us-central1/networkEndpointGroups/run' }] },
    'backends[0].group',
    /regional/,
  );
  await assertRejected(
    { ...base(), backends: [{ group: 'wallet-neg' }] },
    'backends[0].group',
    /with its zone/,
  );
  await assertRejected(
    { ...base(), backends: [{ group: 'zones/us-central1-a/networkEndpointGroups/nope' }] },
    'backends[0].group',
    /was not found/,
  );
  await assertRejected(
    { ...base(), backends: [{ group: 'global/healthChecks/grpc-hc' }] },
    'backends[0].group',
    /expected networkEndpointGroups/,
  );
});

test('at most one health check, and each backend group once', async () => {
  await assertRejected(
    { ...base(), healthChecks: ['global/healthChecks/grpc-hc', 'global/healthChecks/other-hc'] },
    'healthChecks',
    /at most one health check per backend service: got 2/,
  );
  await assertRejected(
    {
      ...base(),
      backends: [
        {
          group: `https://www.googleapis.com/compute/v1/${NEG_A}`,
          balancingMode: 'RATE',
          maxRatePerEndpoint: 1,
        },
        {
          group: 'zones/us-central1-a/networkEndpointGroups/wallet-neg',
          balancingMode: 'RATE',
          maxRatePerEndpoint: 1,
        },
      ],
    },
    'backends[1].group',
    /^must appear in only one backend: also in backends\[0\]$/,
  );
});

test('capacity fields must match the balancing mode', async () => {
  await assertRejected(
    withBackend({ balancingMode: 'CONNECTION', maxConnectionsPerEndpoint: 10, maxRatePerEndpoint: 5 }),
    'backends[0].maxRatePerEndpoint',
    /requires balancingMode RATE \(this backend uses CONNECTION\)/,
  );
  await assertRejected(
    withBackend({ balancingMode: 'RATE', maxRate: 100, maxConnections: 10 }),
    'backends[0].maxConnections',
    /requires balancingMode CONNECTION/,
  );
  await assertRejected(
    withBackend({ balancingMode: 'UTILIZATION', maxRatePerEndpoint: 5 }),
    'backends[0].maxRatePerEndpoint',
    /requires balancingMode RATE/,
  );
  await assertRejected(
    withBackend({ balancingMode: 'RATE' }),
    'backends[0]',
    /RATE needs a target capacity: set maxRate or maxRatePerEndpoint/,
  );
  await assertRejected(
    withBackend({ balancingMode: 'CONNECTION' }),
    'backends[0]',
    /maxConnections or maxConnectionsPerEndpoint/,
  );
  await assertRejected(
    withBackend({ balancingMode: 'RATE', maxRate: 1, maxRatePerEndpoint: 1 }),
    'backends[0].maxRatePerEndpoint',
    /together with maxRate/,
  );
  await assertRejected(
    withBackend({ balancingMode: 'RATE', maxRatePerInstance: 5 }),
    'backends[0].maxRatePerInstance',
    /instance groups.*maxRatePerEndpoint/,
  );
  assert.deepEqual(await problems(withBackend({ balancingMode: 'UTILIZATION', maxUtilization: 0.8 })), []);
  // Exports print unused capacities as 0, and maxUtilization is a secondary cap with any mode.
  assert.deepEqual(
    await problems(
      withBackend({
        balancingMode: 'RATE',
        maxRatePerEndpoint: 5,
        maxUtilization: 0.8,
        maxConnections: 0,
        maxRatePerInstance: 0,
      }),
    ),
    [],
  );
  assert.deepEqual(
    await problems(withBackend({ balancingMode: 'CONNECTION', maxConnectionsPerEndpoint: 100 })),
    [],
  );
});

test('capacityScaler is 0 (drain) or between 0.1 and 1', async () => {
  await assertRejected(
    withBackend({ balancingMode: 'RATE', maxRate: 1, capacityScaler: 0.05 }),
    'backends[0].capacityScaler',
    /must be 0 \(drains the backend\) or between 0.1 and 1/,
  );
  await assertRejected(
    withBackend({ balancingMode: 'RATE', maxRate: 1, capacityScaler: 1.5 }),
    'backends[0].capacityScaler',
    /between 0.1 and 1/,
  );
  assert.deepEqual(await problems(withBackend({ balancingMode: 'RATE', maxRate: 1, capacityScaler: 0 })), []);
  assert.deepEqual(
    await problems(withBackend({ balancingMode: 'RATE', maxRate: 1, capacityScaler: 0.1 })),
    [],
  );
});

test('affinity settings need a consistent-hash policy and a matching sessionAffinity', async () => {
  await assertRejected(
    { ...base(), sessionAffinity: 'CLIENT_IP' },
    'sessionAffinity',
    /only takes effect with localityLbPolicy RING_HASH or MAGLEV \(is ROUND_ROBIN\)/,
  );
  assert.deepEqual(
    await problems({ ...base(), sessionAffinity: 'CLIENT_IP', localityLbPolicy: 'MAGLEV' }),
    [],
  );
  assert.deepEqual(
    await problems({
      ...base(),
      sessionAffinity: 'CLIENT_IP',
      localityLbPolicies: [{ customPolicy: { name: 'my.lb' } }, { policy: { name: 'RING_HASH' } }],
    }),
    [],
  );
  await assertRejected(
    { ...base(), localityLbPolicy: 'LEAST_REQUEST', consistentHash: { minimumRingSize: 1024 } },
    'consistentHash',
    /RING_HASH or MAGLEV \(is LEAST_REQUEST\)/,
  );
  await assertRejected(
    { ...base(), localityLbPolicy: 'RING_HASH', consistentHash: { httpHeaderName: 'x-user' } },
    'consistentHash.httpHeaderName',
    /requires sessionAffinity HEADER_FIELD \(is NONE\)/,
  );
  await assertRejected(
    { ...base(), localityLbPolicy: 'RING_HASH', sessionAffinity: 'HEADER_FIELD' },
    'consistentHash.httpHeaderName',
    /is required with sessionAffinity HEADER_FIELD/,
  );
  await assertRejected(
    {
      ...base(),
      localityLbPolicy: 'RING_HASH',
      sessionAffinity: 'GENERATED_COOKIE',
      consistentHash: { httpCookie: { name: 'c' } },
    },
    'consistentHash.httpCookie',
    /requires sessionAffinity HTTP_COOKIE/,
  );
  await assertRejected(
    { ...base(), affinityCookieTtlSec: 60 },
    'affinityCookieTtlSec',
    /GENERATED_COOKIE or HTTP_COOKIE/,
  );
  await assertRejected(
    { ...base(), consistentHash: { minimumRingSize: 10_000_000 } },
    'consistentHash.minimumRingSize',
    /8388608/,
  );
});

test('localityLbPolicies entries have exactly one of policy or customPolicy', async () => {
  await assertRejected(
    { ...base(), localityLbPolicies: [{ policy: { name: 'ROUND_ROBIN' }, customPolicy: { name: 'x' } }] },
    'localityLbPolicies[0]',
    /exactly one of policy or customPolicy/,
  );
  await assertRejected(
    { ...base(), localityLbPolicies: [{ policy: { name: 'ROUND_ROBIN' } }, {}] },
    'localityLbPolicies[1]',
    /exactly one/,
  );
  await assertRejected(
    { ...base(), localityLbPolicies: [{ policy: { name: 'FASTEST' } }] },
    'localityLbPolicies[0].policy.name',
    /ROUND_ROBIN/,
  );
});

test('outlierDetection and circuitBreakers values are range-checked', async () => {
  await assertRejected(
    { ...base(), outlierDetection: { maxEjectionPercent: 101 } },
    'outlierDetection.maxEjectionPercent',
    /100/,
  );
  await assertRejected(
    { ...base(), outlierDetection: { enforcingSuccessRate: -1 } },
    'outlierDetection.enforcingSuccessRate',
    /0/,
  );
  await assertRejected(
    { ...base(), outlierDetection: { interval: { seconds: 0 } } },
    'outlierDetection.interval',
    /longer than 0/,
  );
  await assertRejected(
    { ...base(), outlierDetection: { baseEjectionTime: { seconds: '1', nanos: 1e9 } } },
    'outlierDetection.baseEjectionTime.nanos',
    /999999999/,
  );
  await assertRejected(
    { ...base(), circuitBreakers: { maxRequests: -1 } },
    'circuitBreakers.maxRequests',
    />=0/,
  );
  await assertRejected(
    { ...base(), circuitBreakers: { maxRetries: 1.5 } },
    'circuitBreakers.maxRetries',
    /expected int/,
  );
  await assertRejected({ ...base(), timeoutSec: 0 }, 'timeoutSec', />=1/);
  await assertRejected(
    { ...base(), connectionDraining: { drainingTimeoutSec: 3601 } },
    'connectionDraining.drainingTimeoutSec',
    /3600/,
  );
});

test('proxyless gRPC limits: reported at the backend service field', async () => {
  const bs = backendServiceKind.schema.parse({
    name: 'envoy-only',
    protocol: 'HTTP',
    localityLbPolicy: 'MAGLEV',
    sessionAffinity: 'GENERATED_COOKIE',
    affinityCookieTtlSec: 60,
    timeoutSec: 10,
    consistentHash: { httpCookie: { name: 'sticky' } },
    circuitBreakers: { maxRequests: 100, maxConnections: 10, maxRetries: 3 },
    outlierDetection: { consecutiveErrors: 5 },
  });
  const issues = proxylessBackendServiceIssues(bs);
  assert.deepEqual(
    issues.map((i) => i.location),
    [
      'protocol',
      'localityLbPolicy',
      'sessionAffinity',
      'affinityCookieTtlSec',
      'timeoutSec',
      'consistentHash.httpCookie',
      'circuitBreakers.maxConnections',
      'circuitBreakers.maxRetries',
    ],
  );
  assertIssue(issues, 'protocol', /^must be GRPC for proxyless gRPC clients \(is HTTP\)$/);
  assertIssue(issues, 'localityLbPolicy', /use ROUND_ROBIN or RING_HASH \(is MAGLEV\)/);
  assertIssue(issues, 'sessionAffinity', /use NONE or HEADER_FIELD/);
  assertIssue(issues, 'timeoutSec', /use maxStreamDuration/);
  assertIssue(issues, 'circuitBreakers.maxConnections', /only enforces maxRequests/);

  const fit = backendServiceKind.schema.parse({
    name: 'grpc',
    protocol: 'GRPC',
    localityLbPolicy: 'ROUND_ROBIN',
    timeoutSec: 30,
    circuitBreakers: { maxRequests: 100 },
    outlierDetection: { interval: { seconds: 1 } },
    maxStreamDuration: { seconds: 5 },
  });
  assert.deepEqual(
    proxylessBackendServiceIssues(fit),
    [],
    'outlierDetection and maxRequests are fine for current gRPC',
  );
});
