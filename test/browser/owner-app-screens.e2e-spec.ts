/**
 * The owner app in headless Chromium, built from its sources and served with its
 * in-memory mock of the owner-device API (apps/owner-app/mock): every screen in English
 * and Japanese, axe-core on every screen (no serious or critical violation), keyboard
 * use, and the countdown reaching zero. The passkey is a DevTools virtual authenticator;
 * the mock verifies its registrations and assertions with @simplewebauthn/server.
 */
import type { Page } from 'playwright-core';
import { CATALOGUES, interpolate, type Locale, type MessageKey } from '../../apps/owner-app/src/i18n/i18n';
import { describeBrowser, openPhone, seriousAxeViolations, type Phone } from './support/browser';
import { startMockApp, type MockApp } from './support/mock-app';

jest.setTimeout(60_000);

// Globals of the page, for the functions that run there (page.evaluate); the tests' own
// program is type-checked without the DOM library.
declare const document: any;
declare function getComputedStyle(element: unknown): { outlineStyle: string };

/** What the app says in `locale` for `key` (the same catalogues the app uses). */
const say = (locale: Locale, key: MessageKey, params?: Record<string, string>) =>
  interpolate(CATALOGUES[locale][key], params);

describeBrowser('owner app screens (mock provider)', (browser) => {
  let app: MockApp;
  const checked: string[] = [];

  beforeAll(async () => {
    app = await startMockApp();
  }, 60_000);
  afterAll(async () => {
    await app?.close();
  });

  /** axe-core on the screen as it is; the screen's name goes into the failure message. */
  async function expectAccessible(page: Page, screen: string) {
    await page.waitForLoadState('networkidle').catch(() => undefined);
    const violations = await seriousAxeViolations(page);
    expect({ screen, violations }).toEqual({ screen, violations: [] });
    checked.push(screen);
  }

  /** A phone enrolled from a fresh invitation, on the request list. */
  async function enrolledPhone(locale: Locale, tag: string): Promise<Phone> {
    const phone = await openPhone(browser(), { locale: tag });
    const { page } = phone;
    const { url } = await app.mock('/invitations');
    await page.goto(url.replace(/^https?:\/\/[^/]+/, app.origin));
    await page.getByRole('heading', { name: say(locale, 'enrol.title') }).waitFor();
    await page.getByRole('textbox', { name: say(locale, 'enrol.device_name_label') }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe(locale);
    await expectAccessible(page, `${locale} enrol`);
    await page.getByRole('textbox').fill(`Test phone ${locale}`);
    await page.getByRole('button', { name: say(locale, 'enrol.create_passkey') }).click();
    await page.getByRole('heading', { name: say(locale, 'enrol.done_title') }).waitFor();
    await expectAccessible(page, `${locale} enrolled`);
    const { credentials } = await phone.cdp.send('WebAuthn.getCredentials', {
      authenticatorId: phone.authenticatorId,
    });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]).toMatchObject({ isResidentCredential: true, rpId: 'localhost' });
    await page.getByRole('button', { name: say(locale, 'enrol.go_to_requests') }).click();
    await page.getByRole('heading', { name: say(locale, 'requests.title') }).waitFor();
    await dismissPushPrompt(page, locale);
    return phone;
  }

  async function dismissPushPrompt(page: Page, locale: Locale) {
    const notNow = page.getByRole('button', { name: say(locale, 'requests.push_prompt_dismiss') });
    if (await notNow.isVisible().catch(() => false)) await notNow.click();
  }

  /** Nothing on the page matches (a button that must not be offered). */
  async function expectNone(locator: ReturnType<Page['getByRole']>) {
    expect(await locator.count()).toBe(0);
  }

  async function openRequest(page: Page, id: string) {
    await page.goto(`${app.url}#/requests/${id}`);
  }

  for (const [locale, tag, vehicle] of [
    ['en', 'en-GB', 'Family car'],
    ['ja', 'ja-JP', 'Delivery van'],
  ] as const) {
    it(`${locale}: enrol, a request arriving live, approve, deny, "wasn't me", history, vehicles, devices, settings, sign-in; axe on every screen`, async () => {
      const phone = await enrolledPhone(locale, tag);
      const { page } = phone;
      try {
        // A request created while the list is open appears at once (Server-Sent Events). The app
        // opens its live channel after the list has loaded: give it that moment, or the event
        // would be sent before anyone listens.
        await page.waitForTimeout(1500);
        const pickup = await app.mock('/requests', { kind: 'pickup' });
        await page
          .getByText(say(locale, 'app.new_request_announcement', { client: 'Sakura Pharmacy' }))
          .waitFor({ state: 'attached' });
        await page.locator(`a[href="#/requests/${pickup.id}"]`).waitFor();
        await expectAccessible(page, `${locale} requests`);

        // The order pick-up, rendered in words; approve with the passkey.
        await page.locator(`a[href="#/requests/${pickup.id}"]`).click();
        const pickupTitle = say(locale, 'request.title_default', { client: 'Sakura Pharmacy' });
        await page.getByRole('heading', { name: pickupTitle }).waitFor();
        await page.getByText('3319', { exact: true }).waitFor();
        await page
          .getByText(say(locale, 'details.order_pickup_at', { order: 'A-1042', store: 'Sakura Pharmacy Shibuya' }))
          .waitFor();
        await expectAccessible(page, `${locale} request (order pick-up)`);
        await page.getByRole('button', { name: say(locale, 'request.approve'), exact: true }).click();
        await page.getByRole('heading', { name: say(locale, 'request.approved_title') }).waitFor();
        await expectNone(page.getByRole('button', { name: say(locale, 'request.deny'), exact: true }));
        await expectAccessible(page, `${locale} approved`);

        // A branded payment: the client's own words; denied with one tap.
        const payment = await app.mock('/requests', { kind: 'payment' });
        await openRequest(page, payment.id);
        const brand =
          locale === 'en' ? 'Northwind Bank asks you to confirm a payment' : 'ノースウィンド銀行からお支払いの確認';
        await page.getByRole('heading', { name: brand }).waitFor();
        await expectAccessible(page, `${locale} request (branded payment)`);
        await page.getByRole('button', { name: say(locale, 'request.deny'), exact: true }).click();
        await page.getByRole('heading', { name: say(locale, 'request.denied_title') }).waitFor();

        // A vehicle pairing reported with "This wasn't me".
        const pairing = await app.mock('/requests', { kind: 'vehicle' });
        await openRequest(page, pairing.id);
        await page.getByText(say(locale, 'details.vehicle_pairing')).waitFor();
        await page
          .getByText(say(locale, 'request.vehicle_with_model', { nickname: 'Family car', model: 'Aster EV' }))
          .waitFor();
        await expectAccessible(page, `${locale} request (vehicle pairing)`);
        await page.getByRole('button', { name: say(locale, 'request.not_me') }).click();
        await page.getByRole('heading', { name: say(locale, 'request.reported_title') }).waitFor();
        await expectAccessible(page, `${locale} reported`);

        await page.getByRole('link', { name: say(locale, 'nav.history') }).click();
        await page.getByRole('heading', { name: say(locale, 'history.title') }).waitFor();
        await page.locator(`a[href="#/requests/${pairing.id}"]`).waitFor();
        await expectAccessible(page, `${locale} history`);

        await page.getByRole('link', { name: say(locale, 'nav.vehicles') }).click();
        await page.getByRole('heading', { name: say(locale, 'vehicles.title') }).waitFor();
        await expectAccessible(page, `${locale} vehicles`);
        await page.getByRole('button', { name: say(locale, 'vehicles.unpair_named', { nickname: vehicle }) }).click();
        const dialog = page.getByRole('dialog', {
          name: say(locale, 'vehicles.unpair_confirm_title', { nickname: vehicle }),
        });
        await dialog.waitFor();
        await expectAccessible(page, `${locale} unpair dialog`);
        await dialog.getByRole('button', { name: say(locale, 'vehicles.unpair'), exact: true }).click();
        await page.getByText(say(locale, 'vehicles.unpaired', { nickname: vehicle })).waitFor();
        await expectNone(
          page.getByRole('button', { name: say(locale, 'vehicles.unpair_named', { nickname: vehicle }) }),
        );

        await page.getByRole('link', { name: say(locale, 'nav.devices') }).click();
        await page.getByRole('heading', { name: say(locale, 'devices.title') }).waitFor();
        await page.getByText(`Test phone ${locale}`).waitFor();
        await page.getByRole('button', { name: say(locale, 'devices.add') }).click();
        await page.getByRole('img', { name: say(locale, 'devices.invitation_qr_label') }).waitFor();
        await expectAccessible(page, `${locale} devices with invitation`);

        await page.getByRole('link', { name: say(locale, 'nav.settings') }).click();
        await page.getByRole('heading', { name: say(locale, 'settings.title') }).waitFor();
        await expectAccessible(page, `${locale} settings`);
        await page.getByRole('button', { name: say(locale, 'settings.sign_out') }).click();
        await page.getByRole('heading', { name: say(locale, 'sign_in.title') }).waitFor();
        await expectAccessible(page, `${locale} sign-in`);
        // The passkey is discoverable: no user name is typed.
        await page.getByRole('button', { name: say(locale, 'sign_in.button') }).click();
        await page.getByRole('heading', { name: say(locale, 'requests.title') }).waitFor();
        expect(phone.pageErrors).toEqual([]);
      } finally {
        await phone.close();
      }
    });
  }

  it('the countdown reaches zero: the request says it expired and offers no buttons', async () => {
    const phone = await enrolledPhone('en', 'en-GB');
    const { page } = phone;
    try {
      const request = await app.mock('/requests', { kind: 'checkin', expires_in: 3 });
      await openRequest(page, request.id);
      await page.getByRole('heading', { name: 'City Hospital asks you to confirm' }).waitFor();
      const timer = page.getByRole('timer');
      expect(await timer.textContent()).toMatch(/0:0[0-3]/);
      await page.getByRole('heading', { name: say('en', 'request.expired_title') }).waitFor({ timeout: 10_000 });
      await expectNone(page.getByRole('button', { name: say('en', 'request.approve'), exact: true }));
      await expectNone(page.getByRole('button', { name: say('en', 'request.not_me') }));
      await expectAccessible(page, 'en expired');
    } finally {
      await phone.close();
    }
  });

  it('works from the keyboard alone: Tab to a request, Enter opens it, Deny by keyboard; a dialog traps focus and Escape returns it', async () => {
    const phone = await enrolledPhone('en', 'en-GB');
    const { page } = phone;
    try {
      const request = await app.mock('/requests', { kind: 'checkin' });
      await page.goto(`${app.url}#/requests`);
      await page.locator(`a[href="#/requests/${request.id}"]`).waitFor();
      await dismissPushPrompt(page, 'en');
      const focusedHref = () => page.evaluate(() => document.activeElement?.getAttribute('href') ?? null);
      for (let i = 0; i < 40 && (await focusedHref()) !== `#/requests/${request.id}`; i++)
        await page.keyboard.press('Tab');
      expect(await focusedHref()).toBe(`#/requests/${request.id}`);
      // every focusable element shows a visible focus outline
      const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
      expect(outline).not.toBe('none');
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'City Hospital asks you to confirm' }).waitFor();
      // focus moves to the new screen's heading
      await page.waitForFunction(() => document.activeElement?.id === 'screen-title');
      const focusedText = () => page.evaluate(() => document.activeElement?.textContent?.trim() ?? '');
      for (let i = 0; i < 30 && (await focusedText()) !== 'Deny'; i++) await page.keyboard.press('Tab');
      expect(await focusedText()).toBe('Deny');
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Denied' }).waitFor();

      await page.goto(`${app.url}#/devices`);
      await page.getByRole('heading', { name: 'Devices' }).waitFor();
      const remove = page.getByRole('button', { name: 'Remove Service desk tablet' });
      await remove.focus();
      await page.keyboard.press('Enter');
      await page.getByRole('dialog', { name: 'Remove Service desk tablet?' }).waitFor();
      // the dialog starts on Cancel; Tab cycles through its buttons and never reaches the page behind
      // (a native modal dialog: between its last and first control focus may pass the browser's own UI)
      expect(await focusedText()).toBe('Cancel');
      const visited = new Set<string>();
      for (let i = 0; i < 6; i++) {
        await page.keyboard.press('Tab');
        const where = await page.evaluate(() => {
          const active = document.activeElement;
          if (!active || active === document.body) return 'browser';
          return active.closest('dialog')
            ? `dialog:${active.textContent?.trim()}`
            : `page:${active.outerHTML.slice(0, 80)}`;
        });
        visited.add(where);
      }
      expect([...visited].filter((w) => w.startsWith('page:'))).toEqual([]);
      expect([...visited]).toEqual(expect.arrayContaining(['dialog:Cancel', 'dialog:Remove']));
      await page.keyboard.press('Escape');
      await page.getByRole('dialog').waitFor({ state: 'hidden' });
      expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe(
        'Remove Service desk tablet',
      );
      // Escape cancelled: the device is still there
      expect(await remove.count()).toBe(1);
    } finally {
      await phone.close();
    }
  });

  afterAll(() => {
    // Every screen of the app went through axe-core in both languages.
    if (checked.length) console.log(`axe-core: no serious or critical violation on ${checked.length} screens`);
  });
});
