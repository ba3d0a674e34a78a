// `vane doctor --csds`: a real grpc-js-xds client's own CSDS, read over its admin server.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Finding } from '../../../src/doctor/finding.js';
import { runCli } from '../../cli/run.js';
import { startVane, type TestServer } from '../../helpers/server.js';
import { createMesh, ZONE_A } from '../../helpers/td-setup.js';
import { XdsClient } from '../../helpers/xds-client.js';

let vane: TestServer;
let number: string;
const clients: XdsClient[] = [];
let lost: Promise<XdsClient>;

before(async () => {
  vane = await startVane();
  await createMesh(vane, 'csds');
  number = String((await vane.api('GET', '/v1/projects/csds')).body.projectNumber);
  // Started first: a SotW client learns that a listener does not exist only when its 15 s
  // timer fires, which then runs alongside the other test.
  lost = client('nowhere.example.com:8080');
  lost.catch(() => {}); // reported by the test that awaits it
});

after(async () => {
  for (const c of clients) await c.stop();
  await vane?.stop();
});

async function client(target: string): Promise<XdsClient> {
  const c = new XdsClient({ xdsAddress: vane.xdsAddress, target, projectNumber: number, zone: ZONE_A });
  clients.push(c);
  // The first RPC result means the channel resolved (or failed to) through Vane.
  await c.take(1);
  assert.ok(c.adminPort !== undefined);
  return c;
}

async function doctor(c: XdsClient): Promise<Finding[]> {
  const r = await runCli([
    'doctor',
    '--mode',
    'grpc',
    '--no-probe',
    '--csds',
    `127.0.0.1:${c.adminPort}`,
    '--json',
  ]);
  assert.ok(r.code === 0 || r.code === 1, r.stderr);
  return (JSON.parse(r.stdout) as { findings: Finding[] }).findings;
}

test('a client that resolved its target: nothing wrong in its CSDS', async () => {
  const c = await client('wallet.example.com');
  const findings = await doctor(c);
  assert.deepEqual(
    findings.filter((f) => f.severity === 'error'),
    [],
  );
  assert.equal(
    findings.some((f) => f.code === 'PROXYLESS_HOST_WITHOUT_RULE' || f.code === 'PROXY_CONFIG_REJECTED'),
    false,
  );
});

test('a client dialing a host no rule serves: its CSDS says the listener does not exist', async () => {
  const c = await lost;
  const deadline = Date.now() + 40_000;
  let findings = await doctor(c);
  while (!findings.some((x) => x.code === 'PROXYLESS_HOST_WITHOUT_RULE')) {
    assert.ok(Date.now() < deadline, JSON.stringify(findings));
    await new Promise((r) => setTimeout(r, 1000));
    findings = await doctor(c);
  }
  const f = findings.find((x) => x.code === 'PROXYLESS_HOST_WITHOUT_RULE')!;
  assert.equal(f.subject, 'nowhere.example.com:8080');
});
