import { constants, createPrivateKey, sign as signBytes, type JsonWebKey, type KeyObject } from 'node:crypto';
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  errors,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
  type JWTVerifyResult,
} from 'jose';
import type { SigningAlg, SigningKeyRecord } from '../domain/tokens';
import { type Clock, silentLogger, type Logger } from '@onboard/platform';
import type { KeyRing } from '../ports/key-ring.port';
import type { KeyWrapper } from '../ports/key-wrapper.port';
import type { SigningKeyStore } from '../ports/stores.port';
import type { ProviderSettings } from '../settings';
import { ephemeralKeyWrapper } from './local-key-wrapper';
import { SIGNING_ALGS } from './signing-algs';
import { privateJwkOf, rewrapKeys, wrapPrivateJwk, type RewrapResult } from './wrapped-keys';

/** What `sign` uses when no alg is named (access tokens name theirs; see signing-algs.ts). */
const DEFAULT_ALG: SigningAlg = 'ES256';
/** At most one store re-read per this period when a token names an unknown kid. */
const RELOAD_COOLDOWN_MS = 10_000;
/** Private JWK members that must never be published (RFC 7517 §9.2, RFC 7518 §6). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

interface ActiveKey {
  record: SigningKeyRecord;
  privateKey: KeyObject;
}

/**
 * node:crypto sign options of each JWS alg (RFC 7518 §3.3: RSASSA-PKCS1-v1_5; §3.4: R || S;
 * §3.5: PSS, MGF1, salt = hash length).
 */
const SIGN_OPTIONS: Record<SigningAlg, { dsaEncoding?: 'ieee-p1363'; padding?: number; saltLength?: number }> = {
  RS256: { padding: constants.RSA_PKCS1_PADDING },
  ES256: { dsaEncoding: 'ieee-p1363' },
  PS256: { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
};

/**
 * A JWS Compact Serialization (RFC 7515 §7.1) of `payload` under `header`, signed with
 * node:crypto directly: jose's SignJWT goes through WebCrypto's promise jobs and costs
 * about four times as much CPU per signature.
 */
function signCompact(header: Record<string, unknown>, payload: JWTPayload, key: ActiveKey): string {
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  const signature = signBytes('sha256', Buffer.from(input), { key: key.privateKey, ...SIGN_OPTIONS[key.record.alg] });
  return `${input}.${signature.toString('base64url')}`;
}

/** The public half of a stored key, as published in the JWKS (RFC 7517 §4). */
function publicJwkOf(record: SigningKeyRecord): JWK {
  const jwk: Record<string, unknown> = { ...record.publicJwk };
  for (const member of PRIVATE_MEMBERS) delete jwk[member];
  return { ...jwk, kid: record.kid, alg: record.alg, use: 'sig' } as JWK;
}

/** The context a private key is wrapped under: its kid, so a wrapped key only unwraps on its own row. */
const wrapContext = (kid: string) => `signing key ${kid}`;

/**
 * Generate a fresh key pair for `alg` (RSA: 2048-bit modulus, e = 65537; EC: P-256),
 * kid = RFC 7638 JWK thumbprint, the private JWK wrapped by `wrapper`.
 */
async function generateKeyRecord(alg: SigningAlg, now: number, wrapper: KeyWrapper): Promise<SigningKeyRecord> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const privateJwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(publicJwk, 'sha256');
  return {
    kid,
    alg,
    wrappedPrivateKey: await wrapPrivateJwk(wrapper, wrapContext(kid), { ...privateJwk }),
    publicJwk: { ...publicJwk } as Record<string, unknown>,
    status: 'active',
    createdAt: now,
  };
}

/**
 * Wrap every private signing key of `store` that is stored in clear (rows from before keys
 * were wrapped) and, with `all`, re-wrap every key made under another KEK under the
 * wrapper's current one (a KEK rotation); see {@link rewrapKeys}.
 *
 * @example
 * const { rewrapped } = await rewrapSigningKeys(stores.signingKeys, wrapper, { all: true });
 */
export function rewrapSigningKeys(
  store: SigningKeyStore,
  wrapper: KeyWrapper,
  options: { all?: boolean } = {},
): Promise<RewrapResult> {
  return rewrapKeys(store, wrapper, wrapContext, options);
}

/** Options of {@link createKeyRing}. */
export interface KeyRingOptions {
  /**
   * Wraps private keys at rest. Default: a KEK that lives only in this process (see
   * ephemeralKeyWrapper), right for in-memory stores and tests only: a persistent store
   * needs the configured wrapper, or its keys cannot be read after a restart.
   */
  wrapper?: KeyWrapper;
  logger?: Logger;
}

class StoredKeyRing implements KeyRing {
  /** Active signing keys by alg, imported once. */
  private active = new Map<SigningAlg, ActiveKey>();
  /** Imported private keys by kid, so reload() does not re-import unchanged keys. */
  private imported = new Map<string, KeyObject>();
  private records: SigningKeyRecord[] = [];
  private published: JSONWebKeySet = { keys: [] };
  private verifier = createLocalJWKSet({ keys: [] });
  /** The published set changes when a retired key expires: rebuild it then. */
  private publishedUntil = 0;
  private lastReloadAt = 0;

  constructor(
    private readonly store: SigningKeyStore,
    private readonly clock: Clock,
    private readonly settings: ProviderSettings,
    private readonly wrapper: KeyWrapper,
    private readonly logger: Logger,
  ) {}

  /**
   * Wrap keys still stored in clear (rows from before keys were wrapped), load from the
   * store, and generate any missing active key: on first start all of them, after an
   * upgrade the algs added since (RS256).
   */
  async init(): Promise<void> {
    const { wrapped } = await rewrapSigningKeys(this.store, this.wrapper);
    if (wrapped.length > 0) {
      this.logger.warn('signing keys stored in clear were wrapped under the key-encryption key', {
        kids: wrapped,
        kek: this.wrapper.currentKeyId,
        advice: 'copies of the database from before (backups, free pages) still hold them: run `keys rotate`',
      });
    }
    await this.reload();
    const missing = SIGNING_ALGS.filter((alg) => !this.active.has(alg));
    if (missing.length === 0) return;
    const now = this.clock.now();
    for (const alg of missing) await this.store.save(await generateKeyRecord(alg, now, this.wrapper));
    await this.reload();
  }

  async reload(): Promise<void> {
    this.lastReloadAt = this.clock.now();
    const records = await this.store.list();
    const active = new Map<SigningAlg, ActiveKey>();
    const imported = new Map<string, KeyObject>();
    // Newest active key of each alg signs (two processes rotating at once leave two active).
    const newestFirst = records
      .filter((r) => r.status === 'active' && SIGNING_ALGS.includes(r.alg))
      .sort((a, b) => b.createdAt - a.createdAt);
    for (const record of newestFirst) {
      if (active.has(record.alg)) continue;
      // Imported once per kid: an RSA private key costs far more to parse than to keep.
      const privateKey =
        this.imported.get(record.kid) ??
        createPrivateKey({ key: (await privateJwkOf(this.wrapper, record, wrapContext)) as JsonWebKey, format: 'jwk' });
      imported.set(record.kid, privateKey);
      active.set(record.alg, { record, privateKey });
    }
    this.records = records;
    this.active = active;
    this.imported = imported;
    this.publishedUntil = 0;
  }

  async sign(payload: JWTPayload, options: { alg?: SigningAlg; typ?: string } = {}): Promise<string> {
    const alg = options.alg ?? DEFAULT_ALG;
    const key = this.active.get(alg);
    if (!key) throw new Error(`no active ${alg} signing key`);
    const header = { alg, kid: key.record.kid, ...(options.typ ? { typ: options.typ } : {}) };
    return signCompact(header, payload, key);
  }

  async verify(
    jwt: string,
    options: { typ?: string; currentDate?: Date; audience?: string } = {},
  ): Promise<JWTVerifyResult> {
    const verifyOptions = {
      algorithms: [...SIGNING_ALGS],
      issuer: this.settings.issuer,
      typ: options.typ,
      audience: options.audience,
      currentDate: options.currentDate ?? new Date(this.clock.now()),
    };
    this.refreshPublished();
    try {
      return await jwtVerify(jwt, this.verifier, verifyOptions);
    } catch (error) {
      // Another process may have rotated: re-read the store once per cooldown on an unknown kid.
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      const now = this.clock.now();
      if (now - this.lastReloadAt < RELOAD_COOLDOWN_MS) throw error;
      await this.reload();
      this.refreshPublished();
      return jwtVerify(jwt, this.verifier, verifyOptions);
    }
  }

  async jwks(): Promise<JSONWebKeySet> {
    this.refreshPublished();
    return this.published;
  }

  async rotate(): Promise<string[]> {
    const now = this.clock.now();
    // Retired keys stay published until every token they signed has expired,
    // including ID tokens still accepted as id_token_hint (CIBA §7.1).
    const keepSeconds = Math.max(
      this.settings.accessTokenTtl,
      this.settings.idTokenTtl,
      this.settings.idTokenHintMaxAge,
    );
    const previous = await this.store.list();
    const fresh: SigningKeyRecord[] = [];
    for (const alg of SIGNING_ALGS) fresh.push(await generateKeyRecord(alg, now, this.wrapper));
    for (const record of fresh) await this.store.save(record);
    for (const record of previous) {
      if (record.status === 'active') {
        await this.store.save({ ...record, status: 'retired', expiresAt: now + keepSeconds * 1000 });
      } else if (record.expiresAt !== undefined && record.expiresAt <= now) {
        await this.store.delete(record.kid);
      }
    }
    await this.reload();
    return fresh.map((r) => r.kid);
  }

  /** Rebuild the published JWKS and the local verifier when keys changed or a retired key expired. */
  private refreshPublished(): void {
    const now = this.clock.now();
    if (now < this.publishedUntil) return;
    const live = this.records.filter((r) => r.status === 'active' || (r.expiresAt ?? 0) > now);
    this.published = { keys: live.map(publicJwkOf) };
    this.verifier = createLocalJWKSet(this.published);
    const expiries = live.filter((r) => r.status === 'retired').map((r) => r.expiresAt as number);
    this.publishedUntil = expiries.length ? Math.min(...expiries) : Number.POSITIVE_INFINITY;
  }
}

/**
 * Open the provider's signing key ring over `store`. On first use (empty store) one key
 * per alg of {@link SIGNING_ALGS} is generated (RS256 and PS256 on RSA-2048 keys of their
 * own, ES256 on P-256) and persisted with its private part wrapped by `options.wrapper`;
 * keys found in clear are wrapped. Private keys are unwrapped and imported once and
 * cached; `reload()` re-reads the store after another process rotated.
 *
 * @example
 * const keys = await createKeyRing(stores.signingKeys, systemClock, settings, { wrapper, logger });
 * const jwt = await keys.sign({ iss, sub }, { typ: 'at+jwt' });
 * await keys.verify(jwt, { typ: 'at+jwt' });
 */
export async function createKeyRing(
  store: SigningKeyStore,
  clock: Clock,
  settings: ProviderSettings,
  options: KeyRingOptions = {},
): Promise<KeyRing> {
  const wrapper = options.wrapper ?? (await ephemeralKeyWrapper());
  const ring = new StoredKeyRing(store, clock, settings, wrapper, options.logger ?? silentLogger);
  await ring.init();
  return ring;
}
