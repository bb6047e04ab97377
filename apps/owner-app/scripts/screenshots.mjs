#!/usr/bin/env node
// Screenshots of the owner app's main screens for docs/ (docs/images/owner-app-*.png),
// taken in headless Chromium against the built app and the in-memory mock of the
// owner-device API (`vite preview`), with a DevTools virtual authenticator as the
// passkey. Each screen is also checked with axe-core; serious or critical findings
// make the script fail. Needs `npm run build:owner-app` first and /usr/bin/chromium
// (or CHROMIUM_PATH).
//
//   npm run build:owner-app && npm run screenshots:owner-app
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { preview } from 'vite';

const require = createRequire(import.meta.url);
const root = fileURLToPath(new URL('../../..', import.meta.url));
const appRoot = fileURLToPath(new URL('..', import.meta.url));
const out = `${root}docs/images`;
const executablePath = process.argv.includes('--chromium')
  ? process.argv[process.argv.indexOf('--chromium') + 1]
  : '/usr/bin/chromium';
if (!existsSync(executablePath)) {
  console.error(`Chromium not found at ${executablePath}: apt-get install -y --no-install-recommends chromium`);
  process.exit(2);
}
if (!existsSync(`${root}dist/apps/owner-app/index.html`)) {
  console.error('The app is not built: run npm run build:owner-app first.');
  process.exit(2);
}
mkdirSync(out, { recursive: true });

const server = await preview({
  configFile: `${appRoot}vite.config.mts`,
  preview: { port: 0, host: 'localhost' },
  logLevel: 'warn',
});
const appUrl = server.resolvedUrls.local[0];
const origin = new URL(appUrl).origin;
const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking'],
});

const axeSource = require.resolve('axe-core/axe.min.js');
const findings = [];
const pageErrors = [];
const consoleErrors = [];
const mock = async (path, body = {}) => {
  const res = await fetch(`${origin}/__mock${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return res.json();
};

async function phone(locale) {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale,
    reducedMotion: 'reduce',
  });
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(`${locale}: ${error.message}`));
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(`${locale}: ${m.text()} ${m.location().url}`));
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { context, page };
}

async function check(page, name) {
  await page.addScriptTag({ path: axeSource });
  const result = await page.evaluate(async () => {
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  });
  for (const v of result) findings.push({ screen: name, ...v });
}

async function shot(page, name, { full = false } = {}) {
  await page.waitForLoadState('networkidle').catch(() => undefined);
  await check(page, name);
  if (full) {
    // The whole screen in one picture: a viewport as tall as the content (the tab bar stays at the bottom).
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    await page.setViewportSize({ width: 390, height: Math.max(844, height) });
  }
  await page.screenshot({ path: `${out}/owner-app-${name}.png` });
  await page.setViewportSize({ width: 390, height: 844 });
  console.log(`docs/images/owner-app-${name}.png`);
}

async function enrol(page, heading, button, done) {
  const { url } = await mock('/invitations');
  await page.goto(url.replace(/^https?:\/\/[^/]+/, origin));
  await page.getByRole('heading', { name: heading }).waitFor();
  await page.getByRole('textbox').waitFor();
  return async () => {
    await page.getByRole('button', { name: button }).click();
    await page.getByRole('heading', { name: done }).waitFor();
  };
}

process.on('unhandledRejection', () => undefined);
let current;
try {
  // English
  const en = await phone('en-GB');
  let page = en.page;
  current = page;
  const createPasskey = await enrol(page, 'Set up this phone', 'Create passkey', 'You’re all set');
  await shot(page, 'enrol');
  await createPasskey();
  await page.getByRole('button', { name: 'Go to requests' }).click();
  await page.getByRole('link', { name: /Northwind Bank/ }).waitFor();
  await page
    .getByRole('button', { name: 'Not now' })
    .click()
    .catch(() => undefined);
  // A request created while the list is open appears live (Server-Sent Events).
  await mock('/requests', { kind: 'checkin' });
  await page.getByText('New request from City Hospital').waitFor({ state: 'attached' });
  await page
    .getByRole('link', { name: /City Hospital/ })
    .first()
    .waitFor();
  await shot(page, 'requests');

  await page
    .getByRole('link', { name: /Northwind Bank/ })
    .first()
    .click();
  await page.getByRole('heading', { name: /Northwind Bank asks/ }).waitFor();
  await shot(page, 'request-payment', { full: true });
  await page.getByRole('button', { name: 'Approve payment' }).click();
  await page.getByRole('heading', { name: 'Approved' }).waitFor();
  await shot(page, 'approved');

  await page.goto(`${appUrl}#/requests`);
  await page
    .getByRole('link', { name: /Acme Motors/ })
    .first()
    .click();
  await page.getByRole('heading', { name: /Acme Motors asks/ }).waitFor();
  await shot(page, 'request-vehicle', { full: true });
  await page.getByRole('button', { name: 'This wasn’t me' }).click();
  await page.getByRole('heading', { name: 'Reported' }).waitFor();

  await page.getByRole('link', { name: 'History' }).click();
  await page.getByRole('heading', { name: 'History' }).waitFor();
  await page.getByText('Reported').or(page.locator('.pill.denied').first()).first().waitFor();
  await shot(page, 'history');

  await page.getByRole('link', { name: 'Vehicles' }).click();
  await page.getByRole('button', { name: 'Unpair Family car' }).click();
  await page.getByRole('dialog', { name: 'Unpair Family car?' }).waitFor();
  await shot(page, 'unpair');
  await page.getByRole('dialog').getByRole('button', { name: 'Unpair' }).click();
  await page.getByText('Family car was unpaired.').waitFor();

  await page.getByRole('link', { name: 'Devices' }).click();
  await page.getByRole('button', { name: 'Add a device' }).click();
  await page.locator('svg.qr').waitFor();
  await shot(page, 'devices', { full: true });

  // Offline: the service worker serves the shell, which says so; nothing of the API was cached.
  await en.context.setOffline(true);
  await page.reload();
  await page.getByText('You’re offline.').waitFor();
  await page.getByText('Can’t reach the service.').waitFor();
  await check(page, 'offline');
  console.log('offline shell: loads and says it is offline');
  await en.context.setOffline(false);
  await page.reload();
  await page.getByRole('heading', { name: 'Devices' }).waitFor();

  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('heading', { name: 'Settings' }).waitFor();
  await check(page, 'settings');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await shot(page, 'sign-in');
  await page.getByRole('button', { name: 'Sign in with passkey' }).click();
  await page.getByRole('heading', { name: 'Requests' }).waitFor();
  await en.context.close();

  // Japanese: the phone's language decides
  const ja = await phone('ja-JP');
  page = ja.page;
  current = page;
  const createJa = await enrol(page, 'この端末を設定', 'パスキーを作成', '設定が完了しました');
  await createJa();
  await page.getByRole('button', { name: 'リクエスト一覧へ' }).click();
  await page
    .getByRole('link', { name: /Sakura Pharmacy/ })
    .first()
    .click();
  await page.getByRole('heading', { name: /Sakura Pharmacy から確認の依頼/ }).waitFor();
  await shot(page, 'request-ja', { full: true });
  await ja.context.close();
} catch (e) {
  if (current) await current.screenshot({ path: '/tmp/owner-app-failure.png', fullPage: true }).catch(() => undefined);
  throw e;
} finally {
  await browser.close();
  await server.close();
}

const serious = findings.filter((f) => f.impact === 'serious' || f.impact === 'critical');
for (const f of findings) console.log(`axe ${f.impact} ${f.id} on ${f.screen}: ${f.nodes.join(', ')}`);
console.log(`axe-core: ${findings.length} finding(s), ${serious.length} serious or critical`);
for (const e of pageErrors) console.log(`page error ${e}`);
console.log(`page errors: ${pageErrors.length}`);
for (const e of new Set(consoleErrors)) console.log(`console error ${e}`);
process.exit(serious.length || pageErrors.length ? 1 : 0);
