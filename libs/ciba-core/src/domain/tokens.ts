/** A refresh token record. The token value itself is never stored, only its hash. */
export interface RefreshTokenRecord {
  tokenHash: string;
  /** All rotations of one grant share a family id; reuse of a rotated token revokes the family. */
  familyId: string;
  clientId: string;
  sub: string;
  scope: string;
  authTime: number;
  acr?: string;
  amr?: string[];
  authorizationDetails?: unknown[];
  /** RFC 9449: JWK thumbprint the token is bound to, if DPoP-bound. */
  jkt?: string;
  createdAt: number;
  expiresAt: number;
  /** Set when rotated or revoked. */
  usedAt?: number;
  revoked: boolean;
}

/** A persisted signing key (private JWK), rotated by the admin CLI. */
export interface SigningKeyRecord {
  kid: string;
  alg: 'ES256' | 'PS256';
  /** Private JWK as JSON. */
  privateJwk: Record<string, unknown>;
  publicJwk: Record<string, unknown>;
  /** active: used for signing; retired: published for verification only until `expiresAt`. */
  status: 'active' | 'retired';
  createdAt: number;
  /** For retired keys: when they may be dropped from the JWKS. */
  expiresAt?: number;
}

/**
 * One of the provider's encryption keys (`use` `enc`): clients encrypt request objects to it
 * (RFC 9101 §6.1, a nested JWT). Kept apart from the signing keys: it never signs.
 */
export interface EncryptionKeyRecord {
  /** RFC 7638 thumbprint of the public key. */
  kid: string;
  /** JWE key management algorithm (RFC 7518 §4.6): ECDH-ES with key wrapping, EC P-256. */
  alg: 'ECDH-ES+A256KW';
  /** Private JWK as JSON. */
  privateJwk: Record<string, unknown>;
  publicJwk: Record<string, unknown>;
  /** active: published, and request objects are encrypted to it; retired: decrypts only until `expiresAt`. */
  status: 'active' | 'retired';
  createdAt: number;
  expiresAt?: number;
}

/** A ping/push delivery waiting in the durable outbox (CIBA §10.2, §10.3). */
export interface OutboxMessage {
  id: string;
  authRequestId: string;
  clientId: string;
  url: string;
  /** The client_notification_token, sent as Bearer. */
  bearer: string;
  /** JSON body to POST. For push it holds tokens: encrypted-at-rest is a deployment concern. */
  body: string;
  attempts: number;
  nextAttemptAt: number;
  status: 'pending' | 'delivered' | 'failed';
  lastError?: string;
  createdAt: number;
}
