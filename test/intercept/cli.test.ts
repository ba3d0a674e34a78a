import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { InterceptionError, renderRules, validateSpec } from '../../src/intercept/index.js';
import { createNetns } from '../helpers/netns.js';
import { natSave, PROXY_UID, section, spec, vane } from './util.js';

test('--dry-run prints the rules and changes nothing', async () => {
  const ns = await createNetns('vane-dry');
  const before = { v4: await natSave(ns), v6: await natSave(ns, 'ipv6') };
  const args = ['-p', '15001', '-u', String(PROXY_UID), '-i', '10.0.0.1,fd00::1', '--inbound-port', '15006'];
  const res = await vane(ns, ['intercept', 'apply', ...args, '--serving-ports', '80,81', '--dry-run']);
  assert.equal(res.code, 0, res.stderr);
  const expected = renderRules(
    spec({ serviceCidrs: ['10.0.0.1', 'fd00::1'], inboundPort: 15006, servingPorts: [80, 81] }),
  );
  assert.deepEqual(section(res.stdout, 'ipv4'), expected.ipv4);
  assert.deepEqual(section(res.stdout, 'ipv6'), expected.ipv6);
  assert.match(res.stdout, /dry run: nothing was changed/);
  assert.equal(await natSave(ns), before.v4);
  assert.equal(await natSave(ns, 'ipv6'), before.v6);
});

test('invalid specs are usage errors naming each field', async () => {
  const ns = await createNetns('vane-bad');
  const before = await natSave(ns);
  const res = await vane(ns, [
    'intercept',
    'apply',
    '-p',
    '15001',
    '-u',
    '1006',
    '-i',
    '10.0.0.300',
    '--intercept-all',
    '--exclude-outbound-ip-ranges',
    '10.0.0.0/33',
    '--exclude-outbound-port-ranges',
    '70000,9000-8000',
  ]);
  assert.equal(res.code, 2, res.stdout);
  assert.match(res.stderr, /INVALID_SPEC/);
  assert.match(res.stderr, /serviceCidrs\[0\]: '10\.0\.0\.300'/);
  assert.match(res.stderr, /excludeOutboundIpRanges\[0\]: '10\.0\.0\.0\/33'/);
  assert.match(res.stderr, /excludeOutboundPortRanges\[0\]: '70000'/);
  assert.match(res.stderr, /excludeOutboundPortRanges\[1\]: '9000-8000'/);
  assert.match(res.stderr, /fix: /);
  assert.equal(await natSave(ns), before);

  const noUid = await vane(ns, ['intercept', 'apply', '-p', '15001', '-i', '10.0.0.1', '--dry-run']);
  assert.equal(noUid.code, 2);
  assert.match(noUid.stderr, /--proxy-uid \(-u\) or --proxy-user is required/);

  const unknown = await vane(ns, [
    'intercept',
    'apply',
    '-p',
    '15001',
    '--proxy-user',
    'no-such-user-vane',
    '--dry-run',
  ]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no user 'no-such-user-vane' in \/etc\/passwd/);

  const badManual = await vane(ns, [
    'intercept',
    'apply',
    '--style',
    'manual',
    '-p',
    '15001',
    '-u',
    '1006',
    '--intercept-all',
  ]);
  assert.equal(badManual.code, 2);
  assert.match(badManual.stderr, /interceptAll: only the 'agent' style/);
  assert.match(badManual.stderr, /serviceCidrs: the manual style needs at least one VIP/);
});

test('--proxy-user resolves the UID from /etc/passwd', async () => {
  const ns = await createNetns('vane-user');
  const root = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .map((l) => l.split(':'))
    .find((f) => f[0] !== 'root' && f[2] !== undefined && f[2] !== '0');
  assert.ok(root, 'a non-root user in /etc/passwd');
  const res = await vane(ns, [
    'intercept',
    'apply',
    '-p',
    '15001',
    '--proxy-user',
    root[0]!,
    '-i',
    '10.0.0.1',
    '--dry-run',
  ]);
  assert.equal(res.code, 0, res.stderr);
  assert.ok(
    section(res.stdout, 'ipv4').includes(`-A SERVICE_PROXY_OUTPUT -m owner --uid-owner ${root[2]} -j RETURN`),
  );
});

test('validateSpec names each invalid field; renderRules normalises addresses as iptables prints them', () => {
  assert.deepEqual(validateSpec(spec({ serviceCidrs: ['10.0.0.1'] })), []);
  const problems = validateSpec({
    ...spec({}),
    style: 'other' as 'agent',
    proxyPort: 0,
    proxyUid: -1,
    serviceCidrs: ['fd00::/129', 'x'],
    servingPorts: [80, 65536],
  });
  for (const field of [
    'style',
    'proxyPort',
    'proxyUid',
    'serviceCidrs[0]',
    'serviceCidrs[1]',
    'servingPorts[1]',
  ])
    assert.ok(
      problems.some((p) => p.startsWith(`${field}:`)),
      `${field} in ${problems.join('; ')}`,
    );
  assert.ok(validateSpec(spec({ servingPorts: [80] })).some((p) => p.startsWith('inboundPort:')));
  assert.throws(
    () => renderRules(spec({ serviceCidrs: ['nope'] })),
    (e: unknown) =>
      e instanceof InterceptionError && e.code === 'INVALID_SPEC' && /serviceCidrs\[0\]/.test(e.message),
  );

  const rules = renderRules(
    spec({
      serviceCidrs: ['10.7.240.20/20', 'FD00:0:0:0::0001', '2001:db8:0:0:1:0:0:1', '::ffff:10.0.0.1'],
    }),
  );
  const cidrs = (lines: string[]) =>
    lines.filter((l) => l.startsWith('-A SERVICE_PROXY_SERVICE_CIDRS')).map((l) => l.split(' ')[3]);
  assert.deepEqual(cidrs(rules.ipv4), ['10.7.240.0/20']);
  assert.deepEqual(cidrs(rules.ipv6), ['fd00::1/128', '2001:db8::1:0:0:1/128', '::ffff:10.0.0.1/128']);

  // Multiport matches at most 15 ports (a range counts as two).
  const many = renderRules(
    spec({
      interceptAll: true,
      excludeOutboundPortRanges: [...Array.from({ length: 14 }, (_, i) => String(1000 + i)), '2000-2100'],
    }),
  );
  assert.deepEqual(
    many.ipv4.filter((l) => l.includes('multiport')),
    [
      `-A SERVICE_PROXY_SERVICE_CIDRS -p tcp -m multiport --dports ${Array.from({ length: 14 }, (_, i) => 1000 + i).join(',')} -j RETURN`,
      '-A SERVICE_PROXY_SERVICE_CIDRS -p tcp -m multiport --dports 2000:2100 -j RETURN',
    ],
  );
});
