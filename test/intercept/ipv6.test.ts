import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { connectAs, createNetns, type Netns } from '../helpers/netns.js';
import { APP_UID, lib, natRules, natSave, PROXY_PORT, PROXY_UID, spec, vane, vaneOk } from './util.js';

async function node(): Promise<Netns> {
  const ns = await createNetns('vane-v6');
  await ns.addAddress('fd00::1/128');
  await ns.addAddress('10.0.0.1/32');
  await ns.serve([
    { host: '::', port: PROXY_PORT, label: 'proxy' },
    { host: 'fd00::1', port: 80, label: 'vip6' },
    { host: '10.0.0.1', port: 80, label: 'vip4' },
  ]);
  return ns;
}

/** An ip6tables-restore that fails the way it does on a kernel without the IPv6 nat modules. */
const fakeDir = mkdtempSync(join(tmpdir(), 'vane-fake-ip6-'));
after(() => rmSync(fakeDir, { recursive: true, force: true }));
const FAKE = join(fakeDir, 'ip6tables-restore');
writeFileSync(
  FAKE,
  `#!/bin/sh
cat >/dev/null
echo "ip6tables-restore v1.8.9 (legacy): can't initialize ip6tables table \\\`nat': Table does not exist (do you need to insmod?)" >&2
echo "Perhaps ip6tables or your kernel needs to be upgraded." >&2
exit 1
`,
);
chmodSync(FAKE, 0o755);
const fakeEnv = { ...process.env, PATH: `${fakeDir}:${process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}` };
const base = ['intercept', 'apply', '-p', String(PROXY_PORT), '-u', String(PROXY_UID)];

test('an IPv6 VIP is intercepted with ip6tables; the proxy reaches it directly', async () => {
  const ns = await node();
  assert.equal(await connectAs(ns, APP_UID, 'fd00::1', 80), 'vip6', 'before interception');
  await vaneOk(ns, [...base, '-i', 'fd00::1', '-i', '10.0.0.1', '--ipv6', 'on']);
  const v6 = await natRules(ns, 'ipv6');
  assert.ok(
    v6.includes('-A SERVICE_PROXY_SERVICE_CIDRS -d fd00::1/128 -j SERVICE_PROXY_REDIRECT'),
    v6.join('\n'),
  );
  assert.ok(v6.includes('-A SERVICE_PROXY_OUTPUT -d ::1/128 -j RETURN'), v6.join('\n'));
  assert.ok(!(await natRules(ns)).some((l) => l.includes('fd00')), 'no IPv6 address in iptables');

  assert.equal(await connectAs(ns, APP_UID, 'fd00::1', 80), 'proxy');
  assert.equal(await connectAs(ns, PROXY_UID, 'fd00::1', 80), 'vip6');
  assert.equal(await connectAs(ns, APP_UID, '10.0.0.1', 80), 'proxy');
});

test('without the IPv6 modules: a warning in auto mode, IPV6_MODULES_MISSING with the fix when IPv6 is needed', async () => {
  const ns = await node();
  const before6 = await natSave(ns, 'ipv6');

  const auto = await vane(ns, [...base, '-i', '10.0.0.1'], fakeEnv);
  assert.equal(auto.code, 0, auto.stderr);
  assert.match(auto.stderr, /warning: IPV6_MODULES_MISSING: IPv6 traffic is not intercepted/);
  assert.match(auto.stdout, /# ipv6: not programmed/);
  assert.equal(await connectAs(ns, APP_UID, '10.0.0.1', 80), 'proxy', 'IPv4 is intercepted all the same');
  assert.equal(await natSave(ns, 'ipv6'), before6);

  await vaneOk(ns, ['intercept', 'clean']);
  const before4 = await natSave(ns);
  for (const args of [
    ['-i', '10.0.0.1', '--ipv6', 'on'],
    ['-i', '10.0.0.1,fd00::1'],
  ]) {
    const res = await vane(ns, [...base, ...args], fakeEnv);
    assert.equal(res.code, 1, `${args.join(' ')}: ${res.stdout}`);
    assert.match(res.stderr, /IPV6_MODULES_MISSING: ip6tables cannot use the nat table/);
    assert.match(res.stderr, /fix: .*modprobe ip6table_nat.*reboot the VM/);
    assert.equal(await natSave(ns), before4, 'nothing is applied when a required family fails');
  }

  // The library reports the same, with the binary given in opts.bin.
  const warned = await lib(ns, 'apply', spec({ serviceCidrs: ['10.0.0.1'] }), {
    bin: { ip6tablesRestore: FAKE },
  });
  assert.ok(warned.ok, warned.message);
  assert.equal(warned.result?.ipv6, null);
  assert.match(warned.result?.warnings?.join('\n') ?? '', /IPV6_MODULES_MISSING/);
  const failed = await lib(ns, 'apply', spec({ serviceCidrs: ['10.0.0.1'] }), {
    ipv6: 'on',
    bin: { ip6tablesRestore: FAKE },
  });
  assert.equal(failed.code, 'IPV6_MODULES_MISSING');
  assert.match(failed.fix ?? '', /modprobe ip6table_nat/);
});

test('missing iptables binaries give IPTABLES_MISSING with the install command', async () => {
  const ns = await node();
  const res = await lib(ns, 'apply', spec({ serviceCidrs: ['10.0.0.1'] }), {
    ipv6: 'off',
    bin: { iptablesSave: '/nonexistent/iptables-save' },
  });
  assert.equal(res.code, 'IPTABLES_MISSING');
  assert.match(res.fix ?? '', /apt-get install iptables/);
});
