import { render } from 'preact';
import { App } from './app';
import { createI18n, pickLocale } from './i18n/i18n';
import './styles.css';

const i18n = createI18n(pickLocale(navigator.languages));
document.documentElement.lang = i18n.locale;

render(<App i18n={i18n} />, document.getElementById('root')!);

// The service worker (sw.ts) serves the app shell offline and shows push notifications.
// API calls are never cached. Registered only in the built app (the dev server has none).
if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  navigator.serviceWorker
    .register(`${import.meta.env.BASE_URL}sw.js`, { scope: import.meta.env.BASE_URL })
    .catch(() => undefined);
}
