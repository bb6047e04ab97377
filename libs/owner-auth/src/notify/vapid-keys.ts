import { generateKeyPairSync } from 'node:crypto';
import {
  VAPID_KEY_ID,
  privateJwkOf,
  wrapPrivateJwk,
  type KeyWrapper,
  type OwnerPushStore,
  type VapidKeyRecord,
} from '@onboard/ciba-core';
import type { Clock } from '@onboard/platform';

/** The context the VAPID private key is wrapped under (never a signing or encryption key's). */
export const vapidWrapContext = (kid: string) => `vapid key ${kid}`;

/** The provider's VAPID key pair in the form web-push takes (base64url). */
export interface VapidKeys {
  /** Uncompressed P-256 point: the app's `applicationServerKey`. */
  publicKey: string;
  /** The private scalar `d`. */
  privateKey: string;
}

/**
 * Load the VAPID key pair (RFC 8292), generating and storing it on first start. The private
 * JWK is wrapped under the key-encryption key, like the signing keys; the pair never changes
 * afterwards (every push subscription is bound to its public key). Of processes starting at
 * once on one database, the first stored key wins and all use it.
 *
 * @example
 * const vapid = await openVapidKeys(stores.push, clock, keyWrapper);
 * vapid.publicKey; // 'BNc…' (65-byte point, base64url)
 */
export async function openVapidKeys(store: OwnerPushStore, clock: Clock, wrapper: KeyWrapper): Promise<VapidKeys> {
  let record = (await store.listVapidKeys()).find((k) => k.kid === VAPID_KEY_ID);
  if (!record) {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = privateKey.export({ format: 'jwk' }) as Record<string, unknown>;
    const pub = publicKey.export({ format: 'jwk' });
    const fresh: VapidKeyRecord = {
      kid: VAPID_KEY_ID,
      publicKey: uncompressedPoint(pub.x!, pub.y!),
      wrappedPrivateKey: await wrapPrivateJwk(wrapper, vapidWrapContext(VAPID_KEY_ID), jwk),
      createdAt: clock.now(),
    };
    await store.addVapidKey(fresh);
    record = (await store.listVapidKeys()).find((k) => k.kid === VAPID_KEY_ID)!;
  }
  const jwk = await privateJwkOf(wrapper, record, vapidWrapContext);
  return { publicKey: record.publicKey, privateKey: String(jwk.d) };
}

/** `0x04 ‖ x ‖ y`, base64url (SEC 1 §2.3.3), the form browsers take as `applicationServerKey`. */
function uncompressedPoint(x: string, y: string): string {
  return Buffer.concat([Buffer.from([4]), Buffer.from(x, 'base64url'), Buffer.from(y, 'base64url')]).toString(
    'base64url',
  );
}

/** The VAPID keys as a wrappable key store (`keys rotate-kek` re-wraps them with the others). */
export function vapidKeyStore(store: OwnerPushStore) {
  return { list: () => store.listVapidKeys(), save: (key: VapidKeyRecord) => store.saveVapidKey(key) };
}
