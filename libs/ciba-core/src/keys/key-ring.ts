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
import type { SigningKeyRecord } from '../domain/tokens';
import type { Clock } from '../ports/clock.port';
import type { KeyRing } from '../ports/key-ring.port';
import type { SigningKeyStore } from '../ports/stores.port';
import type { ProviderSettings } from '../settings';

export type SigningAlg = SigningKeyRecord['alg'];
/** ES256 is the default (smaller, faster); PS256 is offered for FAPI clients that want RSA. */
export const SIGNING_ALGS: readonly SigningAlg[] = ['ES256', 'PS256'];
const DEFAULT_ALG: SigningAlg = 'ES256';
/** At most one store re-read per this period when a token names an unknown kid. */
const RELOAD_COOLDOWN_MS = 10_000;
/** Private JWK members that must never be published (RFC 7517 §9.2, RFC 7518 §6). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

interface ActiveKey {
  record: SigningKeyRecord;
  privateKey: KeyObject;
}

/** node:crypto sign options of each JWS alg (RFC 7518 §3.4: R || S; §3.5: PSS, MGF1, salt = hash length). */
const SIGN_OPTIONS: Record<SigningAlg, { dsaEncoding?: 'ieee-p1363'; padding?: number; saltLength?: number }> = {
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

/** Generate a fresh extractable key pair for `alg`; kid = RFC 7638 JWK thumbprint. */
async function generateKeyRecord(alg: SigningAlg, now: number): Promise<SigningKeyRecord> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const privateJwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(publicJwk, 'sha256');
  return {
    kid,
    alg,
    privateJwk: { ...privateJwk } as Record<string, unknown>,
    publicJwk: { ...publicJwk } as Record<string, unknown>,
    status: 'active',
    createdAt: now,
  };
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
  ) {}

  /** Load from the store; generate any missing active key (first start). */
  async init(): Promise<void> {
    await this.reload();
    const missing = SIGNING_ALGS.filter((alg) => !this.active.has(alg));
    if (missing.length === 0) return;
    const now = this.clock.now();
    for (const alg of missing) await this.store.save(await generateKeyRecord(alg, now));
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
      const privateKey =
        this.imported.get(record.kid) ?? createPrivateKey({ key: record.privateJwk as JsonWebKey, format: 'jwk' });
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
    for (const alg of SIGNING_ALGS) fresh.push(await generateKeyRecord(alg, now));
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
 * Open the provider's signing key ring over `store`. On first use (empty store)
 * an ES256 and a PS256 key are generated and persisted. Private keys are imported
 * once and cached; `reload()` re-reads the store after another process rotated.
 *
 * @example
 * const keys = await createKeyRing(stores.signingKeys, systemClock, settings);
 * const jwt = await keys.sign({ iss, sub }, { typ: 'at+jwt' });
 * await keys.verify(jwt, { typ: 'at+jwt' });
 */
export async function createKeyRing(
  store: SigningKeyStore,
  clock: Clock,
  settings: ProviderSettings,
): Promise<KeyRing> {
  const ring = new StoredKeyRing(store, clock, settings);
  await ring.init();
  return ring;
}
