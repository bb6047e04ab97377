/**
 * The agent desk and the pick-up kiosk (examples/) in headless Chromium against a real
 * provider (in-process, temporary SQLite): each registers itself through the admin API at
 * start-up, like against `npm start`, and is a plain CIBA client (openid-client). The
 * customer's phone answers through the owner-device API; the desk's page shows the verified
 * identity, a denial, or the kiosk's open locker, live. axe-core checks every page state.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startAgentDesk } from '../../examples/agent-desk/server';
import { startKiosk } from '../../examples/kiosk/server';
import type { RunningDesk } from '../../examples/shared/desk-server';
import { eventually } from '../support/http';
import { createOwner, type TestOwner } from '../support/fixtures';
import { startProvider, type TestProvider } from '../support/provider';
import { describeBrowser, screenshotForDocs, seriousAxeViolations } from './support/browser';

jest.setTimeout(60_000);

describeBrowser('examples: agent desk and pick-up kiosk', (browser) => {
  let provider: TestProvider;
  let dataDir: string;
  let owner: TestOwner;
  let desk: RunningDesk;
  let kiosk: RunningDesk;

  beforeAll(async () => {
    provider = await startProvider();
    dataDir = mkdtempSync(join(tmpdir(), 'onboard-examples-'));
    owner = await createOwner(provider);
    const settings = { issuer: provider.issuer, adminToken: provider.adminToken, dataDir, port: 0, host: '127.0.0.1' };
    desk = await startAgentDesk(settings);
    kiosk = await startKiosk({
      ...settings,
      orders: {
        'A-1042': {
          customer: owner.email,
          store: 'Sakura Pharmacy Shibuya',
          locker: 7,
          items: [{ name: 'Ibuprofen 200 mg', quantity: 2 }, { name: 'Bandages' }],
        },
      },
    });
  }, 60_000);
  afterAll(async () => {
    await desk?.close();
    await kiosk?.close();
    await provider?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function open(url: string): Promise<Page> {
    const context = await browser().newContext({ viewport: { width: 1024, height: 768 } });
    const page = await context.newPage();
    await page.goto(url);
    return page;
  }

  async function expectAccessible(page: Page, screen: string) {
    expect({ screen, violations: await seriousAxeViolations(page) }).toEqual({ screen, violations: [] });
  }

  /** The request the customer's phone received for this binding message. */
  async function onThePhone(bindingMessage: string) {
    return eventually(async () => {
      const pending = await owner.device.pending();
      const request = pending.find((r) => r.binding_message === bindingMessage);
      if (!request) throw new Error(`no pending request ${bindingMessage} yet`);
      return request;
    });
  }

  it('registered both examples as clients of the provider, keeping each registration in a private file', async () => {
    for (const name of ['agent-desk', 'kiosk']) {
      const file = join(dataDir, 'examples', `${name}.client.json`);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const { client_id } = require(file);
      const res = await fetch(provider.at(`/admin/v1/clients/${client_id}`), {
        headers: { authorization: `Bearer ${provider.adminToken}` },
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ backchannel_token_delivery_mode: 'poll' });
    }
  });

  it('agent desk: the agent reads out the code, the customer approves on the phone, the page shows who it is', async () => {
    const page = await open(desk.url);
    await expectAccessible(page, 'agent desk form');
    await page.getByLabel("Customer's e-mail, phone number or customer number").fill(owner.email);
    await page.getByLabel('What for').selectOption('pharmacy');
    await page.getByRole('button', { name: "Send request to the customer's phone" }).click();
    await page.getByRole('heading', { name: 'Pharmacy pick-up' }).waitFor();
    const code = (await page.locator('.code').textContent())!;
    expect(code).toMatch(/^[A-Z]+-\d{2}$/);
    await page.getByText('Waiting for the customer to approve on their phone').waitFor();
    await expectAccessible(page, 'agent desk waiting');

    const request = await onThePhone(code);
    expect(request.binding_message).toBe(code);
    const approved = await owner.device.decide(request.id, 'approve');
    expect(approved.status).toBeLessThan(300);

    await page.getByRole('status').getByText('Verified', { exact: true }).waitFor();
    const identity = page.getByRole('definition');
    await identity.filter({ hasText: owner.email }).waitFor();
    await identity.filter({ hasText: owner.sub }).waitFor();
    await page.getByText(/^Approval receipt:/).waitFor();
    await expectAccessible(page, 'agent desk verified');
    await screenshotForDocs(page, 'agent-desk-verified');
    await page.context().close();
  });

  it('agent desk: a customer who declines is shown as declined, with the provider’s reason', async () => {
    const page = await open(desk.url);
    await page.getByLabel("Customer's e-mail, phone number or customer number").fill(owner.email);
    await page.getByRole('button', { name: "Send request to the customer's phone" }).click();
    const code = (await page.locator('.code').textContent())!;
    const request = await onThePhone(code);
    expect((await owner.device.decide(request.id, 'deny')).status).toBeLessThan(300);
    await page.getByRole('status').getByText('Declined').waitFor();
    await page.getByText('the owner denied the request (access_denied)').waitFor();
    expect(await page.getByRole('definition').count()).toBe(0);
    await expectAccessible(page, 'agent desk declined');
    await page.context().close();
  });

  it('agent desk: "this wasn’t me" on the phone reaches the desk as a report, not a plain no', async () => {
    const page = await open(desk.url);
    await page.getByLabel("Customer's e-mail, phone number or customer number").fill(owner.phoneNumber);
    await page.getByRole('button', { name: "Send request to the customer's phone" }).click();
    const code = (await page.locator('.code').textContent())!;
    const request = await onThePhone(code);
    expect((await owner.device.decide(request.id, 'deny', { reason: 'not_me' })).status).toBeLessThan(300);
    await page.getByRole('status').getByText('Declined').waitFor();
    await page.getByText('the owner reported that they did not make this request (access_denied)').waitFor();
    await page.context().close();
  });

  it('agent desk: an unknown customer is refused at once with the provider’s answer', async () => {
    const page = await open(desk.url);
    await page.getByLabel("Customer's e-mail, phone number or customer number").fill('nobody@example.test');
    await page.getByRole('button', { name: "Send request to the customer's phone" }).click();
    await page.getByRole('alert').getByText('the hint does not identify a known user (unknown_user_id)').waitFor();
    expect(await page.locator('#result').isHidden()).toBe(true);
    await page.context().close();
  });

  it('kiosk: an order pick-up reaches the phone as order_pickup details; approved, the locker opens', async () => {
    const page = await open(kiosk.url);
    await expectAccessible(page, 'kiosk form');
    await page.getByLabel('Order number').fill('a-1042');
    await page.getByRole('button', { name: 'Pick up' }).click();
    await page.getByRole('heading', { name: 'Order A-1042 · locker 7' }).waitFor();
    const code = (await page.locator('.code').textContent())!;

    const request = await onThePhone(code);
    expect(request.authorization_details).toEqual([
      {
        type: 'order_pickup',
        order_id: 'A-1042',
        store: 'Sakura Pharmacy Shibuya',
        items: [{ name: 'Ibuprofen 200 mg', quantity: 2 }, { name: 'Bandages' }],
      },
    ]);
    expect((await owner.device.decide(request.id, 'approve')).status).toBeLessThan(300);
    await page.getByText('Locker 7 is open. Take your order.').waitFor();
    await expectAccessible(page, 'kiosk verified');
    await screenshotForDocs(page, 'kiosk-verified');

    // An order that is not here starts nothing.
    await page.getByLabel('Order number').fill('Z-9');
    await page.getByRole('button', { name: 'Pick up' }).click();
    await page.getByRole('alert').getByText('there is no order Z-9 waiting here (invalid_request)').waitFor();
    await page.context().close();
  });
});
