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

/**
 * JWS algorithms the provider signs with. Each has a key of its own (RFC 8725 §3.1: one
 * key, one algorithm): an RSA key for RS256, another for PS256, a P-256 key for ES256.
 */
export type SigningAlg = 'RS256' | 'ES256' | 'PS256';

/** A persisted signing key, rotated by the admin CLI. */
export interface SigningKeyRecord {
  kid: string;
  alg: SigningAlg;
  /**
   * The private JWK wrapped under the key-encryption key (the KeyWrapper port): by
   * default a compact JWE (`dir`, `A256GCM`). Every key the provider writes has it.
   */
  wrappedPrivateKey?: string;
  /**
   * The private JWK in clear. Only rows written before private keys were wrapped have it;
   * the provider wraps them (and clears this) on its next start.
   */
  privateJwk?: Record<string, unknown>;
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
  /**
   * The private JWK wrapped under the key-encryption key (the KeyWrapper port), as the
   * signing keys' are. Every key the provider writes has it.
   */
  wrappedPrivateKey?: string;
  /**
   * The private JWK in clear. Only rows written before encryption keys were wrapped have it;
   * the provider wraps them (and clears this) on its next start.
   */
  privateJwk?: Record<string, unknown>;
  publicJwk: Record<string, unknown>;
  /** active: published, and request objects are encrypted to it; retired: decrypts only until `expiresAt`. */
  status: 'active' | 'retired';
  createdAt: number;
  expiresAt?: number;
}

/**
 * What an outbox message delivers: a CIBA ping/push to the client's notification endpoint
 * (`client_notification`, the default), a signed owner notification to a webhook
 * (`owner_webhook`), or a Web Push message to one of the owner's push subscriptions
 * (`web_push`).
 */
export type OutboxKind = 'client_notification' | 'owner_webhook' | 'web_push';

/** A delivery waiting in the durable outbox: CIBA ping/push (§10.2, §10.3) or an owner notification. */
export interface OutboxMessage {
  id: string;
  /** Absent on rows written before kinds existed: `client_notification`. */
  kind?: OutboxKind;
  authRequestId: string;
  clientId: string;
  url: string;
  /**
   * `client_notification`: the client_notification_token, sent as Bearer. `web_push`: the
   * push subscription's id (its keys are read when the message is sent). `owner_webhook`: empty.
   */
  bearer: string;
  /**
   * Body to POST: JSON (client notifications; Web Push, before its RFC 8291 encryption at send
   * time) or a compact JWS (owner webhook). For push it holds tokens: encrypted-at-rest is a
   * deployment concern.
   */
  body: string;
  attempts: number;
  nextAttemptAt: number;
  status: 'pending' | 'delivered' | 'failed';
  lastError?: string;
  createdAt: number;
}
