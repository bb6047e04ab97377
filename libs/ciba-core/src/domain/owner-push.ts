/**
 * Web Push (RFC 8030) for the owner's installed app: the subscriptions the app hands the
 * provider, and the provider's VAPID key pair (RFC 8292) they are made with.
 */

/** One browser's push subscription (the W3C Push API's `PushSubscription`), for one owner device. */
export interface PushSubscriptionRecord {
  id: string;
  sub: string;
  /** The owner device (passkey or credential device) that registered it; removing the device drops it. */
  deviceId: string;
  /** The push service's URL for this subscription (a capability: never logged in full). */
  endpoint: string;
  /** RFC 8291 §3: the browser's P-256 public key (base64url, uncompressed point). */
  p256dh: string;
  /** RFC 8291 §3: the authentication secret (base64url, 16 bytes). */
  auth: string;
  createdAt: number;
}

/**
 * The provider's VAPID key pair (RFC 8292 §3): one P-256 key, generated on first start and
 * kept for good (a new one would break every subscription made with the old one). The private
 * JWK is wrapped under the key-encryption key like the signing keys'.
 */
export interface VapidKeyRecord {
  /** Always {@link VAPID_KEY_ID}: one key per deployment. */
  kid: string;
  /** The public key as browsers take it (`applicationServerKey`): base64url, uncompressed point. */
  publicKey: string;
  /** The private JWK wrapped by the KeyWrapper. */
  wrappedPrivateKey?: string;
  /** Never written; present so the KEK rotation code treats this key like the others. */
  privateJwk?: Record<string, unknown>;
  createdAt: number;
}

/** The one VAPID key's id. */
export const VAPID_KEY_ID = 'vapid';
