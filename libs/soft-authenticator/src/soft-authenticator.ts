import { createHash, randomBytes } from 'node:crypto';
import { encodeCBOR, type CBORType } from '@levischuck/tiny-cbor';
import type {
  AuthenticationResponseJSON,
  AuthenticatorTransport,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { AUTHENTICATOR_FLAGS, aaguidBytes, authenticatorData } from './authenticator-data';
import { bytesOf, canonicalBase64Url, fromBase64Url, toBase64Url } from './base64url';
import { clientDataJSON, resolveRpId } from './client-data';
import {
  COSE_ALGORITHM_ID,
  SOFT_ALGORITHMS,
  algorithmOfCoseId,
  credentialPublicKey,
  generateCredentialKey,
  signAssertion,
  type SoftAlgorithm,
} from './credential-key';
import { CredentialStore, type SignCountMode, type SoftCredential } from './credential-store';
import { SoftAuthenticatorError } from './errors';

/**
 * The AAGUID soft authenticators report by default: a fixed identifier of this software
 * authenticator, so that a relying party can recognise (and in production refuse) its credentials.
 */
export const SOFT_AUTHENTICATOR_AAGUID = 'e5901727-be55-48bc-92b6-ca19ba43f5d3';

/** How a {@link SoftAuthenticator} behaves: what kind of passkey provider it imitates. */
export interface SoftAuthenticatorOptions {
  /** Where its credentials live (default: a new, empty store). Several authenticators may share one. */
  store?: CredentialStore;
  /**
   * The algorithms it supports, in no particular order: at registration it takes the first entry of
   * the relying party's `pubKeyCredParams` that is in this list, as CTAP2 requires. Default
   * `['ES256']` (what every platform authenticator supports); add `'EdDSA'` for Ed25519 keys.
   */
  algorithms?: SoftAlgorithm[];
  /** AAGUID as a UUID string (default {@link SOFT_AUTHENTICATOR_AAGUID}). */
  aaguid?: string;
  /** BE flag of new credentials (default true, as a synced passkey). */
  backupEligible?: boolean;
  /** BS flag of new credentials (default: as `backupEligible`; true requires `backupEligible`). */
  backupState?: boolean;
  /** Signature counter of new credentials (default `increment`; `zero` as synced passkeys). */
  signCountMode?: SignCountMode;
  /** `authenticatorAttachment` of its responses (default `platform`: the phone's own authenticator). */
  attachment?: 'platform' | 'cross-platform';
  /** `transports` reported at registration (default `['internal', 'hybrid']`, as a phone reports). */
  transports?: AuthenticatorTransport[];
}

/**
 * Deliberate deviations for negative tests: each makes the response fail one check of a correct
 * relying party. Never set outside tests.
 */
export interface RegistrationFaults {
  /** Clear the UV flag, as an authenticator that skipped the PIN or biometric would. */
  userNotVerified?: boolean;
  /** Write this origin into clientDataJSON instead of the ceremony's origin (a client lying about the page). */
  origin?: string;
  /** Hash this RP ID into authenticator data instead of the ceremony's (a credential scoped to another site). */
  rpId?: string;
}

/** {@link RegistrationFaults} plus the faults only an assertion can carry. */
export interface AssertionFaults extends RegistrationFaults {
  /** Flip one bit of the signature. */
  tamperedSignature?: boolean;
  /**
   * Sign with the counter of the previous assertion again, as a cloned authenticator would. Has an
   * effect only on an `increment` credential that has made at least one assertion.
   */
  replayedCounter?: boolean;
}

/** Per-call options of {@link SoftAuthenticator.register}. */
export interface RegisterOptions {
  /** The origin of the page that calls `navigator.credentials.create()`, e.g. `https://owner.example.com`. */
  origin: string;
  faults?: RegistrationFaults;
}

/** Per-call options of {@link SoftAuthenticator.authenticate}. */
export interface AuthenticateOptions {
  /** The origin of the page that calls `navigator.credentials.get()`. */
  origin: string;
  /** Use this credential (base64url id): the account the owner picks when several match. */
  credentialId?: string;
  /** Use a credential of this user (base64url user handle, i.e. the registration's `user.id`). */
  userHandle?: string;
  faults?: AssertionFaults;
}

// WebAuthn §5.4.3: user.id is at most 64 bytes.
const MAX_USER_ID_BYTES = 64;
// WebAuthn §5.1.3: an empty pubKeyCredParams means ES256 and RS256.
const DEFAULT_PUB_KEY_CRED_PARAMS = [
  { type: 'public-key', alg: -7 },
  { type: 'public-key', alg: -257 },
];

/**
 * A software WebAuthn authenticator together with the browser part of a ceremony: it turns the
 * options JSON a relying party sends (as @simplewebauthn/server's `generateRegistrationOptions` and
 * `generateAuthenticationOptions` return it) into the response JSON the relying party verifies (as
 * @simplewebauthn/browser's `startRegistration` and `startAuthentication` return it). Responses go
 * through the relying party's ordinary verification: attestation "none", ES256 or EdDSA keys, UP
 * and UV set, BE/BS and the counter as configured. It checks the origin against the RP ID as a
 * browser does, so a misconfigured relying party fails here as it would on a phone.
 *
 * Keys are node:crypto `KeyObject`s in memory; the store can be exported with its private keys.
 * @example
 * import { generateRegistrationOptions, verifyRegistrationResponse } from '@simplewebauthn/server';
 * import { SoftAuthenticator } from '@onboard/soft-authenticator';
 *
 * const phone = new SoftAuthenticator();
 * const origin = 'https://owner.example.com';
 * const optionsJSON = await generateRegistrationOptions({ rpName: 'Onboard', rpID: 'owner.example.com', userName: 'alice' });
 * const response = await phone.register(optionsJSON, { origin });
 * await verifyRegistrationResponse({ response, expectedChallenge: optionsJSON.challenge, expectedOrigin: origin,
 *   expectedRPID: 'owner.example.com', requireUserVerification: true }); // { verified: true, … }
 *
 * const approval = await phone.authenticate(requestOptionsJSON, { origin }); // an AuthenticationResponseJSON
 */
export class SoftAuthenticator {
  /** The credentials this authenticator holds. */
  readonly store: CredentialStore;
  readonly #algorithms: readonly SoftAlgorithm[];
  readonly #aaguid: Uint8Array;
  readonly #backupEligible: boolean;
  readonly #backupState: boolean;
  readonly #signCountMode: SignCountMode;
  readonly #attachment: 'platform' | 'cross-platform';
  readonly #transports: AuthenticatorTransport[];

  constructor(options: SoftAuthenticatorOptions = {}) {
    this.store = options.store ?? new CredentialStore();
    const algorithms = options.algorithms ?? ['ES256'];
    const unknown = algorithms.filter((alg) => !SOFT_ALGORITHMS.includes(alg));
    if (algorithms.length === 0 || unknown.length > 0) {
      throw new SoftAuthenticatorError(
        'invalid_argument',
        `algorithms must be a non-empty list of ${SOFT_ALGORITHMS.join(', ')}${unknown.length ? `, got ${unknown.join(', ')}` : ''}`,
      );
    }
    this.#algorithms = [...algorithms];
    const aaguid = aaguidBytes(options.aaguid ?? SOFT_AUTHENTICATOR_AAGUID);
    if (!aaguid) {
      throw new SoftAuthenticatorError(
        'invalid_argument',
        'aaguid must be a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)',
      );
    }
    this.#aaguid = aaguid;
    this.#backupEligible = options.backupEligible ?? true;
    this.#backupState = options.backupState ?? this.#backupEligible;
    if (this.#backupState && !this.#backupEligible) {
      // WebAuthn §6.1.3: a credential that is not backup eligible cannot be backed up.
      throw new SoftAuthenticatorError('invalid_argument', 'backupState requires backupEligible');
    }
    this.#signCountMode = options.signCountMode ?? 'increment';
    if (this.#signCountMode !== 'increment' && this.#signCountMode !== 'zero') {
      throw new SoftAuthenticatorError('invalid_argument', 'signCountMode must be "increment" or "zero"');
    }
    this.#attachment = options.attachment ?? 'platform';
    this.#transports = [...(options.transports ?? ['internal', 'hybrid'])];
  }

  /**
   * Creates a credential (`navigator.credentials.create()` with a platform authenticator): picks the
   * algorithm, refuses an excluded credential, generates the key pair, stores the credential
   * (replacing a discoverable one of the same user for this RP ID) and returns the attestation.
   * A credential is discoverable unless `authenticatorSelection.residentKey` is `discouraged`.
   * @throws SoftAuthenticatorError `invalid_options`, `invalid_argument`, `security_error`,
   *   `not_supported` or `credential_excluded`
   */
  async register(
    optionsJSON: PublicKeyCredentialCreationOptionsJSON,
    options: RegisterOptions,
  ): Promise<RegistrationResponseJSON> {
    requireCeremony(options);
    const opts = requireObject(optionsJSON, 'registration options');
    const rp = requireObject(opts.rp, 'rp');
    const rpId = resolveRpId(options.origin, rp.id, 'rp.id');
    const challenge = canonicalBase64Url(opts.challenge, 'challenge');
    const user = requireObject(opts.user, 'user');
    const userId = fromBase64Url(user.id, 'user.id');
    if (userId.length < 1 || userId.length > MAX_USER_ID_BYTES) {
      throw new SoftAuthenticatorError(
        'invalid_options',
        `user.id must be 1 to ${MAX_USER_ID_BYTES} bytes, got ${userId.length}`,
      );
    }
    if (typeof user.name !== 'string')
      throw new SoftAuthenticatorError('invalid_options', 'user.name must be a string');
    const algorithm = this.#pickAlgorithm(opts.pubKeyCredParams);
    for (const [i, descriptor] of (optionalArray(opts.excludeCredentials, 'excludeCredentials') ?? []).entries()) {
      const id = canonicalBase64Url(
        requireObject(descriptor, `excludeCredentials[${i}]`).id,
        `excludeCredentials[${i}].id`,
      );
      if (this.store.get(id)?.rpId === rpId) {
        throw new SoftAuthenticatorError(
          'credential_excluded',
          `this authenticator already holds credential ${id} for ${rpId}`,
        );
      }
    }
    const selection = opts.authenticatorSelection;
    const residentKey = selection?.residentKey ?? (selection?.requireResidentKey ? 'required' : 'discouraged');
    const discoverable = residentKey !== 'discouraged';

    const keyPair = generateCredentialKey(algorithm);
    const publicKey = credentialPublicKey(algorithm, keyPair.publicKey);
    const credentialId = bytesOf(randomBytes(16));
    const credential: SoftCredential = {
      id: toBase64Url(credentialId),
      rpId,
      userHandle: toBase64Url(userId),
      userName: user.name,
      userDisplayName: typeof user.displayName === 'string' ? user.displayName : '',
      algorithm,
      discoverable,
      backupEligible: this.#backupEligible,
      backupState: this.#backupState,
      signCountMode: this.#signCountMode,
      signCount: 0,
      privateKey: keyPair.privateKey,
      publicKey: publicKey.cose,
    };
    if (discoverable) {
      // CTAP2 authenticatorMakeCredential: a new discoverable credential overwrites the one held for
      // the same RP ID and user handle.
      for (const old of this.store.find(rpId, credential.userHandle)) if (old.discoverable) this.store.delete(old.id);
    }
    this.store.add(credential);

    const faults = options.faults ?? {};
    const authData = authenticatorData(faults.rpId ?? rpId, this.#flags(credential, faults), 0, {
      aaguid: this.#aaguid,
      credentialId,
      cosePublicKey: credential.publicKey,
    });
    // WebAuthn §8.7: the "none" attestation statement is an empty map.
    const attestationObject = encodeCBOR(
      new Map<string, CBORType>([
        ['fmt', 'none'],
        ['attStmt', new Map<string, CBORType>()],
        ['authData', authData],
      ]),
    );
    const clientData = clientDataJSON('webauthn.create', challenge, faults.origin ?? options.origin);
    return {
      id: credential.id,
      rawId: credential.id,
      type: 'public-key',
      authenticatorAttachment: this.#attachment,
      clientExtensionResults: opts.extensions?.credProps ? { credProps: { rk: discoverable } } : {},
      response: {
        clientDataJSON: toBase64Url(clientData),
        attestationObject: toBase64Url(attestationObject),
        authenticatorData: toBase64Url(authData),
        transports: [...this.#transports],
        publicKeyAlgorithm: COSE_ALGORITHM_ID[algorithm],
        publicKey: toBase64Url(publicKey.spki),
      },
    };
  }

  /**
   * Makes an assertion (`navigator.credentials.get()`): finds the credential (the first held one
   * listed in `allowCredentials`, or else the discoverable credential for the RP ID, narrowed by
   * `credentialId` / `userHandle`), moves its counter, and signs authenticator data and the hash of
   * the client data, whose challenge is the options' challenge bytes unchanged.
   * @throws SoftAuthenticatorError `invalid_options`, `invalid_argument`, `security_error`,
   *   `no_credential` or `ambiguous_credential`
   */
  async authenticate(
    optionsJSON: PublicKeyCredentialRequestOptionsJSON,
    options: AuthenticateOptions,
  ): Promise<AuthenticationResponseJSON> {
    requireCeremony(options);
    const opts = requireObject(optionsJSON, 'authentication options');
    const rpId = resolveRpId(options.origin, opts.rpId, 'rpId');
    const challenge = canonicalBase64Url(opts.challenge, 'challenge');
    const credential = this.#findCredential(rpId, opts.allowCredentials, options);

    const faults = options.faults ?? {};
    if (credential.signCountMode === 'increment' && !faults.replayedCounter) {
      credential.signCount = (credential.signCount + 1) >>> 0;
    }
    const authData = authenticatorData(faults.rpId ?? rpId, this.#flags(credential, faults), credential.signCount);
    const clientData = clientDataJSON('webauthn.get', challenge, faults.origin ?? options.origin);
    const clientDataHash = createHash('sha256').update(clientData).digest();
    const signed = new Uint8Array(authData.length + clientDataHash.length);
    signed.set(authData, 0);
    signed.set(clientDataHash, authData.length);
    const signature = signAssertion(credential.algorithm, credential.privateKey, signed);
    if (faults.tamperedSignature) signature[signature.length - 1] ^= 0x01;

    return {
      id: credential.id,
      rawId: credential.id,
      type: 'public-key',
      authenticatorAttachment: this.#attachment,
      clientExtensionResults: {},
      response: {
        clientDataJSON: toBase64Url(clientData),
        authenticatorData: toBase64Url(authData),
        signature: toBase64Url(signature),
        // CTAP2 returns the user entity for discoverable credentials only.
        ...(credential.discoverable ? { userHandle: credential.userHandle } : {}),
      },
    };
  }

  #pickAlgorithm(params: unknown): SoftAlgorithm {
    const list = optionalArray(params, 'pubKeyCredParams');
    const offered = list && list.length > 0 ? list : DEFAULT_PUB_KEY_CRED_PARAMS;
    for (const [i, param] of offered.entries()) {
      const { type, alg } = requireObject(param, `pubKeyCredParams[${i}]`);
      if (type !== 'public-key' || typeof alg !== 'number') continue;
      const algorithm = algorithmOfCoseId(alg);
      if (algorithm && this.#algorithms.includes(algorithm)) return algorithm;
    }
    const offeredIds = offered.map((p) => (p as { alg?: unknown }).alg).join(', ');
    throw new SoftAuthenticatorError(
      'not_supported',
      `none of pubKeyCredParams (${offeredIds}) is supported; this authenticator supports ${this.#algorithms
        .map((a) => `${a} (${COSE_ALGORITHM_ID[a]})`)
        .join(', ')}`,
    );
  }

  #findCredential(rpId: string, allowCredentials: unknown, options: AuthenticateOptions): SoftCredential {
    const allowed = optionalArray(allowCredentials, 'allowCredentials') ?? [];
    const wantedId =
      options.credentialId === undefined
        ? undefined
        : canonicalBase64Url(options.credentialId, 'credentialId', 'invalid_argument');
    const wantedUser =
      options.userHandle === undefined
        ? undefined
        : canonicalBase64Url(options.userHandle, 'userHandle', 'invalid_argument');
    let candidates: SoftCredential[];
    if (allowed.length > 0) {
      candidates = allowed.flatMap((descriptor, i) => {
        const id = canonicalBase64Url(
          requireObject(descriptor, `allowCredentials[${i}]`).id,
          `allowCredentials[${i}].id`,
        );
        const held = this.store.get(id);
        return held && held.rpId === rpId ? [held] : [];
      });
    } else {
      candidates = this.store.find(rpId, wantedUser).filter((c) => c.discoverable);
    }
    candidates = candidates.filter(
      (c) => (wantedId === undefined || c.id === wantedId) && (wantedUser === undefined || c.userHandle === wantedUser),
    );
    if (candidates.length === 0) {
      const among = allowed.length > 0 ? `among the ${allowed.length} allowCredentials` : 'discoverable';
      const narrowed =
        wantedId !== undefined || wantedUser !== undefined ? ' with the requested credentialId/userHandle' : '';
      throw new SoftAuthenticatorError(
        'no_credential',
        `this authenticator holds no credential ${among} for ${rpId}${narrowed}`,
      );
    }
    // CTAP2 authenticatorGetAssertion with an allow list signs with the first applicable credential;
    // without one, a phone shows an account chooser, which here is credentialId / userHandle.
    if (allowed.length === 0 && candidates.length > 1) {
      throw new SoftAuthenticatorError(
        'ambiguous_credential',
        `${candidates.length} discoverable credentials for ${rpId}: pass credentialId or userHandle to pick one`,
      );
    }
    return candidates[0];
  }

  #flags(credential: SoftCredential, faults: RegistrationFaults): number {
    let flags = AUTHENTICATOR_FLAGS.UP;
    if (!faults.userNotVerified) flags |= AUTHENTICATOR_FLAGS.UV;
    if (credential.backupEligible) flags |= AUTHENTICATOR_FLAGS.BE;
    if (credential.backupState) flags |= AUTHENTICATOR_FLAGS.BS;
    return flags;
  }
}

function requireObject(value: unknown, member: string): Record<string, any> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SoftAuthenticatorError('invalid_options', `${member} must be an object`);
  }
  return value as Record<string, any>;
}

function optionalArray(value: unknown, member: string): unknown[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value))
    throw new SoftAuthenticatorError('invalid_options', `${member} must be an array when present`);
  return value;
}

function requireCeremony(options: RegisterOptions | AuthenticateOptions): void {
  if (typeof options !== 'object' || options === null || typeof options.origin !== 'string') {
    throw new SoftAuthenticatorError('invalid_argument', 'options.origin is required (the origin of the calling page)');
  }
}
