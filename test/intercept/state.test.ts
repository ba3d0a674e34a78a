import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderRules } from '../../src/intercept/index.js';
import { connectAs, createNetns, type Netns } from '../helpers/netns.js';
import {
  APP_UID,
  INBOUND_PORT,
  lib,
  natRules,
  natSave,
  PROXY_PORT,
  PROXY_UID,
  spec,
  vaneOk,
} from './util.js';

async function node(): Promise<Netns> {
  const ns = await createNetns('vane-state');
  await ns.addAddress('10.0.0.1/32');
  await ns.addAddress('10.0.0.2/32');
  await ns.serve([
    { host: '0.0.0.0', port: PROXY_PORT, label: 'proxy' },
    { host: '10.0.0.1', port: 80, label: 'vip1' },
    { host: '10.0.0.2', port: 80, label: 'vip2' },
  ]);
  return ns;
}

const owned = (rules: string[]) => rules.filter((l) => !l.startsWith('-P '));

test('applying twice leaves exactly one copy; updateServiceCidrs replaces only the VIP set', async () => {
  const ns = await node();
  const first = spec({ serviceCidrs: ['10.0.0.1'], inboundPort: INBOUND_PORT, servingPorts: [80] });
  const a = await lib(ns, 'apply', first);
  assert.ok(a.ok, a.message);
  const once = await natSave(ns);
  const b = await lib(ns, 'apply', first);
  assert.ok(b.ok, b.message);
  assert.equal(await natSave(ns), once);
  assert.deepEqual(owned(await natRules(ns)), renderRules(first).ipv4);

  const second = { ...first, serviceCidrs: ['10.0.0.2'] };
  const u = await lib(ns, 'update', second);
  assert.ok(u.ok, u.message);
  assert.deepEqual(u.result?.ipv4, [
    '-A SERVICE_PROXY_SERVICE_CIDRS -d 10.0.0.2/32 -j SERVICE_PROXY_REDIRECT',
  ]);
  const written = u.log.filter((l) => l.startsWith('ipv4:   '));
  assert.deepEqual(written, [
    'ipv4:   :SERVICE_PROXY_SERVICE_CIDRS - [0:0]',
    'ipv4:   -A SERVICE_PROXY_SERVICE_CIDRS -d 10.0.0.2/32 -j SERVICE_PROXY_REDIRECT',
  ]);
  assert.deepEqual(owned(await natRules(ns)), renderRules(second).ipv4);
  assert.equal(
    await connectAs(ns, APP_UID, '10.0.0.1', 80),
    'vip1',
    'a VIP that went away is no longer intercepted',
  );
  assert.equal(await connectAs(ns, APP_UID, '10.0.0.2', 80), 'proxy');

  // Re-applying through the CLI with a new VIP set replaces it too (and drops the inbound chains).
  await vaneOk(ns, [
    'intercept',
    'apply',
    '-p',
    String(PROXY_PORT),
    '-u',
    String(PROXY_UID),
    '-i',
    '10.0.0.1',
  ]);
  assert.deepEqual(owned(await natRules(ns)), renderRules(spec({ serviceCidrs: ['10.0.0.1'] })).ipv4);
});

test('updateServiceCidrs applies everything when the agent-style rules are not there yet', async () => {
  const ns = await node();
  const s = spec({ serviceCidrs: ['10.0.0.1', '10.0.0.2'] });
  const u = await lib(ns, 'update', s);
  assert.ok(u.ok, u.message);
  assert.deepEqual(owned(await natRules(ns)), renderRules(s).ipv4);
  assert.equal(await connectAs(ns, APP_UID, '10.0.0.2', 80), 'proxy');
});

const FOREIGN_V4 = `*nat
:FOREIGN - [0:0]
-A OUTPUT -p udp -j FOREIGN
-A OUTPUT -d 10.0.0.2/32 -p tcp -j RETURN
-A FOREIGN -d 10.5.5.5/32 -j RETURN
-A POSTROUTING -o lo -j MASQUERADE
COMMIT
`;
const FOREIGN_V6 = `*nat
:FOREIGN6 - [0:0]
-A OUTPUT -p udp -j FOREIGN6
COMMIT
`;

test('clean removes both styles and leaves the table exactly as it found it', async () => {
  const ns = await node();
  assert.equal((await ns.exec('iptables-restore', ['--noflush'], { input: FOREIGN_V4 })).code, 0);
  assert.equal((await ns.exec('ip6tables-restore', ['--noflush'], { input: FOREIGN_V6 })).code, 0);
  const before = { v4: await natSave(ns), v6: await natSave(ns, 'ipv6') };

  await vaneOk(ns, [
    'intercept',
    'apply',
    '-p',
    String(PROXY_PORT),
    '-u',
    String(PROXY_UID),
    '-i',
    '10.0.0.1,fd00::1',
    '--inbound-port',
    String(INBOUND_PORT),
    '--serving-ports',
    '80',
  ]);
  // Traffic Director's manual script ran on this node as well.
  const manual = renderRules(spec({ style: 'manual', serviceCidrs: ['10.0.0.2'] })).ipv4;
  const script = manual.map((l) => (l.startsWith('-N ') ? `:${l.slice(3)} - [0:0]` : l));
  assert.equal(
    (await ns.exec('iptables-restore', ['--noflush'], { input: `*nat\n${script.join('\n')}\nCOMMIT\n` }))
      .code,
    0,
  );
  const applied = await natRules(ns);
  assert.ok(
    applied.includes('-A OUTPUT -p tcp -j ISTIO_OUTPUT') && applied.includes('-N SERVICE_PROXY_OUTPUT'),
  );
  assert.equal(await connectAs(ns, APP_UID, '10.0.0.1', 80), 'proxy');

  const out = await vaneOk(ns, ['intercept', 'clean']);
  assert.match(out, /# removed/);
  assert.equal(await natSave(ns), before.v4);
  assert.equal(await natSave(ns, 'ipv6'), before.v6);
  assert.equal(await connectAs(ns, APP_UID, '10.0.0.1', 80), 'vip1');

  const again = await vaneOk(ns, ['intercept', 'clean']);
  assert.match(again, /nothing to remove/);
  const shown = await vaneOk(ns, ['intercept', 'show']);
  assert.match(shown, /no interception rules/);
});
