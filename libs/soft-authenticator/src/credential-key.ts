import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { encodeCBOR } from '@levischuck/tiny-cbor';
import { bytesOf, fromBase64Url } from './base64url';
import { SoftAuthenticatorError } from './errors';

/** The signature algorithms of a soft authenticator credential (JOSE names). */
export type SoftAlgorithm = 'ES256' | 'EdDSA';

/** All algorithms the soft authenticator can create credentials for. */
export const SOFT_ALGORITHMS: readonly SoftAlgorithm[] = ['ES256', 'EdDSA'];

/** COSE algorithm identifiers (IANA COSE Algorithms registry), as `pubKeyCredParams[].alg` carries them. */
export const COSE_ALGORITHM_ID: Readonly<Record<SoftAlgorithm, number>> = { ES256: -7, EdDSA: -8 };

/** The algorithm of a COSE identifier, or undefined when the soft authenticator has none for it. */
export function algorithmOfCoseId(id: number): SoftAlgorithm | undefined {
  return SOFT_ALGORITHMS.find((alg) => COSE_ALGORITHM_ID[alg] === id);
}

/** A fresh key pair for a credential: P-256 for ES256, Ed25519 for EdDSA. */
export function generateCredentialKey(algorithm: SoftAlgorithm): { privateKey: KeyObject; publicKey: KeyObject } {
  return algorithm === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
}

/** The raw public key coordinates of a credential key (x and, for P-256, y), 32 bytes each. */
interface PublicCoordinates {
  x: Uint8Array;
  y?: Uint8Array;
}

function publicCoordinates(publicKey: KeyObject): PublicCoordinates {
  // A public KeyObject exports in a few microseconds; deriving one from the private key costs more.
  const jwk = publicKey.export({ format: 'jwk' });
  return {
    x: fromBase64Url(jwk.x, 'public key x', 'invalid_argument'),
    ...(jwk.y === undefined ? {} : { y: fromBase64Url(jwk.y, 'public key y', 'invalid_argument') }),
  };
}

// The fixed DER prefixes of a SubjectPublicKeyInfo: id-ecPublicKey with prime256v1 and an
// uncompressed point (RFC 5480 §2), and id-Ed25519 (RFC 8410 §4). node:crypto's own SPKI export
// costs more than generating the key, so the two constant headers are written out here.
const P256_SPKI_PREFIX = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d03010703420004', 'hex');
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** A credential's public key in the two forms a registration response carries. */
export interface CredentialPublicKey {
  /** COSE_Key, as written into attested credential data and stored by the relying party. */
  cose: Uint8Array;
  /** SubjectPublicKeyInfo (DER), as a browser's `getPublicKey()` returns it. */
  spki: Uint8Array;
}

/**
 * The credential public key in COSE_Key form (RFC 9053 §7.1.1 EC2, §7.2 OKP), map keys in CTAP2
 * canonical order (1, 3, -1, -2, -3) as an authenticator writes them into attested credential data
 * (WebAuthn §6.5.1.1), and as SubjectPublicKeyInfo.
 */
export function credentialPublicKey(algorithm: SoftAlgorithm, publicKey: KeyObject): CredentialPublicKey {
  const { x, y } = publicCoordinates(publicKey);
  if (algorithm === 'ES256') {
    const cose = new Map<number, number | Uint8Array>([
      [1, 2], // kty: EC2
      [3, COSE_ALGORITHM_ID.ES256],
      [-1, 1], // crv: P-256
      [-2, x],
      [-3, y!],
    ]);
    return { cose: encodeCBOR(cose), spki: bytesOf(Buffer.concat([P256_SPKI_PREFIX, x, y!])) };
  }
  const cose = new Map<number, number | Uint8Array>([
    [1, 1], // kty: OKP
    [3, COSE_ALGORITHM_ID.EdDSA],
    [-1, 6], // crv: Ed25519
    [-2, x],
  ]);
  return { cose: encodeCBOR(cose), spki: bytesOf(Buffer.concat([ED25519_SPKI_PREFIX, x])) };
}

/**
 * Signs `authenticatorData || SHA-256(clientDataJSON)`. WebAuthn's signature formats: ES256 as an
 * ASN.1 DER Ecdsa-Sig-Value (node:crypto's default for EC keys, stated here to be explicit), EdDSA
 * as the raw 64-byte Ed25519 signature.
 */
export function signAssertion(algorithm: SoftAlgorithm, privateKey: KeyObject, data: Uint8Array): Uint8Array {
  return bytesOf(
    algorithm === 'ES256'
      ? sign('sha256', data, { key: privateKey, dsaEncoding: 'der' })
      : sign(null, data, privateKey),
  );
}

/** The private key as a JWK (secret material: for credential exports only). */
export function exportPrivateJwk(privateKey: KeyObject): JsonWebKey {
  return privateKey.export({ format: 'jwk' });
}

/**
 * Reads a private JWK back, checking that it is a key of `algorithm` (a P-256 or Ed25519 private
 * key) whose private and public parts belong together.
 */
export function importPrivateJwk(
  jwk: unknown,
  algorithm: SoftAlgorithm,
  member: string,
): { privateKey: KeyObject; publicKey: KeyObject } {
  const expected = algorithm === 'ES256' ? { kty: 'EC', crv: 'P-256' } : { kty: 'OKP', crv: 'Ed25519' };
  const candidate = jwk as JsonWebKey | null;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    candidate.kty !== expected.kty ||
    candidate.crv !== expected.crv ||
    typeof candidate.d !== 'string'
  ) {
    throw new SoftAuthenticatorError(
      'invalid_import',
      `${member} must be a private JWK with kty "${expected.kty}", crv "${expected.crv}" and d, as ${algorithm} needs`,
    );
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: candidate, format: 'jwk' });
  } catch {
    throw new SoftAuthenticatorError('invalid_import', `${member} is not a valid ${algorithm} private key`);
  }
  // node:crypto derives an Ed25519 public key from d (ignoring x), but takes an EC JWK's x and y as
  // given, so that a wrong d would sign what x, y never verify: a signature round trip catches it.
  const publicKey = createPublicKey(privateKey);
  let matches = publicKey.export({ format: 'jwk' }).x === candidate.x;
  if (matches && algorithm === 'ES256') {
    const probe = new TextEncoder().encode('soft-authenticator import check');
    const signature = signAssertion(algorithm, privateKey, probe);
    matches = verify('sha256', probe, { key: publicKey, dsaEncoding: 'der' }, signature);
  }
  if (!matches) {
    throw new SoftAuthenticatorError(
      'invalid_import',
      `${member} is not a valid ${algorithm} private key: its private and public parts do not match`,
    );
  }
  return { privateKey, publicKey };
}
