import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { TYPE_URL } from '../../src/xds/types.js';
import { RawXdsClient, type SotwStream } from '../xds/helpers/raw-client.js';
import { launchBrowser, newPage, SCREENSHOTS, screenshot, signIn } from './browser.js';
import { DemoProcess, type ReadyEvent, type TrafficEvent } from './demo-process.js';

// The console in a real browser against `npm run demo` (real gRPC backends in two zones,
// grpc-js-xds clients sending traffic): what a new user would do with it. The demo's own
// `traffic` events say where the calls really went. VANE_SCREENSHOTS=1 also writes
// docs/screenshots/*.png.

const ZONE_A = 'us-central1-a';
const ZONE_B = 'us-east1-b';

describe('console in a browser, on the demo', () => {
  let demo: DemoProcess;
  let ready: ReadyEvent;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let raw: RawXdsClient | undefined;

  before(async () => {
    demo = new DemoProcess();
    [ready, browser] = await Promise.all([demo.ready(), launchBrowser()]);
    ({ page, errors } = await newPage(browser));
    // Load is averaged by the server over a 60 s window: screenshots wait until it is full,
    // so that their requests/s are the demo's steady traffic.
    if (SCREENSHOTS) await new Promise((r) => setTimeout(r, 65_000));
  });
  after(async () => {
    raw?.client.close();
    await browser?.close();
    await demo?.stop();
  });

  test('sign in with the token the demo printed; nothing is broken', async () => {
    await signIn(page, ready.consoleUrl, ready.token);
    await page.getByRole('link', { name: 'demo' }).first().click();
    await page.getByRole('heading', { name: /^demo/ }).waitFor();
    await page.getByText('Nothing is broken that Vane can see.').waitFor();
    await page.getByText('2 Connected proxies').waitFor();
    await page.getByText('Live', { exact: true }).waitFor();
    await screenshot(page, 'overview');
  });

  test('services: the demo topology with health colours and live requests/s from load reports', async () => {
    await nav(page, 'Services');
    const labels = [
      'forwardingRules wallet-rule',
      'targetGrpcProxies wallet-proxy',
      'urlMaps wallet-map',
      'backendServices wallet-v1, healthy',
      'backendServices wallet-v2, healthy',
      'networkEndpointGroups wallet-v1-neg, healthy',
      'networkEndpointGroups wallet-v2-neg, healthy',
    ];
    for (const label of labels) await page.locator(`[aria-label="${label}"]`).first().waitFor();
    assert.equal(await page.locator('g.node').count(), 9, 'rule, proxy, map, 2 services, 2 NEGs × 2 zones');
    assert.equal(await page.locator('g.node-ok').count(), 6, 'services and NEGs are green');
    // Requests/s on the edges: the clients send 2 × 20 calls/s, reported over LRS every 2 s.
    const rates = page.locator('text.edge-label');
    await rates.first().waitFor({ timeout: 15_000 });
    const values = (await rates.allTextContents()).map((t) => Number.parseFloat(t));
    assert.ok(values.length >= 2, `rates on the edges: ${values}`);
    assert.ok(
      values.every((v) => v > 0),
      `${values}`,
    );
    await screenshot(page, 'services');
  });

  test('topology by keyboard: Tab walks the nodes column by column, Enter opens one', async () => {
    await page.locator('.toolbar select').focus();
    const seen: string[] = [];
    for (let i = 0; i < 12 && !seen.at(-1)?.startsWith('backendServices wallet-v1'); i++) {
      await page.keyboard.press('Tab');
      seen.push(
        (await page.evaluate<string | null>("document.activeElement?.getAttribute('aria-label')")) ?? '',
      );
    }
    assert.deepEqual(
      seen.map((s) => s.split(' ')[0]),
      ['forwardingRules', 'targetGrpcProxies', 'urlMaps', 'backendServices'],
      JSON.stringify(seen),
    );
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: /Backend service wallet-v1/ }).waitFor();
  });

  test('backend service: endpoints by zone and a load chart; a stopped backend turns UNHEALTHY live, then its zone fails over', async () => {
    for (const zone of [ZONE_A, ZONE_B]) await page.getByRole('heading', { name: zone }).waitFor();
    const v1 = ready.backends.filter((b) => b.version === 'v1');
    for (const b of v1)
      await endpointRow(page, b.port).getByText('HEALTHY', { exact: true }).first().waitFor();
    // The chart draws once the page has a few load samples (one every 2 s).
    await page.waitForFunction(
      "(document.querySelector('figure.chart polyline')?.getAttribute('points') ?? '').split(' ').length >= 3",
      undefined,
      { timeout: 20_000 },
    );
    await screenshot(page, 'backend-service');

    // Live updates: the page is not reloaded, it follows the server's events.
    await page.evaluate('window.marker = 1');
    const since = demo.events.length;
    demo.signal('SIGUSR1');
    const stopped = await demo.waitFor<{ event: string; port: number; zone: string }>(
      'stop-backend action',
      (e) => e.event === 'action' && e.action === 'stop-backend',
      10_000,
      since,
    );
    assert.equal(stopped.zone, ZONE_A);
    const row = endpointRow(page, stopped.port);
    await row.getByText('UNHEALTHY').first().waitFor({ timeout: 15_000 });
    await row.getByText('gets no traffic').waitFor();
    await page.getByText(`1 of 2 endpoints serving`).waitFor();

    demo.signal('SIGUSR1');
    await demo.waitFor(
      'second stop-backend action',
      (e) => e.event === 'action' && e.action === 'stop-backend' && e.port !== stopped.port,
      10_000,
      since,
    );
    await page
      .getByRole('heading', { name: ZONE_A })
      .getByText('failover: no healthy endpoint, traffic goes to other zones')
      .waitFor({ timeout: 15_000 });
    assert.equal(await page.evaluate('window.marker'), 1, 'the page was not reloaded');
    await page.getByRole('heading', { name: 'Endpoints', exact: true }).evaluate((h) => h.scrollIntoView());
    await screenshot(page, 'backend-service-failover');

    // The overview puts the broken service first and names the failover.
    await nav(page, 'Overview');
    const hurt = page.getByRole('list', { name: 'Unhealthy endpoints' }).getByRole('listitem');
    await hurt.first().waitFor();
    assert.match((await hurt.allTextContents()).join('\n'), /wallet-v1: 2 of 4 endpoints fail/);
    assert.match(
      (await hurt.allTextContents()).join('\n'),
      new RegExp(`No healthy endpoint in ${ZONE_A}: proxies there fail over to ${ZONE_B}`),
    );

    // Restarted: the overview recovers by itself.
    demo.signal('SIGUSR2');
    await page.getByText('Nothing is broken that Vane can see.').waitFor({ timeout: 15_000 });
  });

  test('url map: changing the split 50/50 → 90/10 in the YAML editor moves the real traffic', async () => {
    await nav(page, 'URL maps');
    await page.getByRole('link', { name: 'wallet-map' }).click();
    await page.getByRole('heading', { name: /URL map wallet-map/ }).waitFor();
    await page.locator('.bar[aria-label="50 %"]').first().waitFor();

    // Before: about half the calls go to v1.
    const before = share(demo.trafficSince(Date.now() - 6000));
    assert.ok(before.calls > 40 && before.v1 < 0.7, JSON.stringify(before));

    await page.getByRole('tab', { name: 'Edit as YAML' }).click();
    const editor = page.getByLabel('Resource YAML');
    await editor.fill(setWeights(await editor.inputValue(), 90, 10));
    await page.getByRole('button', { name: 'Preview changes' }).click();
    await page.getByRole('status').getByText('wallet-map would be updated').waitFor();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved at').waitFor();
    const savedAt = Date.now();

    const moved = await demo.waitFor<TrafficEvent>(
      'a traffic window with v1 above 75 %',
      (e) => e.event === 'traffic' && Number(e.from) >= savedAt && Number(e.v1) > 75,
      15_000,
    );
    assert.ok(moved.to - savedAt < 12_000, `followed after ${moved.to - savedAt} ms`);

    await page.getByRole('tab', { name: 'Routes' }).click();
    await page.locator('.bar[aria-label="90 %"]').waitFor();
    await page.locator('.bar[aria-label="10 %"]').waitFor();
    await screenshot(page, 'url-map');
  });

  test('url map YAML: a duplicate priority and an unknown field are shown at their lines', async () => {
    await page.getByRole('tab', { name: 'Edit as YAML' }).click();
    const editor = page.getByLabel('Resource YAML');
    const original = await editor.inputValue();

    // A second rule with priority 0: saving is refused, and the error points at that line.
    assert.equal(original.match(/priority: 1$/gm)?.length, 1, original);
    const duplicate = original.replace(/priority: 1$/m, 'priority: 0');
    await editor.fill(duplicate);
    await page.getByRole('button', { name: 'Save' }).click();
    let item = page.getByRole('list', { name: 'Errors by line' }).getByRole('listitem').first();
    await item.waitFor();
    let text = (await item.textContent()) ?? '';
    assert.match(text, /pathMatchers\[0\]\.routeRules\[1\]\.priority: must be unique/);
    const lines = duplicate.split('\n');
    const second = lines.findIndex((l, i) => /priority: 0$/.test(l) && lines.indexOf(l) !== i) + 1;
    assert.ok(second > 0, duplicate);
    assert.equal(Number(/line (\d+)/.exec(text)?.[1]), second, text);
    await page.locator('.annotation').first().waitFor();
    await page.getByText('Not saved').waitFor();
    await screenshot(page, 'url-map-yaml-error');

    // An unknown field, in a preview this time.
    await page.getByRole('button', { name: 'Revert' }).click();
    const unknown = original.replace(/^( *)routeAction:\n( *)/m, '$1routeAction:\n$2bogusField: 1\n$2');
    assert.notEqual(unknown, original);
    await editor.fill(unknown);
    await page.getByRole('button', { name: 'Preview changes' }).click();
    item = page.getByRole('list', { name: 'Errors by line' }).getByRole('listitem').first();
    await item.getByText('bogusField').first().waitFor();
    text = (await item.textContent()) ?? '';
    assert.match(text, /pathMatchers\[0\]\.routeRules\[1\]\.routeAction\.bogusField: unknown field/);
    const line = Number(/line (\d+)/.exec(text)?.[1]);
    assert.match(unknown.split('\n')[line - 1] ?? '', /^\s*bogusField: 1$/, text);
    await page.getByRole('button', { name: 'Revert' }).click();
  });

  test('proxies: the two grpc-js-xds clients are SYNCED; a NACKing proxy shows its message in red and goes when it disconnects', async () => {
    await nav(page, 'Proxies');
    const rows = page.locator('tbody tr');
    await page.waitForFunction("document.querySelectorAll('tbody tr').length === 2");
    for (const zone of [ZONE_A, ZONE_B]) {
      const row = rows.filter({ hasText: zone });
      assert.equal(await row.count(), 1, zone);
      assert.match((await row.locator('td').nth(1).textContent()) ?? '', /grpc/);
      const statuses = await row.locator('.badge').allTextContents();
      assert.equal(statuses.length, 4, 'listeners, routes, clusters, endpoints');
      assert.ok(
        statuses.every((s) => s === 'SYNCED'),
        statuses.join(),
      );
    }
    await screenshot(page, 'proxies');

    raw = new RawXdsClient(Number(ready.xdsAddress.split(':')[1]));
    const nodeId = `projects/${ready.projectNumber}/networks/default/nodes/nacker`;
    const stream: SotwStream = raw.sotw();
    stream.send({ node: { id: nodeId, locality: { zone: ZONE_A } }, typeUrl: TYPE_URL.cluster });
    const cds = await stream.next(5000);
    assert.ok(cds.resources.length >= 2, 'wallet-v1 and wallet-v2');
    stream.send({
      typeUrl: TYPE_URL.cluster,
      responseNonce: cds.nonce,
      errorDetail: { code: 3, message: 'cluster wallet-v1: rejected on purpose' },
    });
    const nack = page.getByText('NACK: cluster wallet-v1: rejected on purpose');
    await nack.waitFor({ timeout: 15_000 });
    assert.equal(
      await page.evaluate(
        "getComputedStyle([...document.querySelectorAll('.bad-text')].find((e) => e.textContent.includes('rejected on purpose'))).color",
      ),
      'rgb(207, 34, 46)',
      'the NACK message is red',
    );
    const nacker = rows.filter({ hasText: nodeId });
    assert.deepEqual(await nacker.locator('.badge').allTextContents(), ['NACKED']);
    await screenshot(page, 'proxies-nack');

    // The overview leads with the analysis finding.
    await nav(page, 'Overview');
    const first = page.locator('.findings .finding').first();
    await first.getByText('PROXY_NACKED').waitFor({ timeout: 15_000 });
    assert.match((await first.textContent()) ?? '', new RegExp(`proxy ${nodeId} rejected CDS`));
    await screenshot(page, 'overview-broken');

    await nav(page, 'Proxies');
    await nacker.waitFor();
    stream.cancel();
    await nacker.waitFor({ state: 'detached', timeout: 15_000 });
    assert.equal(await rows.count(), 2);
  });

  test('proxy: "Explain a request" shows the routing decision step by step', async () => {
    await page.locator('tbody tr').filter({ hasText: ZONE_A }).getByRole('link').first().waitFor();
    assert.equal(
      await page.locator('tbody tr').filter({ hasText: ZONE_A }).count(),
      1,
      'the NACKing proxy is gone',
    );
    await page.locator('tbody tr').filter({ hasText: ZONE_A }).getByRole('link').click();
    await page.getByRole('heading', { name: 'Explain a request' }).waitFor();
    await page.getByLabel('Request to').fill('wallet.example.com:80/wallet.Wallet/Balance');
    await page.getByRole('button', { name: 'Explain', exact: true }).click();
    const decision = page.getByRole('region', { name: 'Routing decision' });
    await decision.waitFor();
    const text = (await decision.textContent()) ?? '';
    assert.match(text, /^ROUTED wallet\.example\.com:80\/wallet\.Wallet\/Balance/);
    assert.match(text, /as a proxyless gRPC node in us-central1-a/);
    for (const link of ['wallet-rule', 'wallet-proxy', 'wallet-map'])
      await decision.getByRole('link', { name: link, exact: true }).waitFor();
    assert.match(text, /priority 1: prefix "\/"/);
    assert.match(text, /Earlier routes that did not match \(1\)/);
    const weights = decision.getByRole('table', { name: 'Weighted services' }).getByRole('row');
    assert.deepEqual(
      (await weights.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim()),
      ['wallet-v1 90 % (weight 90)', 'wallet-v2 10 % (weight 10)'],
    );
    // Endpoints by locality: the node's zone first, then the other zone, each endpoint's health.
    const localities = decision.locator('table.endpoints tbody tr');
    assert.equal(await localities.count(), 4, 'two services × two zones');
    assert.match((await localities.first().textContent()) ?? '', new RegExp(`^${ZONE_A}.*first`));
    // The other zone is the failover (or, when load reports say the first zone is full, shares priority 0).
    assert.match(
      (await localities.nth(1).textContent()) ?? '',
      new RegExp(`^${ZONE_B}.*(failover 1|capacity spillover)`),
    );
    assert.equal(await decision.locator('.badge', { hasText: /^HEALTHY$/ }).count(), 8);
    // Not raw JSON: the JSON is folded away.
    await page.getByText('The answer as JSON').waitFor();
    assert.equal(
      await page.locator('section[aria-labelledby="explain"] .json-node').first().isVisible(),
      false,
    );
    await decision.scrollIntoViewIfNeeded();
    await page.getByRole('heading', { name: 'Explain a request' }).evaluate((h) => h.scrollIntoView());
    await screenshot(page, 'proxy-explain');

    // The header rule wins over the split.
    await page.getByLabel(/Headers/).fill('route: v2');
    await page.getByRole('button', { name: 'Explain', exact: true }).click();
    await decision.getByText('All to').waitFor();
    assert.match((await decision.textContent()) ?? '', /priority 0: .*All to wallet-v2/);
  });

  test('NEG: its endpoints, listed, with their health', async () => {
    await nav(page, 'Services');
    await page.locator('[aria-label^="networkEndpointGroups wallet-v2-neg"]').first().click();
    await page.getByRole('heading', { name: /Network endpoint group wallet-v2-neg/ }).waitFor();
    const zone = new URL(page.url()).searchParams.get('zone');
    const ports = ready.backends.filter((b) => b.version === 'v2' && b.zone === zone).map((b) => b.port);
    assert.equal(ports.length, 2, String(zone));
    for (const port of ports) await endpointRow(page, port).getByText('HEALTHY', { exact: true }).waitFor();
    assert.equal(await page.locator('table.endpoints tbody tr').count(), 2);
    await page.getByRole('columnheader', { name: 'Health for wallet-v2' }).waitFor();
    await screenshot(page, 'neg');
  });

  test('agents (none in the demo), health checks and tokens', async () => {
    await nav(page, 'Agents');
    await page.getByText('No instances are registered in this project.').waitFor();
    await screenshot(page, 'agents');
    await nav(page, 'Health checks');
    await page.getByRole('cell', { name: 'wallet-hc' }).waitFor();
    await screenshot(page, 'health-checks');
    await nav(page, 'Tokens');
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.getByText('it is shown only once').waitFor();
    await screenshot(page, 'tokens');
  });

  test('no script errors in the browser', () => {
    // Failed requests (the refused YAML) are reported by the browser and handled by the page.
    assert.deepEqual(
      errors.filter((e) => !/Failed to load resource/.test(e)),
      [],
    );
  });
});

/** Follows a link of the left navigation. */
function nav(page: Page, name: string): Promise<void> {
  return page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name, exact: true }).click();
}

/** The table row of endpoint 127.0.0.1:PORT. */
function endpointRow(page: Page, port: number) {
  return page.locator('table.endpoints tbody tr').filter({ hasText: `127.0.0.1:${port}` });
}

/** v1's share of the successful calls in some traffic windows. */
function share(windows: { calls: number; counts: { v1: number; v2: number } }[]) {
  const v1 = windows.reduce((n, w) => n + w.counts.v1, 0);
  const v2 = windows.reduce((n, w) => n + w.counts.v2, 0);
  return { calls: v1 + v2, v1: v1 / Math.max(v1 + v2, 1) };
}

/** The URL map YAML with the weights of wallet-v1 and wallet-v2 in the weighted route changed. */
function setWeights(yaml: string, v1: number, v2: number): string {
  const lines = yaml.split('\n');
  let service: string | undefined;
  let changed = 0;
  for (let i = 0; i < lines.length; i++) {
    const m = /backendService: .*\/(wallet-v[12])$/.exec(lines[i]!);
    if (m) service = m[1];
    else if (service && /^\s*weight: \d+$/.test(lines[i]!)) {
      lines[i] = lines[i]!.replace(/\d+$/, String(service === 'wallet-v1' ? v1 : v2));
      service = undefined;
      changed++;
    }
  }
  assert.equal(changed, 2, yaml);
  return lines.join('\n');
}
