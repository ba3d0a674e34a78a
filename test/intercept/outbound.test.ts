import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderRules } from '../../src/intercept/index.js';
import { connectAs, createNetns, type Netns } from '../helpers/netns.js';
import { APP_UID, natRules, PROXY_PORT, PROXY_UID, section, spec, vaneOk } from './util.js';

/** A node: the proxy on 15001 (all addresses), a service VIP 10.0.0.1 and a non-service 10.0.0.2. */
async function node(): Promise<Netns> {
  const ns = await createNetns('vane-out');
  await ns.addAddress('10.0.0.1/32');
  await ns.addAddress('10.0.0.2/32');
  await ns.addAddress('10.9.0.1/32');
  await ns.serve([
    { host: '0.0.0.0', port: PROXY_PORT, label: 'proxy' },
    { host: '10.0.0.1', port: 80, label: 'vip' },
    { host: '10.0.0.1', port: 8081, label: 'vip-8081' },
    { host: '10.0.0.1', port: 9050, label: 'vip-9050' },
    { host: '10.0.0.2', port: 80, label: 'other' },
    { host: '10.9.0.1', port: 80, label: 'excluded-range' },
  ]);
  return ns;
}

test('agent style: an application connecting to a service VIP lands on the proxy; the proxy reaches it directly', async () => {
  const ns = await node();
  assert.equal(await connectAs(ns, APP_UID, '10.0.0.1', 80), 'vip', 'before interception');

  const args = ['-p', String(PROXY_PORT), '-u', String(PROXY_UID), '-i', '10.0.0.1'];
  const out = await vaneOk(ns, ['intercept', 'apply', ...args]);
  const expected = renderRules(spec({ serviceCidrs: ['10.0.0.1'] }));
  assert.deepEqual(section(out, 'ipv4'), expected.ipv4);

  assert.equal(await connectAs(ns, APP_UID, '10.0.0.1', 80), 'proxy');
  assert.equal(await connectAs(ns, PROXY_UID, '10.0.0.1', 80), 'vip', 'the proxy UID must not loop');
  assert.equal(await connectAs(ns, APP_UID, '10.0.0.2', 80), 'other', 'not a service VIP');
  assert.equal(await connectAs(ns, APP_UID, '127.0.0.1', PROXY_PORT), 'proxy', 'loopback is untouched');

  const shown = await vaneOk(ns, ['intercept', 'show']);
  assert.deepEqual(section(shown, 'ipv4'), expected.ipv4, 'show prints what was rendered');
});

test('intercept-all: excluded ranges and ports go direct, everything else lands on the proxy', async () => {
  const ns = await node();
  await vaneOk(ns, [
    'intercept',
    'apply',
    '--proxy-port',
    String(PROXY_PORT),
    '--proxy-uid',
    String(PROXY_UID),
    '--intercept-all',
    '--exclude-outbound-ip-ranges',
    '10.9.0.0/16,fd09::/16',
    '--exclude-outbound-port-ranges',
    '8081,9000-9100',
  ]);
  const rules = await natRules(ns);
  assert.ok(rules.includes('-A SERVICE_PROXY_SERVICE_CIDRS -d 10.9.0.0/16 -j RETURN'), rules.join('\n'));
  assert.ok(
    rules.includes('-A SERVICE_PROXY_SERVICE_CIDRS -p tcp -m multiport --dports 8081,9000:9100 -j RETURN'),
    rules.join('\n'),
  );

  assert.equal(await connectAs(ns, APP_UID, '10.0.0.1', 80), 'proxy');
  assert.equal(await connectAs(ns, APP_UID, '10.0.0.2', 80), 'proxy', 'any destination is intercepted');
  assert.equal(await connectAs(ns, APP_UID, '10.9.0.1', 80), 'excluded-range');
  assert.equal(await connectAs(ns, APP_UID, '10.0.0.1', 8081), 'vip-8081', 'excluded port');
  assert.equal(await connectAs(ns, APP_UID, '10.0.0.1', 9050), 'vip-9050', 'port in an excluded range');
  assert.equal(await connectAs(ns, PROXY_UID, '10.0.0.1', 80), 'vip', 'the proxy UID must not loop');
});

// Traffic Director's guide, `sudo iptables -t nat -S | grep ISTIO` after `iptables.sh -i 10.0.0.1/32 -p 15001 -u 1006`.
const GUIDE_LINES = [
  '-N ISTIO_IN_REDIRECT',
  '-N ISTIO_OUTPUT',
  '-N ISTIO_REDIRECT',
  '-A OUTPUT -p tcp -j ISTIO_OUTPUT',
  '-A ISTIO_IN_REDIRECT -p tcp -j REDIRECT --to-ports 15001',
  '-A ISTIO_OUTPUT -m owner --uid-owner 1006 -j RETURN',
  '-A ISTIO_OUTPUT -d 127.0.0.1/32 -j RETURN',
  '-A ISTIO_OUTPUT -d 10.0.0.1/32 -j ISTIO_REDIRECT',
  '-A ISTIO_OUTPUT -j RETURN',
];

test("manual style produces the guide's ISTIO_* rules, and they redirect", async () => {
  const ns = await node();
  await vaneOk(ns, [
    'intercept',
    'apply',
    '--style',
    'manual',
    '-i',
    '10.0.0.1/32',
    '-p',
    '15001',
    '-u',
    '1006',
  ]);
  const grep = (await natRules(ns)).filter((l) => l.includes('ISTIO'));
  // The guide's excerpt ends one line early: the rule that makes ISTIO_REDIRECT redirect prints last.
  assert.deepEqual(grep, [...GUIDE_LINES, '-A ISTIO_REDIRECT -p tcp -j REDIRECT --to-ports 15001']);

  assert.equal(await connectAs(ns, APP_UID, '10.0.0.1', 80), 'proxy');
  assert.equal(await connectAs(ns, 1006, '10.0.0.1', 80), 'vip');
  assert.equal(await connectAs(ns, APP_UID, '10.0.0.2', 80), 'other');
});
