/**
 * The whole owner journey on the real stack, in headless Chromium: the provider (in-process,
 * temporary SQLite) serving the built owner app at /app/, the MQTT bridge with its embedded
 * broker, a relying party (openid-client), the agent desk example and a head-unit (the device
 * client library). The owner enrols a passkey (a DevTools virtual authenticator) from an
 * invitation, sees requests arrive on the open list by the live channel, approves with the
 * passkey, denies, reports "this wasn't me", watches a countdown reach zero, reads the history,
 * unpairs the car, signs out and in again; the clients receive tokens that say a
 * passkey was verified, or the provider's refusal. axe-core checks every screen.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import * as oidc from 'openid-client';
import { type DeviceClient } from '@onboard/device-client';
import { CATALOGUES, interpolate, type Locale, type MessageKey } from '../../apps/owner-app/src/i18n/i18n';
import { startAgentDesk } from '../../examples/agent-desk/server';
import type { RunningDesk } from '../../examples/shared/desk-server';
import { connectDeviceClient, startRelayBridge, type TestBridge } from '../support/bridge';
import { createOwner, registerClient, type TestOwner } from '../support/fixtures';
import { sendJson } from '../support/http';
import { makeTempDir, removeTempDir, startProvider, type TestProvider } from '../support/provider';
import { describeBrowser, openPhone, seriousAxeViolations, type Phone } from './support/browser';
import type { LiveChannel } from '@onboard/owner-auth';
import { OWNER_LIVE_CHANNEL } from '../../apps/ciba-provider/src/providers/tokens';

jest.setTimeout(90_000);

const PASSKEY_ACR = 'urn:onboard:acr:passkey';
const root = join(__dirname, '..', '..');

const say = (locale: Locale, key: MessageKey, params?: Record<string, string>) =>
  interpolate(CATALOGUES[locale][key], params);

/** The provider serves the app from dist/apps/owner-app (npm run build); built here when missing. */
function ensureBuiltApp() {
  if (existsSync(join(root, 'dist', 'apps', 'owner-app', 'index.html'))) return;
  execFileSync(
    process.execPath,
    [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'apps/owner-app/vite.config.mts'],
    {
      cwd: root,
      stdio: 'ignore',
    },
  );
}

describeBrowser('the owner journey on the real stack', (browser) => {
  let provider: TestProvider;
  let bridge: TestBridge;
  let owner: TestOwner;
  let dir: string;
  let rp: oidc.Configuration;
  let desk: RunningDesk;
  const headUnits: DeviceClient[] = [];
  const checked: string[] = [];

  beforeAll(async () => {
    ensureBuiltApp();
    dir = makeTempDir();
    provider = await startProvider();
    bridge = await startRelayBridge(provider, { dir });
    owner = await createOwner(provider, { name: 'Alex Morgan' });
    const client = await registerClient(provider, {
      authMethod: 'client_secret_basic',
      mode: 'poll',
      metadata: { client_name: 'Northwind Bank', scope: 'openid profile email' },
    });
    rp = await oidc.discovery(
      new URL(provider.issuer),
      client.clientId,
      undefined,
      oidc.ClientSecretBasic(client.clientSecret!),
      { execute: [oidc.allowInsecureRequests] },
    );
    desk = await startAgentDesk({
      issuer: provider.issuer,
      adminToken: provider.adminToken,
      dataDir: dir,
      port: 0,
      host: '127.0.0.1',
    });
  }, 120_000);
  afterAll(async () => {
    await Promise.all(headUnits.map((h) => h.close()));
    await desk?.close();
    await bridge?.close();
    await provider?.close();
    if (dir) removeTempDir(dir);
  });

  async function expectAccessible(page: Page, screen: string) {
    await page.waitForLoadState('networkidle').catch(() => undefined);
    expect({ screen, violations: await seriousAxeViolations(page) }).toEqual({ screen, violations: [] });
    checked.push(screen);
  }

  /** A phone enrolled from an admin invitation, on the request list. */
  async function enrol(locale: Locale, tag: string, deviceName: string): Promise<Phone> {
    const res = await sendJson(
      'POST',
      provider.at(`/admin/v1/owners/${encodeURIComponent(owner.sub)}/invitations`),
      {},
      { authorization: `Bearer ${provider.adminToken}` },
    );
    expect(res.status).toBe(201);
    const url = new URL(res.json.url);
    // WebAuthn needs a host name, not an IP address, for its RP ID
    expect(url.hostname).toBe('localhost');
    const phone = await openPhone(browser(), { locale: tag });
    const { page } = phone;
    await page.goto(url.href);
    await page.getByRole('heading', { name: say(locale, 'enrol.title'), exact: true }).waitFor();
    await expectAccessible(page, `${locale} enrol`);
    await page.getByRole('textbox').fill(deviceName);
    await page.getByRole('button', { name: say(locale, 'enrol.create_passkey') }).click();
    await page.getByRole('heading', { name: say(locale, 'enrol.done_title'), exact: true }).waitFor();
    await page.getByRole('button', { name: say(locale, 'enrol.go_to_requests') }).click();
    await page.getByRole('heading', { name: say(locale, 'requests.title'), exact: true }).waitFor();
    const notNow = page.getByRole('button', { name: say(locale, 'requests.push_prompt_dismiss') });
    if (await notNow.isVisible().catch(() => false)) await notNow.click();
    await expectAccessible(page, `${locale} requests`);
    return phone;
  }

  /** The request list, open while a request is made (so that it arrives live). */
  async function showList(page: Page) {
    await page.goto(new URL('/app/#/requests', provider.issuer).href);
    await page.locator('main h1').waitFor();
  }

  /** Until this owner has an open live channel (the app's Server-Sent Events stream) at the provider. */
  async function waitForLiveChannel() {
    const live = provider.booted.app.get<LiveChannel>(OWNER_LIVE_CHANNEL);
    for (let i = 0; i < 100 && live.count(owner.sub) === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(live.count(owner.sub)).toBeGreaterThan(0);
  }

  /**
   * On the open request list, a request from `client` arrives by the live channel alone (no
   * reload, no Refresh) and is opened.
   */
  async function openArrived(page: Page, client: string, bindingMessage: string) {
    const link = page.getByRole('link', { name: new RegExp(client) }).first();
    await link.waitFor({ state: 'visible', timeout: 10_000 });
    await link.click();
    await page.getByText(bindingMessage, { exact: true }).waitFor();
  }

  const code = () =>
    `RP-${Math.floor(Math.random() * 1e6)
      .toString()
      .padStart(6, '0')}`;

  it('enrols, then approves with the passkey what the relying party, the agent desk and a head-unit ask', async () => {
    const phone = await enrol('en', 'en-GB', 'Alex’s phone');
    const { page } = phone;
    try {
      // 1. A relying party's request arrives while the page is open; approved with the passkey.
      await waitForLiveChannel();
      const message = code();
      const started = await oidc.initiateBackchannelAuthentication(rp, {
        scope: 'openid email',
        login_hint: owner.email,
        binding_message: message,
      });
      await openArrived(page, 'Northwind Bank', message);
      await expectAccessible(page, 'en request');
      await page.getByRole('button', { name: say('en', 'request.approve'), exact: true }).click();
      await page.getByRole('heading', { name: say('en', 'request.approved_title'), exact: true }).waitFor();
      await expectAccessible(page, 'en approved');
      const tokens = await oidc.pollBackchannelAuthenticationGrant(rp, started);
      expect(tokens.claims()).toMatchObject({ sub: owner.sub, acr: PASSKEY_ACR });

      // 2. The agent desk, in another browser window.
      const deskContext = await browser().newContext();
      const deskPage = await deskContext.newPage();
      await deskPage.goto(desk.url);
      await showList(page);
      await deskPage.getByLabel("Customer's e-mail, phone number or customer number").fill(owner.email);
      await deskPage.getByRole('button', { name: "Send request to the customer's phone" }).click();
      const deskCode = (await deskPage.locator('.code').textContent())!;
      await openArrived(page, 'Service desk', deskCode);
      await page.getByRole('button', { name: say('en', 'request.approve'), exact: true }).click();
      await page.getByRole('heading', { name: say('en', 'request.approved_title'), exact: true }).waitFor();
      await deskPage.getByRole('status').getByText('Verified', { exact: true }).waitFor();
      await deskPage.getByRole('definition').filter({ hasText: PASSKEY_ACR }).waitFor();
      await deskContext.close();

      // 3. A head-unit pairs over MQTT (the device client library); its request shows as a vehicle.
      const { client: headUnit, deviceId } = await connectDeviceClient(provider, bridge, {
        metadata: { onboard_vehicle: { nickname: 'Family EV', model: 'Northwind e-Tourer' } },
        reconnect: { minMs: 50, maxMs: 200 },
      });
      headUnits.push(headUnit);
      await showList(page);
      const pairCode = code();
      const pairing = headUnit.requestOwnerVerification({
        loginHint: owner.email,
        bindingMessage: pairCode,
        scope: 'openid offline_access',
      });
      const vehicleLink = page.locator('a[href^="#/requests/"]').first();
      await vehicleLink.waitFor({ state: 'visible', timeout: 10_000 });
      await vehicleLink.click();
      await page.getByText(pairCode, { exact: true }).waitFor();
      // The car by its nickname and model, never its identifier.
      await page.getByText('Family EV').first().waitFor();
      expect(await page.locator('main').textContent()).not.toContain(deviceId);
      await page.getByRole('button', { name: say('en', 'request.approve'), exact: true }).click();
      await page.getByRole('heading', { name: say('en', 'request.approved_title'), exact: true }).waitFor();
      const unitTokens = await pairing.result;
      expect(unitTokens.claims.sub).toBe(owner.sub);
      expect(unitTokens.claims.acr).toBe(PASSKEY_ACR);

      // 4. History lists the three approvals, newest first.
      await page.getByRole('link', { name: say('en', 'nav.history') }).click();
      await page.getByRole('heading', { name: say('en', 'history.title'), exact: true }).waitFor();
      await page.getByText(pairCode).waitFor();
      for (const shown of [message, deskCode]) await page.getByText(shown).waitFor();
      await expectAccessible(page, 'en history (real stack)');

      // 5. The head-unit is listed as a paired vehicle; "Unpair" ends its tokens at once.
      await page.getByRole('link', { name: say('en', 'nav.vehicles') }).click();
      await page.getByRole('heading', { name: say('en', 'vehicles.title'), exact: true }).waitFor();
      const unpair = page.getByRole('button', { name: say('en', 'vehicles.unpair_named', { nickname: 'Family EV' }) });
      await unpair.waitFor();
      await expectAccessible(page, 'en vehicles (real stack)');
      const refreshed = await headUnit.refresh(unitTokens);
      expect(refreshed.refreshToken).toEqual(expect.any(String));
      await unpair.click();
      await page
        .getByRole('dialog')
        .getByRole('button', { name: say('en', 'vehicles.unpair'), exact: true })
        .click();
      await page.getByText(/was unpaired\./).waitFor();
      await page.getByText(say('en', 'vehicles.empty')).waitFor();
      await expect(headUnit.refresh(refreshed)).rejects.toMatchObject({ code: 'invalid_grant' });
      expect(phone.pageErrors).toEqual([]);
    } finally {
      await phone.close();
    }
  });

  it('deny and "this wasn’t me" reach the relying party as access_denied with what the owner said; in Japanese', async () => {
    const phone = await enrol('ja', 'ja-JP', '仕事用の電話');
    const { page } = phone;
    try {
      expect(await page.evaluate(() => (globalThis as any).document.documentElement.lang)).toBe('ja');
      for (const [button, description, outcome] of [
        ['request.deny', 'the owner denied the request', 'request.denied_title'],
        ['request.not_me', 'the owner reported that they did not make this request', 'request.reported_title'],
      ] as const) {
        const message = code();
        const started = await oidc.initiateBackchannelAuthentication(rp, {
          scope: 'openid',
          login_hint: owner.email,
          binding_message: message,
        });
        await openArrived(page, 'Northwind Bank', message);
        await expectAccessible(page, `ja request (${button})`);
        await page.getByRole('button', { name: say('ja', button), exact: true }).click();
        await page.getByRole('heading', { name: say('ja', outcome), exact: true }).waitFor();
        await expectAccessible(page, `ja ${outcome}`);
        await expect(oidc.pollBackchannelAuthenticationGrant(rp, started)).rejects.toMatchObject({
          error: 'access_denied',
          error_description: description,
        });
        await showList(page);
      }
      // The countdown reaches zero on a request the provider lets expire (requested_expiry 4 s):
      // the screen says so, offers no buttons, and the relying party gets expired_token.
      const shortLived = code();
      const expiring = await oidc.initiateBackchannelAuthentication(rp, {
        scope: 'openid',
        login_hint: owner.email,
        binding_message: shortLived,
        requested_expiry: '4',
      });
      await openArrived(page, 'Northwind Bank', shortLived);
      await page.getByRole('timer').waitFor();
      await page.getByRole('heading', { name: say('ja', 'request.expired_title') }).waitFor({ timeout: 10_000 });
      expect(await page.getByRole('button', { name: say('ja', 'request.approve'), exact: true }).count()).toBe(0);
      await expectAccessible(page, 'ja expired (real stack)');
      await expect(oidc.pollBackchannelAuthenticationGrant(rp, expiring)).rejects.toMatchObject({
        error: 'expired_token',
      });
      await showList(page);
      for (const [nav, title] of [
        ['nav.history', 'history.title'],
        ['nav.devices', 'devices.title'],
        ['nav.settings', 'settings.title'],
      ] as const) {
        await page.getByRole('link', { name: say('ja', nav) }).click();
        await page.getByRole('heading', { name: say('ja', title), exact: true }).waitFor();
        await expectAccessible(page, `ja ${title}`);
      }
      await page.getByRole('button', { name: say('ja', 'settings.sign_out') }).click();
      await page.getByRole('heading', { name: say('ja', 'sign_in.title'), exact: true }).waitFor();
      await expectAccessible(page, 'ja sign-in');
      await page.getByRole('button', { name: say('ja', 'sign_in.button') }).click();
      await page.getByRole('heading', { name: say('ja', 'requests.title'), exact: true }).waitFor();
    } finally {
      await phone.close();
    }
  });
});
