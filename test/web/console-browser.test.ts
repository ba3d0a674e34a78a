import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startVane, type TestServer } from '../helpers/server.js';
import { createMesh, ZONE_A } from '../helpers/td-setup.js';
import { launchBrowser, newPage, signIn } from './browser.js';

// The console in a real browser against a real `vane serve` with a mesh and no traffic
// (empty states). The screenshots come from demo-browser.test.ts, on the running demo.

describe('console in a browser', () => {
  let s: TestServer;
  let browser: Browser;
  let page: Page;
  let errors: string[];

  before(async () => {
    s = await startVane();
    await createMesh(s, 'demo');
    // An agent's report, so the Agents page has something to show.
    const vm = `/v1/projects/demo/zones/${ZONE_A}/instances/vm-1`;
    const reg = await s.api('POST', `${vm}/register`, {
      networkIP: '10.0.0.9',
      network: 'global/networks/default',
    });
    assert.equal(reg.status, 200, JSON.stringify(reg.body));
    const ga = await s.api(
      'POST',
      `/compute/v1/projects/demo/zones/${ZONE_A}/instances/vm-1/setGuestAttributes`,
      {
        items: [
          { namespace: 'gce-service-proxy', key: 'bootstrap-status', value: 'FINISHED' },
          { namespace: 'gce-service-proxy', key: 'proxy-version', value: '1.31.2' },
          { namespace: 'gce-service-proxy', key: 'agent-heartbeat', value: new Date().toISOString() },
        ],
      },
    );
    assert.equal(ga.status, 200, JSON.stringify(ga.body));
    browser = await launchBrowser();
    ({ page, errors } = await newPage(browser));
  });
  after(async () => {
    await browser?.close();
    await s?.stop();
  });

  test('sign in with the admin token; the overview shows the project', async () => {
    await signIn(page, s.url, s.adminToken);
    await page.getByRole('link', { name: 'demo' }).first().click();
    await page.getByRole('heading', { name: /^demo/ }).waitFor();
    await page.getByText('Backend services').first().waitFor();
    await page.getByText(/Live/).waitFor();
  });

  test('services: the topology has every layer of the mesh', async () => {
    await nav(page, 'Services');
    for (const label of [
      'forwardingRules wallet-rule',
      'targetGrpcProxies wallet-proxy',
      'urlMaps wallet-map',
      'backendServices wallet-v1',
      'backendServices wallet-v2',
      'networkEndpointGroups wallet-neg',
    ]) {
      await page.locator(`[aria-label^="${label}"]`).first().waitFor();
    }
    assert.equal(await page.locator('g.node').count(), 7, 'two NEGs of one name in two zones');
  });

  test('url map: routes as tables; a bad priority in YAML is shown at its line', async () => {
    await page.locator('[aria-label^="urlMaps wallet-map"]').click();
    await page.getByRole('heading', { name: /URL map/ }).waitFor();
    await page.getByRole('cell', { name: 'header route exact "v2"' }).waitFor();

    await page.getByRole('tab', { name: 'Edit as YAML' }).click();
    const editor = page.getByLabel('Resource YAML');
    const yaml = await editor.inputValue();
    assert.match(yaml, /priority: 1/);
    await editor.fill(yaml.replace('priority: 1', 'priority: -1'));
    await page.getByRole('button', { name: 'Preview changes' }).click();
    const item = page.getByRole('list', { name: 'Errors by line' }).getByRole('listitem').first();
    await item.waitFor();
    const text = (await item.textContent()) ?? '';
    assert.match(text, /pathMatchers\[0\]\.routeRules\[1\]\.priority/);
    const line = Number(/line (\d+)/.exec(text)?.[1]);
    assert.match((await editor.inputValue()).split('\n')[line - 1] ?? '', /priority: -1/, text);
    await page.locator('.annotation').first().waitFor();
  });

  test('backend service, proxies, agents, health checks and tokens render', async () => {
    await page.goto(`${s.url}/p/demo/backendServices/wallet-v1`);
    await page.getByRole('heading', { name: ZONE_A }).waitFor();
    await nav(page, 'Proxies');
    await page.getByText('No proxy is connected').waitFor();
    await nav(page, 'Agents');
    await page.getByRole('cell', { name: 'vm-1' }).waitFor();
    await page.getByText('FINISHED').waitFor();
    await nav(page, 'Health checks');
    await page.getByRole('cell', { name: 'grpc-hc' }).waitFor();
    await nav(page, 'Tokens');
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.getByText('it is shown only once').waitFor();
    assert.match(await page.getByLabel('New token secret').inputValue(), /^vane_/);
  });

  test('no script errors in the browser', () => {
    // 404s of optional endpoints are expected and handled; anything else is a bug.
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
