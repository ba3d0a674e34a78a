// Active health checking end to end: Vane probes real backends, health flows into EDS, a real
// grpc-js-xds client follows it, and at 99 % unhealthy the service fails open.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { type Backend, startBackend } from '../helpers/backends.js';
import { FAST_TCP_HEALTH_CHECK, routeTo } from '../helpers/routing-docs.js';
import { startVane, type TestServer, VANE_BIN } from '../helpers/server.js';
import { XdsClient } from '../helpers/xds-client.js';

const run = promisify(execFile);
const ZONE = 'us-central1-a';
let vane: TestServer;
let backends: Backend[];
let client: XdsClient | undefined;

before(async () => {
  vane = await startVane();
  backends = [await startBackend('h-a'), await startBackend('h-b')];
});

after(async () => {
  await client?.stop();
  await Promise.all(backends.map((b) => b.stop()));
  await vane.stop();
});

type Health = {
  failOpen: boolean;
  endpoints: { port: number; state: string; effective: string; why?: string }[];
};

async function health(): Promise<Health> {
  return (await vane.api('GET', '/v1/projects/hc/backendServices/svc/health')).body as unknown as Health;
}

async function waitFor(what: string, predicate: (h: Health) => boolean, timeoutMs = 15_000): Promise<Health> {
  const deadline = Date.now() + timeoutMs;
  let last: Health | undefined;
  while (Date.now() < deadline) {
    last = await health();
    if (predicate(last)) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}: ${JSON.stringify(last)}`);
}

test('health drives EDS: an unhealthy backend stops receiving traffic, all down fails open', async () => {
  const created = await vane.api('POST', '/v1/projects', { projectId: 'hc' });
  assert.equal(created.status, 200);
  const resources = [
    FAST_TCP_HEALTH_CHECK,
    {
      kind: 'networkEndpointGroup',
      name: 'neg',
      zone: ZONE,
      networkEndpoints: backends.map((b) => ({ ipAddress: '127.0.0.1', port: b.port })),
    },
    {
      kind: 'backendService',
      name: 'svc',
      protocol: 'GRPC',
      healthChecks: ['global/healthChecks/tcp'],
      backends: [
        { group: `zones/${ZONE}/networkEndpointGroups/neg`, balancingMode: 'RATE', maxRatePerEndpoint: 100 },
      ],
    },
    ...routeTo('svc', 'health.test'),
  ];
  assert.equal((await vane.api('POST', '/v1/projects/hc/apply', { resources })).status, 200);

  await waitFor(
    'both healthy',
    (h) => h.endpoints.length === 2 && h.endpoints.every((e) => e.state === 'HEALTHY'),
  );
  const gcp = await vane.api('POST', '/compute/v1/projects/hc/global/backendServices/svc/getHealth', {
    group: `zones/${ZONE}/networkEndpointGroups/neg`,
  });
  assert.deepEqual(
    (gcp.body.healthStatus as { healthState: string }[]).map((s) => s.healthState),
    ['HEALTHY', 'HEALTHY'],
  );

  client = new XdsClient({
    xdsAddress: vane.xdsAddress,
    target: 'health.test:8000',
    projectNumber: String(created.body.projectNumber),
    zone: ZONE,
  });
  await client.until((r) => r.backend === 'h-a', { streak: 1 });
  await client.until((r) => r.backend === 'h-b', { streak: 1 });

  await backends[1]!.stop();
  await waitFor(
    'h-b unhealthy',
    (h) => h.endpoints.find((e) => e.port === backends[1]!.port)?.state === 'UNHEALTHY',
  );
  await client.until((r) => r.backend === 'h-a', { streak: 30 });

  const { stdout } = await run(process.execPath, [VANE_BIN, 'health', 'svc', '--project', 'hc'], {
    env: { ...process.env, VANE_SERVER: vane.url, VANE_TOKEN: vane.adminToken },
  });
  assert.match(stdout, /UNHEALTHY/);
  assert.match(stdout, /HEALTHY/);

  await backends[0]!.stop();
  const open = await waitFor('fail-open', (h) => h.failOpen);
  assert.ok(
    open.endpoints.every(
      (e) => e.state === 'UNHEALTHY' && e.effective === 'UNKNOWN' && e.why?.startsWith('fail-open'),
    ),
    JSON.stringify(open),
  );

  const metrics = await fetch(`${vane.url}/metrics`).then((r) => r.text());
  assert.match(metrics, /^vane_health_transitions_total [1-9]/m);
  assert.match(metrics, /^vane_health_probes_total\{protocol="TCP",result="success"\} [1-9]/m);
  assert.match(metrics, /^vane_backend_service_fail_open\{project="hc",service="svc"\} 1$/m);
});
