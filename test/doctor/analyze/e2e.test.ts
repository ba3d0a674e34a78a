// `vane analyze` against a real `vane serve`: a healthy mesh with a real grpc-js-xds client
// has no findings; then a client with the wrong network, NACKs sent on purpose, backends
// that stop (health checks fail open) and a stuck agent each show up, traced to their cause.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import type { Finding } from '../../../src/doctor/finding.js';
import { TYPE_URL } from '../../../src/xds/types.js';
import { Z } from '../../helpers/api-suite.js';
import { type Backend, startBackend } from '../../helpers/backends.js';
import { FAST_TCP_HEALTH_CHECK, routeTo } from '../../helpers/routing-docs.js';
import { startVane, type TestServer, VANE_BIN } from '../../helpers/server.js';
import { XdsClient } from '../../helpers/xds-client.js';
import { RawXdsClient } from '../../xds/helpers/raw-client.js';

const execFileP = promisify(execFile);
const ZONE = 'us-central1-a';
let vane: TestServer;
let backends: Backend[];
let number: string;
const clients: XdsClient[] = [];
let raw: RawXdsClient | undefined;

before(async () => {
  vane = await startVane();
  backends = [await startBackend('an-a'), await startBackend('an-b')];
  const created = await vane.api('POST', '/v1/projects', { projectId: 'an' });
  assert.equal(created.status, 200);
  number = String(created.body.projectNumber);
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
      backends: [{ group: `zones/${ZONE}/networkEndpointGroups/neg` }],
    },
    ...routeTo('svc', 'an.test'),
  ];
  const applied = await vane.api('POST', '/v1/projects/an/apply', { resources });
  assert.equal(applied.status, 200, JSON.stringify(applied.body));
});

after(async () => {
  raw?.close();
  await Promise.all(clients.map((c) => c.stop()));
  await Promise.all(backends.map((b) => b.stop()));
  await vane.stop();
});

async function analysis(): Promise<Finding[]> {
  const res = await vane.api('GET', '/v1/projects/an/analysis');
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.kind, 'vane#analysis');
  assert.ok(!Number.isNaN(Date.parse(String(res.body.analyzedAt))));
  return res.body.findings as Finding[];
}

async function until(
  what: string,
  predicate: (f: Finding[]) => boolean,
  timeoutMs = 15_000,
): Promise<Finding[]> {
  const deadline = Date.now() + timeoutMs;
  let last: Finding[] = [];
  while (Date.now() < deadline) {
    last = await analysis();
    if (predicate(last)) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}: ${JSON.stringify(last, null, 2)}`);
}

async function cli(...args: string[]): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await execFileP(process.execPath, [VANE_BIN, 'analyze', '--project', 'an', ...args], {
      env: { ...process.env, VANE_SERVER: vane.url, VANE_TOKEN: vane.adminToken },
    });
    return { code: 0, stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, stdout: e.stdout };
  }
}

const codes = (findings: Finding[]) => findings.map((f) => f.code);

test('a healthy mesh with a connected proxyless client has no findings; the CLI exits 0', async () => {
  const healthy = async () => {
    const h = (await vane.api('GET', '/v1/projects/an/backendServices/svc/health')).body as {
      endpoints: { state: string }[];
    };
    return h.endpoints.length === 2 && h.endpoints.every((e) => e.state === 'HEALTHY');
  };
  const deadline = Date.now() + 15_000;
  while (!(await healthy())) {
    assert.ok(Date.now() < deadline, 'endpoints did not become healthy');
    await new Promise((r) => setTimeout(r, 200));
  }
  const client = new XdsClient({
    xdsAddress: vane.xdsAddress,
    target: 'an.test:8000',
    projectNumber: number,
    zone: ZONE,
  });
  clients.push(client);
  await client.until((r) => r.backend !== undefined, { streak: 3 });

  assert.deepEqual(await analysis(), []);
  const { code, stdout } = await cli();
  assert.equal(code, 0);
  assert.equal(stdout, "no findings for project 'an'\n");
});

test('a real grpc-js-xds client with a wrong network name: CONFIG_NOT_FOUND_FOR_NETWORK lists it', async () => {
  const wrong = new XdsClient({
    xdsAddress: vane.xdsAddress,
    target: 'an.test:8000',
    projectNumber: number,
    network: 'prod',
    zone: ZONE,
  });
  clients.push(wrong);
  const findings = await until('the refused client', (f) =>
    codes(f).includes('CONFIG_NOT_FOUND_FOR_NETWORK'),
  );
  const [found] = findings.filter((f) => f.code === 'CONFIG_NOT_FOUND_FOR_NETWORK');
  assert.equal(found!.subject, 'networks/prod');
  assert.equal(found!.severity, 'error');
  assert.match(found!.summary, /^1 proxy asks for network "prod"/);
  const nodeLine = new RegExp(`^refused .*: projects/${number}/networks/prod/nodes/[0-9a-f]+ \\(NOT_FOUND: `);
  assert.ok(
    found!.evidence.some((e) => nodeLine.test(e)),
    found!.evidence.join('\n'),
  );
  assert.ok(found!.evidence.includes('network "prod" does not exist in the project'));
  assert.ok(found!.evidence.includes('networks with mesh forwarding rules: default (rule)'));
  assert.match(found!.fix, /one of: default/);
  await wrong.stop();
});

test('NACKs sent on purpose map back to the backend service and the URL map; the CLI exits 1', async () => {
  raw = new RawXdsClient(Number(vane.xdsAddress.split(':')[1]));
  const nodeId = `projects/${number}/networks/default/nodes/nacker`;
  const stream = raw.sotw();
  const node = { id: nodeId, locality: { zone: ZONE } };
  stream.send({ node, typeUrl: TYPE_URL.cluster });
  const cds = await stream.next(5000);
  assert.equal(cds.resources.length, 1);
  stream.send({
    typeUrl: TYPE_URL.cluster,
    responseNonce: cds.nonce,
    errorDetail: { code: 3, message: 'cluster svc: rejected on purpose' },
  });
  const rds = `URL_MAP/${number}_map`;
  stream.send({ typeUrl: TYPE_URL.route, resourceNames: [rds] });
  const routes = await stream.next(5000);
  assert.equal(routes.resources.length, 1);
  stream.send({
    typeUrl: TYPE_URL.route,
    resourceNames: [rds],
    responseNonce: routes.nonce,
    errorDetail: { code: 3, message: 'bad route' },
  });

  const findings = await until('two NACKs', (f) => f.filter((x) => x.code === 'PROXY_NACKED').length === 2);
  const nacks = findings.filter((f) => f.code === 'PROXY_NACKED');
  assert.deepEqual(
    nacks.map((f) => f.subject),
    ['projects/an/global/backendServices/svc', 'projects/an/global/urlMaps/map'],
  );
  assert.equal(nacks[0]!.summary, `proxy ${nodeId} rejected CDS svc (from backendServices/svc)`);
  assert.ok(nacks[0]!.evidence.includes('proxy message: cluster svc: rejected on purpose'));
  assert.ok(nacks[1]!.evidence.includes(`${rds} ← projects/an/global/urlMaps/map`));

  const human = await cli();
  assert.equal(human.code, 1);
  assert.match(
    human.stdout,
    /^PROXY_NACKED \(error\) — proxy projects\/\d+\/networks\/default\/nodes\/nacker rejected CDS svc/m,
  );
  assert.match(human.stdout, /^ {4}proxy message: cluster svc: rejected on purpose$/m);
  assert.match(human.stdout, /^ {2}fix: fix backendServices\/svc as the proxy message says/m);
  assert.match(human.stdout, /\d+ findings for project 'an': \d+ error\(s\)/);
  const json = await cli('--json');
  assert.equal(json.code, 1);
  const body = JSON.parse(json.stdout) as { findings: Finding[] };
  assert.equal(body.findings[0]!.severity, 'error');
  assert.ok(codes(body.findings).includes('PROXY_NACKED'));
  stream.cancel();
  await until('the NACKing proxy gone', (f) => !codes(f).includes('PROXY_NACKED'));
});

test('backends that stop: health checks fail, and FAIL_OPEN_ACTIVE names the counts', async () => {
  assert.ok(!codes(await analysis()).includes('FAIL_OPEN_ACTIVE'));
  await Promise.all(backends.map((b) => b.stop()));
  const findings = await until('fail-open', (f) => codes(f).includes('FAIL_OPEN_ACTIVE'));
  const [open] = findings.filter((f) => f.code === 'FAIL_OPEN_ACTIVE');
  assert.equal(open!.subject, 'projects/an/global/backendServices/svc');
  assert.match(open!.summary, /^2 of 2 endpoints of backendServices\/svc are unhealthy/);
  assert.equal(open!.evidence.filter((e) => e.endsWith(' UNHEALTHY')).length, 2);
});

test('an agent whose heartbeat is old is stuck; one that just reported is not', async () => {
  const at = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();
  for (const [name, heartbeat] of [
    ['stuck-vm', at(10 * 60_000)],
    ['fresh-vm', at(1000)],
  ] as const) {
    const instance = await vane.api('POST', Z('an', ZONE, 'instances'), {
      name,
      networkIP: '10.0.0.7',
      metadata: { items: [{ key: 'gce-service-proxy', value: '{}' }] },
    });
    assert.equal(instance.status, 200, JSON.stringify(instance.body));
    const set = await vane.api('POST', `${Z('an', ZONE, 'instances', name)}/setGuestAttributes`, {
      items: [
        { namespace: 'gce-service-proxy', key: 'bootstrap-status', value: 'FINISHED' },
        { namespace: 'gce-service-proxy', key: 'agent-heartbeat', value: heartbeat },
      ],
    });
    assert.equal(set.status, 200, JSON.stringify(set.body));
  }
  const findings = await analysis();
  const agents = findings.filter((f) => f.subject?.includes('/instances/'));
  assert.deepEqual(
    agents.map((f) => [f.code, f.subject]),
    [['AGENT_STUCK', `projects/an/zones/${ZONE}/instances/stuck-vm`]],
  );
  assert.match(agents[0]!.summary, /^stuck-vm: the agent's last heartbeat was 10 min ago/);
});
