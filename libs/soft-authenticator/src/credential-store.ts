import type { JsonWebKey, KeyObject } from 'node:crypto';
import { canonicalBase64Url } from './base64url';
import {
  SOFT_ALGORITHMS,
  credentialPublicKey,
  exportPrivateJwk,
  importPrivateJwk,
  type SoftAlgorithm,
} from './credential-key';
import { SoftAuthenticatorError } from './errors';

/**
 * How a credential's signature counter moves (WebAuthn §6.1.1): `increment` by one per assertion,
 * as security keys and device-bound passkeys do, or stay at `zero`, as synced passkeys do.
 */
export type SignCountMode = 'increment' | 'zero';

/** One credential held by a soft authenticator. `privateKey` and `signCount` are its secret and its state. */
export interface SoftCredential {
  /** Credential id, base64url. */
  readonly id: string;
  readonly rpId: string;
  /** `user.id` of the registration options, base64url: the user handle returned by discoverable assertions. */
  readonly userHandle: string;
  readonly userName: string;
  readonly userDisplayName: string;
  readonly algorithm: SoftAlgorithm;
  /** A discoverable (resident) credential: found without `allowCredentials`. */
  readonly discoverable: boolean;
  /** The BE flag it carries (fixed for the credential's lifetime, WebAuthn §6.1.3). */
  readonly backupEligible: boolean;
  /** The BS flag it carries. */
  readonly backupState: boolean;
  readonly signCountMode: SignCountMode;
  /** The counter value of the last assertion (0 after registration). */
  signCount: number;
  readonly privateKey: KeyObject;
  /** The COSE_Key public key, as the relying party stored it at registration. */
  readonly publicKey: Uint8Array;
}

/** The `format` tag of a credential export. */
export const CREDENTIAL_EXPORT_FORMAT = 'onboard-soft-authenticator/v1';

/** One credential in an export: {@link SoftCredential} with the private key as a JWK. */
export interface ExportedCredential {
  id: string;
  rpId: string;
  userHandle: string;
  userName: string;
  userDisplayName: string;
  algorithm: SoftAlgorithm;
  discoverable: boolean;
  backupEligible: boolean;
  backupState: boolean;
  signCountMode: SignCountMode;
  signCount: number;
  /** Private JWK (P-256 for ES256, Ed25519 for EdDSA). Secret: whoever holds it can approve as the owner. */
  privateKey: JsonWebKey;
}

/** A credential export: plain JSON, safe to `JSON.stringify` and write to a file (it contains private keys). */
export interface CredentialExport {
  format: typeof CREDENTIAL_EXPORT_FORMAT;
  credentials: ExportedCredential[];
}

/**
 * The credentials of one or more soft authenticators, in memory, indexed by id and by RP ID and
 * user handle (a simulator may keep ten thousand owners in one store). Export it with
 * `JSON.stringify(store)` and read it back with {@link CredentialStore.fromJSON}.
 * @example
 * const store = new CredentialStore();
 * const phone = new SoftAuthenticator({ store });
 * await phone.register(creationOptions, { origin });
 * await writeFile('fleet.json', JSON.stringify(store));
 * const again = CredentialStore.fromJSON(await readFile('fleet.json', 'utf8'));
 */
export class CredentialStore {
  readonly #byId = new Map<string, SoftCredential>();
  // rpId → userHandle → credential id → credential
  readonly #byRp = new Map<string, Map<string, Map<string, SoftCredential>>>();

  /** The number of credentials held. */
  get size(): number {
    return this.#byId.size;
  }

  /** Adds a credential, replacing one with the same id. */
  add(credential: SoftCredential): void {
    this.delete(credential.id);
    this.#byId.set(credential.id, credential);
    let users = this.#byRp.get(credential.rpId);
    if (!users) this.#byRp.set(credential.rpId, (users = new Map()));
    let ids = users.get(credential.userHandle);
    if (!ids) users.set(credential.userHandle, (ids = new Map()));
    ids.set(credential.id, credential);
  }

  /** The credential with this id (base64url, padded or not), if held. */
  get(id: string): SoftCredential | undefined {
    return this.#byId.get(id) ?? this.#byId.get(id.replace(/=+$/, ''));
  }

  /** Removes a credential; true when it was held. */
  delete(id: string): boolean {
    const credential = this.get(id);
    if (!credential) return false;
    this.#byId.delete(credential.id);
    const users = this.#byRp.get(credential.rpId)!;
    const ids = users.get(credential.userHandle)!;
    ids.delete(credential.id);
    if (ids.size === 0) users.delete(credential.userHandle);
    if (users.size === 0) this.#byRp.delete(credential.rpId);
    return true;
  }

  /** The credentials for an RP ID, optionally of one user handle (base64url), oldest first. */
  find(rpId: string, userHandle?: string): SoftCredential[] {
    const users = this.#byRp.get(rpId);
    if (!users) return [];
    if (userHandle !== undefined) return [...(users.get(userHandle)?.values() ?? [])];
    const all: SoftCredential[] = [];
    for (const ids of users.values()) all.push(...ids.values());
    return all;
  }

  /** Every credential held. */
  list(): SoftCredential[] {
    return [...this.#byId.values()];
  }

  /** The export of every credential (used by `JSON.stringify(store)`). Contains private keys. */
  toJSON(): CredentialExport {
    return {
      format: CREDENTIAL_EXPORT_FORMAT,
      credentials: this.list().map((c) => ({
        id: c.id,
        rpId: c.rpId,
        userHandle: c.userHandle,
        userName: c.userName,
        userDisplayName: c.userDisplayName,
        algorithm: c.algorithm,
        discoverable: c.discoverable,
        backupEligible: c.backupEligible,
        backupState: c.backupState,
        signCountMode: c.signCountMode,
        signCount: c.signCount,
        privateKey: exportPrivateJwk(c.privateKey),
      })),
    };
  }

  /**
   * Adds the credentials of an export (the object, or its JSON text). All or nothing: a record that
   * does not read fails the whole import with an `invalid_import` error naming the member.
   * @returns the number of credentials added
   */
  addFromJSON(data: unknown): number {
    const credentials = readExport(data);
    for (const credential of credentials) this.add(credential);
    return credentials.length;
  }

  /** A new store holding the credentials of an export (the object, or its JSON text). */
  static fromJSON(data: unknown): CredentialStore {
    const store = new CredentialStore();
    store.addFromJSON(data);
    return store;
  }
}

function readExport(data: unknown): SoftCredential[] {
  let doc = data;
  if (typeof doc === 'string') {
    try {
      doc = JSON.parse(doc);
    } catch {
      throw new SoftAuthenticatorError('invalid_import', 'the credential export is not valid JSON');
    }
  }
  const root = doc as Partial<CredentialExport> | null;
  if (typeof root !== 'object' || root === null || root.format !== CREDENTIAL_EXPORT_FORMAT) {
    throw new SoftAuthenticatorError('invalid_import', `format must be "${CREDENTIAL_EXPORT_FORMAT}"`);
  }
  if (!Array.isArray(root.credentials)) {
    throw new SoftAuthenticatorError('invalid_import', 'credentials must be an array');
  }
  return root.credentials.map((record, i) => readCredential(record, `credentials[${i}]`));
}

function readCredential(record: unknown, at: string): SoftCredential {
  if (typeof record !== 'object' || record === null) {
    throw new SoftAuthenticatorError('invalid_import', `${at} must be an object`);
  }
  const r = record as Record<string, unknown>;
  const text = (name: string, allowEmpty = false): string => {
    const value = r[name];
    if (typeof value !== 'string' || (!allowEmpty && value === '')) {
      throw new SoftAuthenticatorError(
        'invalid_import',
        `${at}.${name} must be a ${allowEmpty ? '' : 'non-empty '}string`,
      );
    }
    return value;
  };
  const flag = (name: string): boolean => {
    if (typeof r[name] !== 'boolean')
      throw new SoftAuthenticatorError('invalid_import', `${at}.${name} must be a boolean`);
    return r[name];
  };
  const algorithm = r.algorithm as SoftAlgorithm;
  if (!SOFT_ALGORITHMS.includes(algorithm)) {
    throw new SoftAuthenticatorError('invalid_import', `${at}.algorithm must be one of ${SOFT_ALGORITHMS.join(', ')}`);
  }
  const signCountMode = r.signCountMode as SignCountMode;
  if (signCountMode !== 'increment' && signCountMode !== 'zero') {
    throw new SoftAuthenticatorError('invalid_import', `${at}.signCountMode must be "increment" or "zero"`);
  }
  const signCount = r.signCount;
  if (typeof signCount !== 'number' || !Number.isInteger(signCount) || signCount < 0 || signCount > 0xffffffff) {
    throw new SoftAuthenticatorError('invalid_import', `${at}.signCount must be an integer from 0 to 2^32-1`);
  }
  const backupEligible = flag('backupEligible');
  const backupState = flag('backupState');
  if (backupState && !backupEligible) {
    throw new SoftAuthenticatorError('invalid_import', `${at}.backupState cannot be true when backupEligible is false`);
  }
  const { privateKey, publicKey } = importPrivateJwk(r.privateKey, algorithm, `${at}.privateKey`);
  return {
    id: canonicalBase64Url(r.id, `${at}.id`, 'invalid_import'),
    rpId: text('rpId'),
    userHandle: canonicalBase64Url(r.userHandle, `${at}.userHandle`, 'invalid_import'),
    userName: text('userName', true),
    userDisplayName: text('userDisplayName', true),
    algorithm,
    discoverable: flag('discoverable'),
    backupEligible,
    backupState,
    signCountMode,
    signCount,
    privateKey,
    publicKey: credentialPublicKey(algorithm, publicKey).cose,
  };
}
