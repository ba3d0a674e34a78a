import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectAs, createNetns, type Netns } from '../helpers/netns.js';
import { APP_UID, INBOUND_PORT, natRules, PROXY_PORT, PROXY_UID, vaneOk } from './util.js';

const NODE_IP = '10.250.0.1';

/** A node with an app on 80 and 8080 and the proxy's inbound port, and a peer on a veth link. */
async function pair(): Promise<{ node: Netns; peer: Netns }> {
  const node = await createNetns('vane-in');
  const peer = await createNetns('vane-peer');
  await node.addVeth(peer, `${NODE_IP}/24`, '10.250.0.2/24');
  await node.serve([
    { host: '0.0.0.0', port: 80, label: 'app-80' },
    { host: '0.0.0.0', port: 8080, label: 'app-8080' },
    { host: '0.0.0.0', port: INBOUND_PORT, label: 'inbound' },
    { host: '0.0.0.0', port: PROXY_PORT, label: 'proxy' },
  ]);
  return { node, peer };
}

test('agent style: inbound traffic to a serving port lands on the inbound port; other ports reach the app', async () => {
  const { node, peer } = await pair();
  assert.equal(await connectAs(peer, APP_UID, NODE_IP, 80), 'app-80', 'before interception');

  const ports = ['--inbound-port', String(INBOUND_PORT), '--serving-ports', '80'];
  await vaneOk(node, ['intercept', 'apply', '-p', String(PROXY_PORT), '-u', String(PROXY_UID), ...ports]);
  const rules = await natRules(node);
  assert.ok(
    rules.includes('-A SERVICE_PROXY_INBOUND -p tcp -m tcp --dport 80 -j SERVICE_PROXY_IN_REDIRECT'),
    rules.join('\n'),
  );

  assert.equal(await connectAs(peer, APP_UID, NODE_IP, 80), 'inbound');
  assert.equal(await connectAs(peer, APP_UID, NODE_IP, 8080), 'app-8080', 'not a serving port');
  // The proxy handing an inbound connection to the app is local traffic: it must not come back.
  assert.equal(await connectAs(node, PROXY_UID, NODE_IP, 80), 'app-80');
  assert.equal(await connectAs(node, PROXY_UID, '127.0.0.1', 80), 'app-80');
  assert.equal(await connectAs(node, APP_UID, '127.0.0.1', 80), 'app-80');
});

test('manual style: serving ports go through ISTIO_INBOUND to ISTIO_IN_REDIRECT', async () => {
  const { node, peer } = await pair();
  await vaneOk(node, [
    'intercept',
    'apply',
    '--style',
    'manual',
    '-i',
    '10.0.0.1/32',
    '-p',
    String(PROXY_PORT),
    '-u',
    String(PROXY_UID),
    '--serving-ports',
    '8080',
  ]);
  const rules = (await natRules(node)).filter((l) => l.includes('ISTIO_IN'));
  assert.deepEqual(rules, [
    '-N ISTIO_INBOUND',
    '-N ISTIO_IN_REDIRECT',
    '-A PREROUTING -p tcp -j ISTIO_INBOUND',
    '-A ISTIO_INBOUND -p tcp -m tcp --dport 8080 -j ISTIO_IN_REDIRECT',
    `-A ISTIO_IN_REDIRECT -p tcp -j REDIRECT --to-ports ${PROXY_PORT}`,
  ]);
  assert.equal(await connectAs(peer, APP_UID, NODE_IP, 8080), 'proxy');
  assert.equal(await connectAs(peer, APP_UID, NODE_IP, 80), 'app-80');
});
