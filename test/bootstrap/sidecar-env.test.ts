import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseSidecarEnv, SidecarEnvError } from '../../src/bootstrap/sidecar-env.js';

/** Traffic Director's shipped sidecar.env, filled in, plus Vane's additions. */
const TD_FILE = `# Envoy user
ENVOY_USER=envoy
# Exclude the proxy user from redirection so that traffic doesn't loop back to the proxy
EXCLUDE_ENVOY_USER_FROM_INTERCEPT='true'
# Intercept all traffic by default
SERVICE_CIDR='*'
GCP_PROJECT_NUMBER='123456789012'
VPC_NETWORK_NAME="prod-net"
ENVOY_PORT='15001'
ENVOY_ADMIN_PORT='15000'
LOG_DIR='/var/log/envoy/'
LOG_LEVEL='info'
XDS_SERVER_CERT='/etc/ssl/certs/ca-certificates.crt'
TRACING_ENABLED='false'
ACCESSLOG_PATH=''

export VANE_XDS_ADDRESS=vane.internal:15010   # Vane's additions
ZONE=us-central1-a
SERVING_PORTS='8080;80'
INSTANCE_IP=10.0.0.7
`;

function problemsOf(text: string): string[] {
  try {
    parseSidecarEnv(text, 'node.env');
  } catch (err) {
    assert.ok(err instanceof SidecarEnvError, String(err));
    return [...err.problems];
  }
  assert.fail('expected the file to be refused');
}

describe('sidecar.env', () => {
  test("Traffic Director's file: quotes, comments, export, empty values unset", () => {
    const { env, warnings, sources } = parseSidecarEnv(TD_FILE);
    assert.deepEqual(env, {
      envoyUser: 'envoy',
      excludeEnvoyUserFromIntercept: true,
      serviceCidr: ['*'],
      gcpProjectNumber: '123456789012',
      vpcNetworkName: 'prod-net',
      envoyPort: 15001,
      envoyAdminPort: 15000,
      logDir: '/var/log/envoy/',
      logLevel: 'info',
      xdsServerCert: '/etc/ssl/certs/ca-certificates.crt',
      tracingEnabled: false,
      xdsServerUri: 'vane.internal:15010',
      zone: 'us-central1-a',
      servingPorts: [80, 8080],
      instanceIp: '10.0.0.7',
    });
    assert.deepEqual(warnings, []);
    assert.equal(sources.gcpProjectNumber, 'sidecar.env:7: GCP_PROJECT_NUMBER');
  });

  test('every problem names the file, line and variable', () => {
    const problems = problemsOf(
      [
        'ENVOY_USER=envoy',
        '',
        '# the project',
        "GCP_PROJECT_NUMBER='my-project'",
        'ENVOY_PORT=99999',
        'TRACING_ENABLED=yes',
        'SERVICE_CIDR=10.0.0.0/33',
        'this is not an assignment',
        'VANE_XDS_ADDRESS=vane.internal',
        'INSTANCE_IP=10.0.0',
      ].join('\n'),
    );
    assert.deepEqual(problems, [
      "node.env:4: GCP_PROJECT_NUMBER must be a project number (digits), got 'my-project'",
      "node.env:5: ENVOY_PORT must be a port number (1-65535), got '99999'",
      "node.env:6: TRACING_ENABLED must be true or false, got 'yes'",
      "node.env:7: SERVICE_CIDR must be '*' or CIDRs such as 10.0.0.0/8, got '10.0.0.0/33'",
      "node.env:8: expected KEY=value, got 'this is not an assignment'",
      "node.env:9: VANE_XDS_ADDRESS xDS server URI 'vane.internal' is not host:port (e.g. 10.0.0.5:15010 or vane.internal:15010)",
      "node.env:10: INSTANCE_IP must be an IP address, got '10.0.0'",
    ]);
  });

  test('shell syntax the file cannot use is refused with its line', () => {
    assert.deepEqual(problemsOf("A=1\nLOG_DIR='/var/log"), [
      'node.env:2: LOG_DIR: has an unterminated single quote',
    ]);
    assert.deepEqual(problemsOf('LOG_DIR=/var/log envoy'), [
      "node.env:1: LOG_DIR: has unquoted whitespace before 'envoy': quote the value",
    ]);
    assert.deepEqual(problemsOf('ENVOY_USER=$(whoami)'), [
      'node.env:1: ENVOY_USER: uses command substitution, which is not supported',
    ]);
    assert.deepEqual(problemsOf('LOG_DIR=$BASE/envoy'), [
      'node.env:1: LOG_DIR: refers to $BASE, which is not set earlier in the file',
    ]);
  });

  test('earlier variables expand outside single quotes; a later line wins; an empty one unsets', () => {
    const { env, sources } = parseSidecarEnv(
      [
        'BASE=/srv',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax under test
        'LOG_DIR="${BASE}/logs"',
        "ACCESSLOG_PATH='$BASE/access.log'",
        'ENVOY_PORT=15001',
        'ENVOY_PORT=15002 # later wins',
        'ZONE=us-east1-b',
        'ZONE=',
        'ENVOY_USER=a\\ b',
      ].join('\r\n'),
      '/etc/vane/sidecar.env',
    );
    assert.equal(env.logDir, '/srv/logs');
    assert.equal(env.accessLogPath, '$BASE/access.log');
    assert.equal(env.envoyPort, 15002);
    assert.equal(sources.envoyPort, '/etc/vane/sidecar.env:5: ENVOY_PORT');
    assert.equal(env.zone, undefined);
    assert.equal(env.envoyUser, 'a b');
  });

  test('unknown variables are warnings, not errors', () => {
    const { env, warnings } = parseSidecarEnv('GCP_PROJECT_NUMBER=1\nENVOY_PROT=15001\n', 'x.env');
    assert.deepEqual(env, { gcpProjectNumber: '1' });
    assert.deepEqual(warnings, ['x.env:2: unknown variable ENVOY_PROT is ignored']);
  });
});
