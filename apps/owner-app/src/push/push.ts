/**
 * Web Push for the installed app: the service worker's registration subscribes
 * with the provider's VAPID key, and the subscription is handed to the provider,
 * which sends `request.created` (RFC 8291 encrypted) to it. The worker shows the
 * notification (sw.ts).
 */
import type { Api } from '../api/client';

export type PushState = 'unsupported' | 'blocked' | 'off' | 'on';

/** The VAPID public key (base64url, uncompressed P-256 point) as bytes. */
export function applicationServerKey(base64url: string): Uint8Array<ArrayBuffer> {
  const base64 = base64url.replace(/-/g, '+').replace(/_/g, '/');
  const raw = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  const bytes = new Uint8Array(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

async function registration(): Promise<ServiceWorkerRegistration | undefined> {
  if (!('serviceWorker' in navigator) || !('PushManager' in window) || !('Notification' in window)) return undefined;
  return navigator.serviceWorker.getRegistration();
}

export async function pushState(): Promise<PushState> {
  const reg = await registration();
  if (!reg) return 'unsupported';
  if (Notification.permission === 'denied') return 'blocked';
  return (await reg.pushManager.getSubscription()) ? 'on' : 'off';
}

/** Asks permission (call from a tap), subscribes and registers the subscription. */
export async function enablePush(api: Api): Promise<PushState> {
  const reg = await registration();
  if (!reg) return 'unsupported';
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') return permission === 'denied' ? 'blocked' : 'off';
  const { vapid_public_key } = await api.pushKey();
  const subscription =
    (await reg.pushManager.getSubscription()) ??
    (await reg.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: applicationServerKey(vapid_public_key),
    }));
  await api.addPushSubscription(subscription.toJSON());
  return 'on';
}

export async function disablePush(api: Api): Promise<PushState> {
  const reg = await registration();
  const subscription = await reg?.pushManager.getSubscription();
  if (subscription) {
    await api.removePushSubscription(subscription.endpoint);
    await subscription.unsubscribe();
  }
  return reg ? 'off' : 'unsupported';
}
