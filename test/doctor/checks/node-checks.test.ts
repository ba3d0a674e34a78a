// runNodeChecks over a healthy node built from Vane's own output, then one thing broken at a time.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runNodeChecks } from '../../../src/doctor/checks/index.js';
import type { NodeEvidence } from '../../../src/doctor/evidence.js';
import type { Finding } from '../../../src/doctor/finding.js';
import { AT, bootstrap, fixture, healthy, iptables } from './healthy.js';

const codes = (e: NodeEvidence) => runNodeChecks(e).map((f) => f.code);
const only = (e: NodeEvidence, code: Finding['code']) => {
  const fs = runNodeChecks(e).filter((f) => f.code === code);
  assert.equal(fs.length > 0, true, `expected ${code} in ${JSON.stringify(codes(e))}`);
  return fs[0]!;
};

describe('runNodeChecks: a healthy sidecar', () => {
  it('reports nothing', () => assert.deepEqual(runNodeChecks(healthy()), []));
});

describe('connection', () => {
  it('DNS failure stops at DNS', () => {
    const e = healthy();
    e.xdsProbe = {
      address: 'vane.internal:15010',
      dns: { ok: false, error: 'getaddrinfo ENOTFOUND vane.internal' },
    };
    e.controlPlane!.proxy!.connected = false;
    const f = only(e, 'XDS_DNS_FAILURE');
    assert.match(f.summary, /vane\.internal/);
    assert.equal(codes(e).includes('XDS_UNREACHABLE'), false);
  });
  it('TCP failure, and status 14 log lines merged into it', () => {
    const e = healthy();
    e.xdsProbe = {
      address: '10.0.0.5:15010',
      dns: { ok: true, addresses: [] },
      tcp: { ok: false, error: 'ECONNREFUSED' },
    };
    e.controlPlane!.proxy!.connected = false;
    e.logs = [{ source: 'ingress.log', text: fixture('istio-ingressgateway-proxy.log') }];
    const f = only(e, 'XDS_UNREACHABLE');
    assert.equal(f.severity, 'error');
    assert.ok(
      f.evidence.some((l) =>
        /^ingress\.log:99: .*closed: 14, no healthy upstream \(2 times, last at line 103\)$/.test(l),
      ),
    );
  });
  it('status 14 in the log of a proxy that is connected now is only context', () => {
    const e = healthy();
    e.logs = [{ source: 'ingress.log', text: fixture('istio-ingressgateway-proxy.log') }];
    const f = only(e, 'XDS_UNREACHABLE');
    assert.equal(f.severity, 'info');
  });
  for (const [code, ads] of [
    ['XDS_TLS_OR_AUTH_FAILURE', { code: 16, message: 'missing bearer token' }],
    ['XDS_PERMISSION_DENIED', { code: 7, message: 'token lacks role proxy' }],
    ['PROJECT_NOT_ENABLED', { code: 5, message: 'Requested entity was not found.' }],
    [
      'CONFIG_NOT_FOUND_FOR_NETWORK',
      { code: 5, message: 'Vane configuration was not found for network "mesh-vpc" in project "987654321".' },
    ],
  ] as const)
    it(`ADS status ${ads.code} → ${code}`, () => {
      const e = healthy();
      e.xdsProbe!.ads = { ok: false, ...ads };
      assert.equal(
        only(e, code).evidence[0],
        `xDS probe ads 10.0.0.5:15010: stream closed with status ${ads.code}: ${ads.message}`,
      );
    });
  it('log lines: Requested entity, credentials scope', () => {
    const e = healthy();
    e.logs = [
      {
        source: 'envoy.err.log',
        text: [
          '[2026-03-01 11:00:00.000][1][warning][config] StreamAggregatedResources gRPC config stream closed: 5, Requested entity was not found.',
          'W0301 metadata: Request had insufficient authentication scopes.',
        ].join('\n'),
      },
    ];
    assert.deepEqual(codes(e), ['CREDENTIAL_SCOPE_MISSING', 'REQUESTED_ENTITY_NOT_FOUND']);
  });
});

describe('bootstrap against the control plane', () => {
  it('no project number', () => {
    const e = healthy();
    e.bootstrap!.text = bootstrap({ projectNumber: '' });
    assert.match(only(e, 'BOOTSTRAP_PROJECT_NUMBER_MISSING').fix, /987654321/);
  });
  it('network mismatch folds CONFIG_NOT_FOUND_FOR_NETWORK from the log', () => {
    const e = healthy();
    e.bootstrap!.text = bootstrap({ network: 'default' });
    e.logs = [
      {
        source: 'envoy.err.log',
        text: 'warning envoy config StreamAggregatedResources gRPC config stream closed: 5, Vane configuration was not found for network "default" in project "987654321".',
      },
    ];
    const f = only(e, 'BOOTSTRAP_NETWORK_MISMATCH');
    assert.match(f.summary, /"default".*"mesh-vpc"/);
    assert.ok(f.evidence.some((l) => l.startsWith('envoy.err.log:1:')));
    assert.equal(codes(e).includes('CONFIG_NOT_FOUND_FOR_NETWORK'), false);
  });
  it('no forwarding rule anywhere', () => {
    const e = healthy();
    e.controlPlane!.forwardingRules = [];
    e.controlPlane!.interceptionTargets = [];
    only(e, 'CONFIG_NOT_FOUND_FOR_NETWORK');
  });
});

describe('the proxy', () => {
  it('not running suppresses its missing configuration', () => {
    const e = healthy();
    e.processes = [];
    e.configDump = { source: 'cd', text: '{"configs":[]}' };
    assert.deepEqual(codes(e), ['PROXY_NOT_RUNNING']);
  });
  it('no dynamic configuration (a static-only dump) suppresses per-VIP findings', () => {
    const e = healthy();
    e.configDump = {
      source: 'cd',
      text: JSON.stringify({
        configs: [{ '@type': 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump' }],
      }),
    };
    assert.deepEqual(codes(e), ['PROXY_NO_DYNAMIC_CONFIG']);
  });
  it('Envoy 1.8 is too old; 1.15 (server_info fixture) is not', () => {
    const e = healthy();
    e.serverInfo!.text = e.serverInfo!.text.replace('1.15.0-dev', '1.8.0');
    assert.match(only(e, 'ENVOY_VERSION_TOO_OLD').summary, /1\.8\.0/);
  });
  it('a VIP without a filter chain', () => {
    const e = healthy();
    e.controlPlane!.interceptionTargets!.push({ ip: '10.0.0.99', port: 80, forwardingRule: 'new-vip' });
    const f = only(e, 'VIP_NOT_IN_LISTENER');
    assert.equal(f.subject, '10.0.0.99:80');
    assert.equal(runNodeChecks(e).filter((x) => x.code === 'VIP_NOT_IN_LISTENER').length, 1);
  });
  it('a serving port without inbound configuration', () => {
    const e = healthy();
    e.bootstrap!.text = bootstrap({ inboundBackendPorts: [8080, 9090, 7070] });
    e.iptablesSave!.text = iptables({ servingPorts: [8080, 9090, 7070] });
    assert.equal(only(e, 'INBOUND_LISTENER_MISSING').subject, 'port 7070');
  });
  it('listener error_state and NACK log lines', () => {
    const e = healthy();
    const dump = JSON.parse(e.configDump!.text);
    dump.configs[2].dynamicListeners.push({
      name: 'L2',
      errorState: { details: 'cannot bind', lastUpdateAttempt: AT },
    });
    e.configDump!.text = JSON.stringify(dump);
    e.logs = [{ source: 'samples', text: fixture('envoy-log-samples.txt') }];
    const fs = runNodeChecks(e).filter((f) => f.code === 'PROXY_CONFIG_REJECTED');
    assert.equal(fs[0]!.subject, 'listener/L2');
    assert.ok(fs[1]!.evidence.length >= 8);
  });
  it('Vane saw the proxy disconnected, and a NACK', () => {
    const e = healthy();
    e.controlPlane!.proxy = {
      connected: false,
      nacks: [
        {
          typeUrl: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
          message: 'bad regex',
          resourceNames: ['URL_MAP/987654321.web-map'],
        },
      ],
    };
    assert.deepEqual(codes(e), ['PROXY_NACKED', 'PROXY_NOT_CONNECTED']);
  });
});

describe('interception', () => {
  it('no uid-owner RETURN for the proxy', () => {
    const e = healthy();
    e.iptablesSave!.text = iptables({ proxyUid: 1337 });
    const f = only(e, 'INTERCEPTION_LOOP_PROXY_UID');
    assert.match(f.summary, /uid 1006.*exclude uid 1337/);
  });
  it("the guide's script without -u, with nothing else known: the VIPs the rules name still loop", () => {
    const e: NodeEvidence = {
      collectedAt: AT,
      mode: 'envoy',
      processes: [],
      iptablesSave: {
        source: 'nat.txt',
        text: [
          '*nat',
          ':OUTPUT ACCEPT [0:0]',
          ':ISTIO_OUTPUT - [0:0]',
          ':ISTIO_REDIRECT - [0:0]',
          '-A OUTPUT -p tcp -j ISTIO_OUTPUT',
          '-A ISTIO_OUTPUT -d 127.0.0.1/32 -j RETURN',
          '-A ISTIO_OUTPUT -d 10.0.0.1/32 -j ISTIO_REDIRECT',
          '-A ISTIO_REDIRECT -p tcp -j REDIRECT --to-ports 15001',
          'COMMIT',
          '',
        ].join('\n'),
      },
    };
    const f = runNodeChecks(e)[0]!;
    assert.equal(
      f.code,
      'INTERCEPTION_LOOP_PROXY_UID',
      'the loop comes before PROXY_NOT_RUNNING: it crashes the proxy',
    );
    assert.match(f.summary, /10\.0\.0\.1:80/);
    // With the exclusion in place, no loop.
    e.iptablesSave!.text = e.iptablesSave!.text.replace(
      '-A ISTIO_OUTPUT -d 127.0.0.1/32',
      '-A ISTIO_OUTPUT -m owner --uid-owner 1337 -j RETURN\n-A ISTIO_OUTPUT -d 127.0.0.1/32',
    );
    assert.equal(codes(e).includes('INTERCEPTION_LOOP_PROXY_UID'), false);
  });
  it('manual style: a VIP not in ISTIO_OUTPUT', () => {
    const e = healthy();
    delete e.guestAttributes;
    e.iptablesSave!.text = iptables({ style: 'manual', serviceCidrs: ['10.0.0.10', '10.0.0.11'] });
    assert.equal(only(e, 'VIP_NOT_INTERCEPTED').subject, '10.0.0.12:5432');
  });
  it('agent style: a covering CIDR counts, a missing VIP does not', () => {
    const e = healthy();
    e.iptablesSave!.text = iptables({ serviceCidrs: ['10.0.0.8/30'] });
    assert.deepEqual(
      runNodeChecks(e).map((f) => f.subject),
      ['10.0.0.12:5432'],
    );
    assert.equal(codes(e)[0], 'SERVICE_CIDR_MISSING');
  });
  it('stale heartbeat + missing VIP → AGENT_NOT_RUNNING', () => {
    const e = healthy();
    e.iptablesSave!.text = iptables({ serviceCidrs: ['10.0.0.10', '10.0.0.11'] });
    e.guestAttributes!.values['agent-heartbeat'] = '2026-03-01T11:40:00.000Z';
    assert.deepEqual(codes(e), ['AGENT_NOT_RUNNING']);
  });
  it('intercept-all names its exclusions', () => {
    const e = healthy();
    e.iptablesSave!.text = iptables({
      interceptAll: true,
      excludeOutboundIpRanges: ['10.0.0.5'],
      excludeOutboundPortRanges: ['22'],
    });
    const f = only(e, 'INTERCEPT_ALL_UNCONFIGURED_DESTINATIONS');
    assert.match(f.summary, /10\.0\.0\.5\/32, ports 22/);
  });
  it('a serving port without an inbound redirect', () => {
    const e = healthy();
    e.iptablesSave!.text = iptables({ servingPorts: [8080] });
    assert.equal(only(e, 'INBOUND_PORT_NOT_INTERCEPTED').subject, 'port 9090');
  });
  it('the filter table drops the redirected inbound port', () => {
    const e = healthy();
    e.iptablesSave!.text = iptables(
      {},
      '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp -m tcp --dport 15006 -j DROP\nCOMMIT\n',
    );
    assert.match(only(e, 'INBOUND_PORT_DROPPED').evidence[0]!, /--dport 15006 -j DROP/);
  });
  it('ip6tables could not initialise its table', () => {
    const e = healthy();
    e.ip6tablesSave = {
      source: 'ip6tables-save',
      error:
        "ip6tables-save v1.8.7 (legacy): can't initialize ip6tables table `nat': Table does not exist (do you need to insmod?)",
    };
    only(e, 'IPV6_MODULES_MISSING');
  });
});

describe('access log', () => {
  it("a root-owned 0644 file, and the guide's log line", () => {
    const e = healthy();
    e.accessLog!.stat = { uid: 0, gid: 0, mode: 0o644, isDirectory: false };
    e.logs = [
      {
        source: 'envoy.err.log',
        text: "gRPC config for type.googleapis.com/envoy.api.v2.Listener rejected: Error adding/updating listener(s) TRAFFICDIRECTOR_INTERCEPTION_LISTENER: unable to open file '/var/log/envoy/access.log': Permission denied",
      },
    ];
    assert.deepEqual(codes(e), ['ACCESS_LOG_NOT_WRITABLE']);
    assert.equal(runNodeChecks(e)[0]!.evidence.length, 2);
  });
  it('a missing file in a directory the proxy cannot write', () => {
    const e = healthy();
    e.accessLog = {
      path: '/var/log/envoy/access.log',
      error: 'ENOENT',
      dirStat: { uid: 0, gid: 0, mode: 0o755, isDirectory: true },
    };
    only(e, 'ACCESS_LOG_NOT_WRITABLE');
  });
  it('group-writable for the proxy group is fine', () => {
    const e = healthy();
    e.accessLog!.stat = { uid: 0, gid: 1006, mode: 0o664, isDirectory: false };
    assert.deepEqual(codes(e), []);
  });
});

describe('agent guest attributes', () => {
  for (const [status, code] of [
    [undefined, 'BOOTSTRAP_NOT_STARTED'],
    ['IN PROGRESS', 'BOOTSTRAP_IN_PROGRESS'],
    ['FAILED', 'BOOTSTRAP_FAILED'],
  ] as const)
    it(`bootstrap-status ${status} → ${code}`, () => {
      const e = healthy();
      if (status === undefined) delete e.guestAttributes!.values['bootstrap-status'];
      else e.guestAttributes!.values['bootstrap-status'] = status;
      e.guestAttributes!.values['bootstrap-last-failure'] = 'find Envoy: not on PATH';
      assert.deepEqual(codes(e), [code]);
    });
  it('stale heartbeat alone → AGENT_STUCK; last failure → AGENT_LAST_FAILURE', () => {
    const e = healthy();
    e.guestAttributes!.values['agent-heartbeat'] = '2026-03-01T11:50:00.000Z';
    e.guestAttributes!.values['agent-last-failure'] = 'Cannot reach the control plane API server';
    assert.deepEqual(codes(e), ['AGENT_STUCK', 'AGENT_LAST_FAILURE']);
  });
});

describe('proxyless client CSDS', () => {
  const LDS = 'type.googleapis.com/envoy.config.listener.v3.Listener';
  const RDS = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';
  const csds = (configs: Record<string, unknown>[]): NodeEvidence => ({
    collectedAt: AT,
    mode: 'grpc',
    // grpc-js reports camelCase proto3 JSON; the checks read either spelling.
    csds: {
      source: 'csds 127.0.0.1:9901',
      text: JSON.stringify({ config: [{ genericXdsConfigs: configs }] }),
    },
  });
  const acked = [
    { typeUrl: LDS, name: 'wallet.example.com:80', clientStatus: 'ACKED', configStatus: 'SYNCED' },
    { typeUrl: RDS, name: 'URL_MAP/123_wallet-map', clientStatus: 'ACKED', configStatus: 'SYNCED' },
  ];

  it('a synced client reports nothing', () => assert.deepEqual(runNodeChecks(csds(acked)), []));
  it('a NACKed route configuration, with the client message', () => {
    const e = csds([
      acked[0]!,
      {
        typeUrl: RDS,
        name: 'URL_MAP/123_wallet-map',
        clientStatus: 'NACKED',
        errorState: { details: 'route: unsupported cluster specifier' },
      },
    ]);
    const f = only(e, 'PROXY_CONFIG_REJECTED');
    assert.equal(f.subject, 'RouteConfiguration/URL_MAP/123_wallet-map');
    assert.match(f.summary, /unsupported cluster specifier/);
  });
  it('a target with no listener', () => {
    const e = csds([{ typeUrl: LDS, name: 'wallet.example.com:8080', clientStatus: 'DOES_NOT_EXIST' }]);
    assert.equal(only(e, 'PROXYLESS_HOST_WITHOUT_RULE').subject, 'wallet.example.com:8080');
  });
  it('nothing at all', () => assert.deepEqual(codes(csds([])), ['PROXY_NO_DYNAMIC_CONFIG']));
});
