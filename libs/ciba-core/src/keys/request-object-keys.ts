import { createPrivateKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import {
  calculateJwkThumbprint,
  compactDecrypt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  type JWK,
} from 'jose';
import type { EncryptionKeyRecord } from '../domain/tokens';
import { InvalidRequest } from '../errors/oauth-error';
import type { Clock } from '@onboard/platform';
import type { EncryptionKeyStore } from '../ports/stores.port';

/** JWE key management for request objects encrypted to the provider (RFC 7518 §4.6). */
export const REQUEST_OBJECT_ENCRYPTION_ALGS = ['ECDH-ES+A256KW'] as const;
/** JWE content encryption for request objects (RFC 7518 §5.3). */
export const REQUEST_OBJECT_ENCRYPTION_ENCS = ['A256GCM'] as const;
/** At most one store re-read per this period when a request object names an unknown kid. */
const RELOAD_COOLDOWN_MS = 10_000;

interface LoadedKey {
  record: EncryptionKeyRecord;
  privateKey: KeyObject;
}

/**
 * The provider's encryption keys for request objects (RFC 9101 §6.1: signed, then encrypted to
 * the provider; a nested JWT, RFC 7519 §5.2). Published in the JWKS with `use` `enc`, kept in
 * their own store apart from the signing keys. A relay between the client and the provider (the
 * MQTT bridge) then forwards a request object it cannot read: the login hint and the binding
 * message stay between the device, the provider and the owner.
 * @example
 * const keys = await RequestObjectKeys.open(stores.encryptionKeys, clock);
 * keys.publicJwks(); // [{ kty: 'EC', crv: 'P-256', kid, use: 'enc', alg: 'ECDH-ES+A256KW', x, y }]
 * const signed = await keys.decrypt(nestedJwt); // the inner JWS, verified as any request object
 */
export class RequestObjectKeys {
  private keys: LoadedKey[] = [];
  private lastReloadAt = 0;

  private constructor(
    private readonly store: EncryptionKeyStore,
    private readonly clock: Clock,
  ) {}

  /** Loads the keys; generates and stores a P-256 key when none is active (first start). */
  static async open(store: EncryptionKeyStore, clock: Clock): Promise<RequestObjectKeys> {
    const keys = new RequestObjectKeys(store, clock);
    await keys.reload();
    if (!keys.keys.some((k) => k.record.status === 'active')) {
      await store.save(await generateEncryptionKey(clock.now()));
      await keys.reload();
    }
    return keys;
  }

  /** Re-reads the store (another process may have added a key). */
  async reload(): Promise<void> {
    const now = this.clock.now();
    this.lastReloadAt = now;
    const records = (await this.store.list()).filter(
      (r) => r.status === 'active' || (r.expiresAt !== undefined && r.expiresAt > now),
    );
    const previous = new Map(this.keys.map((k) => [k.record.kid, k.privateKey]));
    this.keys = records.map((record) => ({
      record,
      privateKey: previous.get(record.kid) ?? createPrivateKey({ key: record.privateJwk as JsonWebKey, format: 'jwk' }),
    }));
  }

  /** The public keys for the JWKS (RFC 7517 §4.2 `use` `enc`), newest first. */
  publicJwks(): JWK[] {
    return [...this.keys]
      .sort((a, b) => b.record.createdAt - a.record.createdAt)
      .map(({ record }) => {
        const { kty, crv, x, y } = record.publicJwk as JWK;
        return { kty, crv, x, y, kid: record.kid, use: 'enc', alg: record.alg };
      });
  }

  /**
   * The signed request object inside a nested JWT encrypted to one of these keys.
   * @throws InvalidRequest naming what is wrong (algorithm, key, decryption, content)
   */
  async decrypt(jwe: string): Promise<string> {
    let header;
    try {
      header = decodeProtectedHeader(jwe);
    } catch {
      throw new InvalidRequest('the encrypted request object has no readable JWE header');
    }
    const alg = header.alg as (typeof REQUEST_OBJECT_ENCRYPTION_ALGS)[number];
    const enc = header.enc as (typeof REQUEST_OBJECT_ENCRYPTION_ENCS)[number];
    if (!REQUEST_OBJECT_ENCRYPTION_ALGS.includes(alg) || !REQUEST_OBJECT_ENCRYPTION_ENCS.includes(enc)) {
      throw new InvalidRequest(
        `an encrypted request object must use ${REQUEST_OBJECT_ENCRYPTION_ALGS.join(', ')} with ${REQUEST_OBJECT_ENCRYPTION_ENCS.join(', ')}`,
      );
    }
    const kid = typeof header.kid === 'string' ? header.kid : undefined;
    let candidates = this.candidates(kid);
    if (candidates.length === 0 && this.clock.now() - this.lastReloadAt >= RELOAD_COOLDOWN_MS) {
      await this.reload();
      candidates = this.candidates(kid);
    }
    if (candidates.length === 0) throw new InvalidRequest('the request object is encrypted to an unknown key');
    for (const key of candidates) {
      try {
        const { plaintext } = await compactDecrypt(jwe, key.privateKey, {
          keyManagementAlgorithms: [...REQUEST_OBJECT_ENCRYPTION_ALGS],
          contentEncryptionAlgorithms: [...REQUEST_OBJECT_ENCRYPTION_ENCS],
        });
        return new TextDecoder().decode(plaintext);
      } catch {
        // the next candidate (no kid given)
      }
    }
    throw new InvalidRequest('the encrypted request object could not be decrypted');
  }

  private candidates(kid: string | undefined): LoadedKey[] {
    return kid === undefined ? this.keys : this.keys.filter((k) => k.record.kid === kid);
  }
}

async function generateEncryptionKey(now: number): Promise<EncryptionKeyRecord> {
  const { privateKey, publicKey } = await generateKeyPair('ECDH-ES+A256KW', { crv: 'P-256', extractable: true });
  const publicJwk = await exportJWK(publicKey);
  return {
    kid: await calculateJwkThumbprint(publicJwk, 'sha256'),
    alg: 'ECDH-ES+A256KW',
    privateJwk: { ...(await exportJWK(privateKey)) } as Record<string, unknown>,
    publicJwk: { ...publicJwk } as Record<string, unknown>,
    status: 'active',
    createdAt: now,
  };
}
