/// <reference lib="webworker" />
/**
 * The service worker: serves the app shell offline (precached at build time,
 * replaced when a new build is deployed), shows Web Push notifications of new
 * requests and opens the request when one is tapped. No route caches API calls:
 * everything under /owner-device/ goes to the network untouched.
 */
import { clientsClaim } from 'workbox-core';
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { API_BASE } from './api/client';
import type { PushPayload } from './api/types';
import { CATALOGUES, interpolate, pickLocale } from './i18n/i18n';

declare const self: ServiceWorkerGlobalScope & {
  __WB_MANIFEST: Array<string | { url: string; revision: string | null }>;
};

precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();
// Navigations inside the app's scope get the shell (hash routes need no server route).
registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html'), { allowlist: [/\/app\/(index\.html)?$/] }));

self.skipWaiting();
clientsClaim();

const strings = () => CATALOGUES[pickLocale(self.navigator.languages)];
const scope = () => self.registration.scope;
const requestUrl = (id: string) => `${scope()}#/requests/${encodeURIComponent(id)}`;

self.addEventListener('push', (event) => {
  let payload: Partial<PushPayload> = {};
  try {
    payload = (event.data?.json() ?? {}) as Partial<PushPayload>;
  } catch {
    // An unreadable payload still tells the owner something is waiting.
  }
  const id = typeof payload.request_id === 'string' ? payload.request_id : undefined;
  const client = typeof payload.client_name === 'string' ? payload.client_name : undefined;
  const code = typeof payload.binding_message === 'string' ? payload.binding_message : undefined;
  const text = strings();
  event.waitUntil(
    self.registration.showNotification(client ? interpolate(text['push.title_from'], { client }) : text['push.title'], {
      // The binding message, so the owner can compare it with the agent's or the car's screen.
      body: code ? interpolate(text['push.body_code'], { code }) : text['push.body'],
      tag: id ? `request-${id}` : 'request',
      icon: `${scope()}pwa-192x192.png`,
      badge: `${scope()}pwa-64x64.png`,
      data: { request_id: id },
      requireInteraction: true,
    }),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const id = (event.notification.data as { request_id?: string } | undefined)?.request_id;
  const url = id ? requestUrl(id) : `${scope()}#/requests`;
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      const open = windows.find((w) => w.url.startsWith(scope()));
      if (open) {
        await open.focus();
        if (id) open.postMessage({ type: 'open-request', request_id: id });
        return;
      }
      await self.clients.openWindow(url);
    })(),
  );
});

// The browser replaced the subscription (keys rotated or expired): hand the new one over.
self.addEventListener('pushsubscriptionchange', (event) => {
  const change = event as Event & { oldSubscription?: PushSubscription; waitUntil(p: Promise<unknown>): void };
  change.waitUntil(
    (async () => {
      const options = change.oldSubscription?.options;
      if (!options?.applicationServerKey) return;
      const subscription = await self.registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: options.applicationServerKey,
      });
      await fetch(`${API_BASE}/push/subscriptions`, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ subscription: subscription.toJSON() }),
      });
    })(),
  );
});
