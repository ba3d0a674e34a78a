// `vane doctor` on proxyless gRPC nodes whose bootstraps (written by `vane bootstrap grpc`) are
// wrong in the ways the guide lists, against a live `vane serve`: the xDS probe reproduces
// what the client would see. Vane's xDS server does not check tokens (src/xds/server.ts
// authenticates no stream), so there is no "token without the proxy role" case here.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { API, addService, assertFirstError, PROJECT, type Site, startSite, XDS } from './site.js';

describe('vane doctor: a proxyless node reaching Vane', () => {
  let site: Site;
  let n = 0;

  before(async () => {
    site = await startSite('vane-doc-xds');
    await addService(site.vane, 'greeter', '10.0.0.1', 50051, 'default');
  });
  after(async () => {
    await site?.close();
  });

  /** `vane bootstrap grpc` with these flags, then doctor on it with Vane's API. */
  const diagnose = async (flags: string[], extra: string[] = []) => {
    const file = join(site.dir, `grpc-${++n}.json`);
    const made = await site.vaneCli([
      'bootstrap',
      'grpc',
      '--node-uuid',
      `node-${n}`,
      '--output',
      file,
      ...flags,
    ]);
    assert.equal(made.code, 0, made.stderr);
    return site.doctor([
      '--bootstrap',
      file,
      '--server',
      API,
      '--token',
      site.vane.adminToken,
      '--project',
      PROJECT,
      ...extra,
    ]);
  };

  test('a correct bootstrap: the probe gets configuration, no errors', async () => {
    const run = await diagnose(['--xds-server-uri', XDS, '--gcp-project-number', site.projectNumber]);
    assert.deepEqual(
      run.report.findings.filter((f) => f.severity === 'error'),
      [],
      JSON.stringify(run.report, null, 2),
    );
    assert.equal(run.code, 0);
  });

  test('the wrong network, seen by the probe alone: CONFIG_NOT_FOUND_FOR_NETWORK', async () => {
    const file = join(site.dir, 'wrong-network.json');
    const made = await site.vaneCli([
      'bootstrap',
      'grpc',
      '--output',
      file,
      '--xds-server-uri',
      XDS,
      '--gcp-project-number',
      site.projectNumber,
      '--vpc-network-name',
      'prod-vpc',
    ]);
    assert.equal(made.code, 0, made.stderr);
    // No API: only the stream's NOT_FOUND tells what is wrong.
    const run = await site.doctor(['--bootstrap', file]);
    const first = assertFirstError(run, 'CONFIG_NOT_FOUND_FOR_NETWORK');
    assert.match(JSON.stringify(first), /prod-vpc/);
  });

  test("the wrong network, with Vane's API: BOOTSTRAP_NETWORK_MISMATCH names the right one", async () => {
    const run = await diagnose([
      '--xds-server-uri',
      XDS,
      '--gcp-project-number',
      site.projectNumber,
      '--vpc-network-name',
      'prod-vpc',
    ]);
    const first = assertFirstError(run, 'BOOTSTRAP_NETWORK_MISMATCH');
    assert.match(first.summary, /prod-vpc/);
    assert.match(first.fix, /default/, 'names the network the forwarding rules are in');
    assert.match(first.evidence.join('\n'), /not found for network "prod-vpc"/, 'the probe saw the refusal');
  });

  test('a project number Vane does not know: the stream is refused with NOT_FOUND', async () => {
    const run = await diagnose(['--xds-server-uri', XDS, '--gcp-project-number', '999999999999']);
    const first = run.report.findings[0];
    assert.ok(
      first?.code === 'REQUESTED_ENTITY_NOT_FOUND' || first?.code === 'PROJECT_NOT_ENABLED',
      JSON.stringify(run.report, null, 2),
    );
    assert.equal(first.severity, 'error');
    assert.match(first.fix, /project/);
    assert.equal(run.code, 1);
  });

  test('nothing listens at the xDS address: XDS_UNREACHABLE', async () => {
    const run = await diagnose([
      '--xds-server-uri',
      '127.0.0.1:15999',
      '--gcp-project-number',
      site.projectNumber,
    ]);
    const first = assertFirstError(run, 'XDS_UNREACHABLE');
    assert.match(JSON.stringify(first), /127\.0\.0\.1:15999/);
  });

  test('a host name that does not resolve: XDS_DNS_FAILURE', async () => {
    const run = await diagnose([
      '--xds-server-uri',
      'vane-xds.invalid:15010',
      '--gcp-project-number',
      site.projectNumber,
    ]);
    const first = assertFirstError(run, 'XDS_DNS_FAILURE');
    assert.match(JSON.stringify(first), /vane-xds\.invalid/);
  });
});
