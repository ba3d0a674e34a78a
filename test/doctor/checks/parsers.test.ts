// The parsers and the log catalog over real Envoy, Istio and Kuma outputs (test/fixtures/envoy).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { walk } from '../../../src/doctor/checks/packet-walk.js';
import { matchLogs } from '../../../src/doctor/log-patterns.js';
import { parseConfigDump } from '../../../src/doctor/parse/config-dump.js';
import { parseIptablesSave } from '../../../src/doctor/parse/iptables.js';
import { parseServerInfo } from '../../../src/doctor/parse/server-info.js';
import { fixture } from './healthy.js';

describe('config_dump', () => {
  it('reads camelCase (istioctl) and snake_case dumps alike', () => {
    const camel = parseConfigDump(fixture('istio-sidecar-full-config-dump-camelcase.json'));
    assert.equal(camel.dynamicClusters, 23);
    assert.equal(camel.dynamicListeners, 16);
    const inbound = camel.listeners.find((l) => l.name === 'virtualInbound')!;
    assert.ok(inbound.filterChains.some((c) => c.prefixRanges.length > 0));
    assert.match(camel.node?.id ?? '', /^sidecar~10\.244\.0\.12~details-v1/);
    const snake = parseConfigDump(fixture('istio-sidecar-listeners-config-dump.json'));
    assert.equal(snake.dynamicListeners, 27);
    assert.equal(snake.listeners.find((l) => l.name === 'virtualOutbound')?.port, 15001);
  });
});

describe('server_info', () => {
  it('1.15.0-dev → 1.15.0', () => {
    assert.deepEqual(parseServerInfo(fixture('envoy-server-info-1.15.json')).version, '1.15.0');
  });
});

describe('iptables-save', () => {
  it("Kuma's live iptables-save: VIPs redirected, kuma-dp's own uid not", () => {
    // Kuma's test normalised `-o lo` to `-o ifPlaceholder`; put the interface back.
    const t = parseIptablesSave(
      fixture('iptables/kuma-transparent-proxy-debian-12-default.iptables-save.golden').replaceAll(
        'ifPlaceholder',
        'lo',
      ),
    );
    assert.equal(walk(t, 'nat', 'OUTPUT', { dst: '10.1.2.3', dport: 80, direction: 'out' }).toPort, 15001);
    assert.equal(
      walk(t, 'nat', 'OUTPUT', { dst: '10.1.2.3', dport: 80, uid: 5678, direction: 'out' }).verdict,
      'policy',
    );
    assert.equal(
      walk(t, 'nat', 'PREROUTING', { dst: '10.9.9.9', dport: 8080, direction: 'in' }).toPort,
      15006,
    );
  });
  it("Istio's transcript: per-port inbound capture, 15008 excluded", () => {
    const t = parseIptablesSave(fixture('iptables/istio-iptables-inbound-ports-include.golden'));
    assert.equal(
      walk(t, 'nat', 'PREROUTING', { dst: '10.9.9.9', dport: 32000, direction: 'in' }).toPort,
      15006,
    );
    assert.equal(
      walk(t, 'nat', 'PREROUTING', { dst: '10.9.9.9', dport: 15008, direction: 'in' }).verdict,
      'policy',
    );
    assert.equal(
      walk(t, 'nat', 'PREROUTING', { dst: '10.9.9.9', dport: 8080, direction: 'in' }).verdict,
      'policy',
    );
  });
  it("Istio's default capture with an empty outbound include list redirects nothing outbound", () => {
    const t = parseIptablesSave(fixture('iptables/istio-iptables-empty.golden'));
    assert.equal(
      walk(t, 'nat', 'OUTPUT', { dst: '10.1.2.3', dport: 443, direction: 'out' }).verdict,
      'policy',
    );
    assert.equal(
      walk(t, 'nat', 'OUTPUT', { dst: '10.1.2.3', dport: 443, uid: 1337, direction: 'out' }).verdict,
      'policy',
    );
  });
});

describe('log catalog', () => {
  const samples = matchLogs([{ source: 'samples', text: fixture('envoy-log-samples.txt') }]);
  it('classifies the known error lines', () => {
    const by = (code: string) => samples.filter((m) => m.code === code);
    assert.equal(by('XDS_UNREACHABLE').length, 4);
    assert.deepEqual(
      by('ACCESS_LOG_NOT_WRITABLE').map((m) => [m.groups[0], m.count]),
      [
        ['/var/log/active.log', 2],
        ['/dev/stdout', 2],
      ],
    );
    assert.ok(by('PROXY_CONFIG_REJECTED').length >= 9);
  });
  it('leaves normal lines alone (startup, ready, periodic status 13 resets)', () => {
    for (const m of samples)
      assert.doesNotMatch(
        m.line,
        /Envoy proxy is ready|starting workers|closed: 13,|cm init|Readiness succeeded/,
      );
    assert.deepEqual(
      matchLogs([
        {
          source: 'ok',
          text: 'Envoy proxy is ready\nStreamAggregatedResources gRPC config stream closed: 13,\n',
        },
      ]),
      [],
    );
  });
  it('counts repeats once, with file:line', () => {
    const m = matchLogs([
      {
        source: 'a.log',
        text: 'x gRPC config stream closed: 14, down\ny gRPC config stream closed: 14, down\n',
      },
    ]);
    assert.deepEqual([m.length, m[0]!.count, m[0]!.lineNo, m[0]!.lastLineNo], [1, 2, 1, 2]);
  });
});
