// `vane bootstrap envoy|grpc` as a user runs them: offline, no server.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { validateEnvoyBootstrap } from '../../src/bootstrap/envoy.js';
import { runCli, tempDir } from '../cli/run.js';

// biome-ignore lint/suspicious/noExplicitAny: tests reach into nested bootstrap JSON
type Json = Record<string, any>;

const SIDECAR_ENV = `GCP_PROJECT_NUMBER='111111111111'
VPC_NETWORK_NAME='net-a'
ENVOY_PORT='15001'
ENVOY_ADMIN_PORT='15000'
TRACING_ENABLED='true'
ACCESSLOG_PATH='/var/log/envoy/access.log'
VANE_XDS_ADDRESS=10.0.0.5:15010
ZONE=us-central1-a
SERVING_PORTS=80
NO_SUCH_SETTING=1
`;

describe('vane bootstrap envoy', () => {
  test('flags override sidecar.env; the file is written atomically, its format from the name', async () => {
    const dir = tempDir({ 'sidecar.env': SIDECAR_ENV });
    const out = join(dir, 'envoy.json');
    const r = await runCli([
      'bootstrap',
      'envoy',
      '--sidecar-env',
      join(dir, 'sidecar.env'),
      '--gcp-project-number',
      '222222222222',
      '--no-tracing',
      '--zone',
      'europe-west1-b',
      '--admin-port',
      '19000',
      '--node-uuid',
      'node-1',
      '--label',
      'track=canary',
      '--output',
      out,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /sidecar\.env:10: unknown variable NO_SUCH_SETTING is ignored/);
    assert.deepEqual(readdirSync(dir).sort(), ['envoy.json', 'sidecar.env']);
    const b = JSON.parse(readFileSync(out, 'utf8')) as Json;
    assert.deepEqual(validateEnvoyBootstrap(b), []);
    assert.equal(b.node.id, 'projects/222222222222/networks/net-a/nodes/node-1');
    assert.deepEqual(b.node.locality, { region: 'europe-west1', zone: 'europe-west1-b' });
    assert.deepEqual(b.node.metadata, {
      track: 'canary',
      TRAFFICDIRECTOR_NETWORK_NAME: 'net-a',
      TRAFFICDIRECTOR_GCP_PROJECT_NUMBER: '222222222222',
      TRAFFICDIRECTOR_INTERCEPTION_PORT: '15001',
      TRAFFICDIRECTOR_INBOUND_INTERCEPTION_PORT: '15006',
      TRAFFICDIRECTOR_INBOUND_BACKEND_PORTS: '80',
      TRAFFICDIRECTOR_ACCESS_LOG_PATH: '/var/log/envoy/access.log',
      TRAFFICDIRECTOR_ENABLE_TRACING: 'false',
    });
    assert.equal(b.admin.address.socket_address.port_value, 19000);
    assert.equal(
      b.static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address
        .socket_address.address,
      '10.0.0.5',
    );
  });

  test('flags alone, YAML on stdout, a fresh node UUID each time', async () => {
    const args = [
      'bootstrap',
      'envoy',
      '--xds-server-uri',
      'vane.internal:15010',
      '--gcp-project-number',
      '42',
    ];
    const [a, b] = await Promise.all([runCli(args), runCli(args)]);
    assert.equal(a.code, 0, a.stderr);
    assert.match(a.stderr, /no zone \(--zone or ZONE\)/);
    const first = parse(a.stdout) as Json;
    const second = parse(b.stdout) as Json;
    assert.deepEqual(validateEnvoyBootstrap(first), []);
    assert.match(first.node.id, /^projects\/42\/networks\/default\/nodes\/[0-9a-f-]{36}$/);
    assert.notEqual(first.node.id, second.node.id);
    assert.equal(first.static_resources.clusters[0].type, 'STRICT_DNS');
  });

  test('a bad sidecar.env is refused with its line and variable', async () => {
    const dir = tempDir({
      'sidecar.env': "ENVOY_USER=envoy\n\nVPC_NETWORK_NAME=default\nGCP_PROJECT_NUMBER='my-project'\n",
    });
    const env = join(dir, 'sidecar.env');
    const r = await runCli([
      'bootstrap',
      'envoy',
      '--sidecar-env',
      env,
      '--xds-server-uri',
      '10.0.0.5:15010',
    ]);
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      `error: ${env}:4: GCP_PROJECT_NUMBER must be a project number (digits), got 'my-project'\n`,
    );
  });

  test('missing and invalid inputs name the flag and the sidecar.env variable', async () => {
    const noProject = await runCli(['bootstrap', 'envoy', '--xds-server-uri', '10.0.0.5:15010']);
    assert.equal(noProject.code, 2);
    assert.match(
      noProject.stderr,
      /the project number is required: give --gcp-project-number or set GCP_PROJECT_NUMBER/,
    );
    const noServer = await runCli(['bootstrap', 'envoy', '--gcp-project-number', '1']);
    assert.equal(noServer.code, 2);
    assert.match(noServer.stderr, /give --xds-server-uri or set VANE_XDS_ADDRESS/);
    const badPort = await runCli(['bootstrap', 'envoy', '--gcp-project-number', '1', '--envoy-port', 'x']);
    assert.equal(badPort.code, 2);
    assert.match(badPort.stderr, /option '--envoy-port <port>' argument 'x' is invalid/);
    const clash = await runCli([
      'bootstrap',
      'envoy',
      '--gcp-project-number',
      '1',
      '--xds-server-uri',
      '10.0.0.5:15010',
      '--admin-port',
      '15001',
    ]);
    assert.equal(clash.code, 2);
    assert.match(clash.stderr, /ports must differ: --envoy-port 15001 \(ENVOY_PORT\), --admin-port 15001/);
    const label = await runCli(['bootstrap', 'envoy', '--label', 'TRAFFICDIRECTOR_NETWORK_NAME=x']);
    assert.equal(label.code, 2);
    assert.match(label.stderr, /TRAFFICDIRECTOR_NETWORK_NAME is set by its own flag, not by --label/);
  });
});

describe('vane bootstrap grpc', () => {
  test("--output FILE writes the file, although the program's -o/--output takes a format", async () => {
    const dir = tempDir();
    const out = join(dir, 'td-grpc-bootstrap.json');
    const r = await runCli([
      'bootstrap',
      'grpc',
      '--xds-server-uri',
      '127.0.0.1:15010',
      '--gcp-project-number',
      '123',
      '--vpc-network-name',
      'net-b',
      '--locality-zone',
      'us-central1-a',
      '--node-metadata',
      'track=canary',
      '--node-metadata',
      'INSTANCE_IP=10.0.0.9',
      '--ignore-resource-deletion-experimental',
      '--output',
      out,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    const b = JSON.parse(readFileSync(out, 'utf8')) as Json;
    assert.match(b.node.id, /^projects\/123\/networks\/net-b\/nodes\/[0-9a-f-]{36}$/);
    assert.deepEqual(b.node.metadata, {
      track: 'canary',
      INSTANCE_IP: '10.0.0.9',
      TRAFFICDIRECTOR_NETWORK_NAME: 'net-b',
      TRAFFICDIRECTOR_GCP_PROJECT_NUMBER: '123',
    });
    assert.deepEqual(b.xds_servers[0].server_features, ['xds_v3', 'ignore_resource_deletion']);
    assert.deepEqual(readdirSync(dir), ['td-grpc-bootstrap.json']);
  });

  test('stdout by default; missing flags are named', async () => {
    const r = await runCli([
      'bootstrap',
      'grpc',
      '--xds-server-uri',
      'vane:15010',
      '--gcp-project-number',
      '7',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as Json).xds_servers[0].server_uri, 'vane:15010');
    const missing = await runCli(['bootstrap', 'grpc', '--gcp-project-number', '7']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /Vane's xDS address is required: give --xds-server-uri\n/);
    const badZone = await runCli(['bootstrap', 'grpc', '--locality-zone', 'Not A Zone']);
    assert.equal(badZone.code, 2);
    assert.match(badZone.stderr, /option '--locality-zone <zone>' argument 'Not A Zone' is invalid/);
  });

  test('other commands still refuse an -o/--output that is not a format', async () => {
    for (const args of [
      ['list', 'backendServices', '--project', 'p', '-o', 'out.json'],
      ['--output', 'xml', 'projects', 'list'],
    ]) {
      const r = await runCli(args, { env: { VANE_SERVER: 'http://127.0.0.1:9' } });
      assert.equal(r.code, 2, args.join(' '));
      assert.match(
        r.stderr,
        /option '-o, --output <format>' argument '(out\.json|xml)' is invalid\. Allowed choices are json, yaml, table\./,
      );
    }
  });
});
