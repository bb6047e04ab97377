import { existsSync, readFileSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page } from 'playwright-core';

/**
 * Where the browser tests find Chromium: `CHROMIUM_PATH`, default Debian's
 * `/usr/bin/chromium` (`apt-get install -y --no-install-recommends chromium`). Playwright's
 * own browser download is never used. When it is missing the suites are skipped with a
 * printed reason, unless `ONBOARD_REQUIRE_CHROMIUM=1` (CI), which makes them fail.
 * Test-only: the one place browser tests read these variables.
 */
export function chromiumUnderTest(): { executablePath: string; run: boolean; required: boolean; reason?: string } {
  const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  const required = process.env.ONBOARD_REQUIRE_CHROMIUM === '1';
  if (existsSync(executablePath)) return { executablePath, run: true, required };
  return {
    executablePath,
    run: false,
    required,
    reason: `no Chromium at ${executablePath} (apt-get install -y --no-install-recommends chromium, or set CHROMIUM_PATH)`,
  };
}

/**
 * `describe` for tests in a real browser: one headless Chromium per suite, launched in
 * `beforeAll` and closed in `afterAll`; `browser()` returns it. Without Chromium the
 * suite is skipped with the reason printed, or fails under `ONBOARD_REQUIRE_CHROMIUM=1`.
 *
 * @example
 * describeBrowser('owner app', (browser) => { it('…', async () => { const phone = await openPhone(browser()); }) });
 */
export function describeBrowser(name: string, fn: (browser: () => Browser) => void): void {
  const target = chromiumUnderTest();
  if (!target.run) {
    if (target.required) {
      describe(name, () => {
        it('requires Chromium (ONBOARD_REQUIRE_CHROMIUM=1)', () => {
          throw new Error(`browser tests required but ${target.reason}`);
        });
      });
      return;
    }
    console.warn(
      `Browser tests skipped (${name}): ${target.reason} (set ONBOARD_REQUIRE_CHROMIUM=1 to make them mandatory)`,
    );
    describe.skip(name, () => fn(() => undefined as never));
    return;
  }
  describe(name, () => {
    let browser: Browser | undefined;
    beforeAll(async () => {
      browser = await chromium.launch({
        executablePath: target.executablePath,
        headless: true,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
    });
    fn(() => {
      if (!browser) throw new Error('the browser did not start');
      return browser;
    });
  });
}

/** A phone-sized browser context with a passkey: a DevTools virtual authenticator. */
export interface Phone {
  context: BrowserContext;
  page: Page;
  cdp: CDPSession;
  authenticatorId: string;
  /** Uncaught errors of the page so far. */
  pageErrors: string[];
  close(): Promise<void>;
}

/**
 * Opens a fresh context the size of a phone, in `locale` (which becomes
 * `navigator.languages`), with a CTAP2 platform authenticator that holds resident keys and
 * verifies its user: the passkey of the tests (WebAuthn.addVirtualAuthenticator).
 */
export async function openPhone(browser: Browser, options: { locale?: string } = {}): Promise<Phone> {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 1,
    isMobile: true,
    hasTouch: true,
    locale: options.locale ?? 'en-GB',
    reducedMotion: 'reduce',
  });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  const cdp = await context.newCDPSession(page);
  // enable must come first, or addVirtualAuthenticator fails
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { context, page, cdp, authenticatorId, pageErrors, close: () => context.close() };
}

/** One axe-core finding: rule, impact and the elements it names. */
export interface AxeFinding {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// Globals of the page, for the functions that run there (page.evaluate).
declare const window: any;
declare const document: unknown;

/**
 * Runs axe-core (WCAG 2.x A and AA rules and best practices) on the page as it is now
 * and returns the serious and critical violations, which the tests require to be none.
 */
export async function seriousAxeViolations(page: Page): Promise<AxeFinding[]> {
  // Evaluated through DevTools rather than added as a script tag, which the pages' CSP forbids.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v: any) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n: any) => n.target.join(' ')),
    }));
  });
  return (violations as AxeFinding[]).filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/**
 * Saves a screenshot as `<ONBOARD_SCREENSHOT_DIR>/<name>.png` when that variable is set (to
 * refresh the pictures in docs/images); does nothing otherwise.
 */
export async function screenshotForDocs(page: Page, name: string): Promise<void> {
  const dir = process.env.ONBOARD_SCREENSHOT_DIR;
  if (dir) await page.screenshot({ path: `${dir}/${name}.png`, fullPage: true });
}
