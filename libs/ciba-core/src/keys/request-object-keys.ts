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
import type { Clock, Logger } from '@onboard/platform';
import { silentLogger } from '@onboard/platform';
import type { KeyWrapper } from '../ports/key-wrapper.port';
import type { EncryptionKeyStore } from '../ports/stores.port';
import { ephemeralKeyWrapper } from './local-key-wrapper';
import { privateJwkOf, rewrapKeys, wrapPrivateJwk, type RewrapResult } from './wrapped-keys';

/** JWE key management for request objects encrypted to the provider (RFC 7518 §4.6). */
export const REQUEST_OBJECT_ENCRYPTION_ALGS = ['ECDH-ES+A256KW'] as const;
/** JWE content encryption for request objects (RFC 7518 §5.3). */
export const REQUEST_OBJECT_ENCRYPTION_ENCS = ['A256GCM'] as const;
/** At most one store re-read per this period when a request object names an unknown kid. */
const RELOAD_COOLDOWN_MS = 10_000;

/**
 * How long a retired encryption key still decrypts after `rotate()`: a client that read the
 * JWKS before the rotation keeps encrypting to it until it reads the JWKS again (the device
 * client re-reads it at least hourly).
 */
export const RETIRED_ENCRYPTION_KEY_TTL_MS = 24 * 60 * 60 * 1000;

/** The context an encryption key's private part is wrapped under (never a signing key's). */
const wrapContext = (kid: string) => `encryption key ${kid}`;

interface LoadedKey {
  record: EncryptionKeyRecord;
  privateKey: KeyObject;
}

/** Options of {@link RequestObjectKeys.open}. */
export interface RequestObjectKeysOptions {
  /**
   * Wraps the private keys at rest, as it does the signing keys (the same KEK). Default: a
   * KEK that lives only in this process (see ephemeralKeyWrapper), right for in-memory stores
   * and tests only.
   */
  wrapper?: KeyWrapper;
  logger?: Logger;
}

/**
 * The provider's encryption keys for request objects (RFC 9101 §6.1: signed, then encrypted to
 * the provider; a nested JWT, RFC 7519 §5.2). Published in the JWKS with `use` `enc`, kept in
 * their own store apart from the signing keys, their private parts wrapped under the
 * key-encryption key as the signing keys' are. A relay between the client and the provider
 * (the MQTT bridge) then forwards a request object it cannot read: the login hint and the
 * binding message stay between the device, the provider and the owner.
 * @example
 * const keys = await RequestObjectKeys.open(stores.encryptionKeys, clock, { wrapper, logger });
 * keys.publicJwks(); // [{ kty: 'EC', crv: 'P-256', kid, use: 'enc', alg: 'ECDH-ES+A256KW', x, y }]
 * const signed = await keys.decrypt(nestedJwt); // the inner JWS, verified as any request object
 */
export class RequestObjectKeys {
  private keys: LoadedKey[] = [];
  private lastReloadAt = 0;

  private constructor(
    private readonly store: EncryptionKeyStore,
    private readonly clock: Clock,
    private readonly wrapper: KeyWrapper,
  ) {}

  /**
   * Wraps keys still stored in clear (rows from before encryption keys were wrapped), loads
   * the keys, and generates and stores a P-256 key when none is active (first start).
   * @throws UnknownKeyEncryptionKey when a stored key is wrapped under a KEK the wrapper lacks
   */
  static async open(
    store: EncryptionKeyStore,
    clock: Clock,
    options: RequestObjectKeysOptions = {},
  ): Promise<RequestObjectKeys> {
    const wrapper = options.wrapper ?? (await ephemeralKeyWrapper());
    const { wrapped } = await rewrapEncryptionKeys(store, wrapper);
    if (wrapped.length > 0) {
      (options.logger ?? silentLogger).warn(
        'encryption keys stored in clear were wrapped under the key-encryption key',
        {
          kids: wrapped,
          kek: wrapper.currentKeyId,
          advice: 'copies of the database from before (backups, free pages) still hold them: run `keys rotate`',
        },
      );
    }
    const keys = new RequestObjectKeys(store, clock, wrapper);
    await keys.reload();
    if (!keys.keys.some((k) => k.record.status === 'active')) {
      await store.save(await generateEncryptionKey(clock.now(), wrapper));
      await keys.reload();
    }
    return keys;
  }

  /** Re-reads the store (another process may have added a key or rotated). */
  async reload(): Promise<void> {
    const now = this.clock.now();
    this.lastReloadAt = now;
    const records = (await this.store.list()).filter(
      (r) => r.status === 'active' || (r.expiresAt !== undefined && r.expiresAt > now),
    );
    const previous = new Map(this.keys.map((k) => [k.record.kid, k.privateKey]));
    const keys: LoadedKey[] = [];
    for (const record of records) {
      const privateKey =
        previous.get(record.kid) ??
        createPrivateKey({ key: (await privateJwkOf(this.wrapper, record, wrapContext)) as JsonWebKey, format: 'jwk' });
      keys.push({ record, privateKey });
    }
    this.keys = keys;
  }

  /**
   * A new active key; the active one retires, still decrypting for
   * {@link RETIRED_ENCRYPTION_KEY_TTL_MS} (no longer published); retired keys past that are
   * deleted. Returns the new key's kid.
   */
  async rotate(): Promise<string> {
    const now = this.clock.now();
    const previous = await this.store.list();
    const fresh = await generateEncryptionKey(now, this.wrapper);
    await this.store.save(fresh);
    for (const record of previous) {
      if (record.status === 'active') {
        await this.store.save({ ...record, status: 'retired', expiresAt: now + RETIRED_ENCRYPTION_KEY_TTL_MS });
      } else if (record.expiresAt !== undefined && record.expiresAt <= now) {
        await this.store.delete(record.kid);
      }
    }
    await this.reload();
    return fresh.kid;
  }

  /**
   * The active public keys for the JWKS (RFC 7517 §4.2 `use` `enc`), newest first. A retired
   * key is not published: clients should no longer encrypt to it.
   */
  publicJwks(): JWK[] {
    return this.keys
      .filter(({ record }) => record.status === 'active')
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

/**
 * Wrap every private encryption key of `store` stored in clear and, with `all`, re-wrap every
 * key made under another KEK under the wrapper's current one (`keys rotate-kek`); see
 * {@link rewrapKeys}.
 *
 * @example
 * const { rewrapped } = await rewrapEncryptionKeys(stores.encryptionKeys, wrapper, { all: true });
 */
export function rewrapEncryptionKeys(
  store: EncryptionKeyStore,
  wrapper: KeyWrapper,
  options: { all?: boolean } = {},
): Promise<RewrapResult> {
  return rewrapKeys(store, wrapper, wrapContext, options);
}

async function generateEncryptionKey(now: number, wrapper: KeyWrapper): Promise<EncryptionKeyRecord> {
  const { privateKey, publicKey } = await generateKeyPair('ECDH-ES+A256KW', { crv: 'P-256', extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk, 'sha256');
  return {
    kid,
    alg: 'ECDH-ES+A256KW',
    wrappedPrivateKey: await wrapPrivateJwk(wrapper, wrapContext(kid), { ...(await exportJWK(privateKey)) }),
    publicJwk: { ...publicJwk } as Record<string, unknown>,
    status: 'active',
    createdAt: now,
  };
}
