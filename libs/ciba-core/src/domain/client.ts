import type { JSONWebKeySet } from 'jose';
import type { SigningAlg } from './tokens';

export type TokenEndpointAuthMethod = 'private_key_jwt' | 'client_secret_basic' | 'client_secret_post';
export type DeliveryMode = 'poll' | 'ping' | 'push';
export const CIBA_GRANT_TYPE = 'urn:openid:params:grant-type:ciba';
export const REFRESH_TOKEN_GRANT_TYPE = 'refresh_token';

/** A registered CIBA client (RFC 7591 metadata plus CIBA §4 fields), camelCase inside. */
export interface Client {
  clientId: string;
  /** sha-256 (base64url) of the client secret; absent for private_key_jwt clients. */
  clientSecretHash?: string;
  clientName?: string;
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  /** Alg required of private_key_jwt client assertions (default: any of ES256/PS256/RS256/EdDSA). */
  tokenEndpointAuthSigningAlg?: string;
  jwks?: JSONWebKeySet;
  jwksUri?: string;
  grantTypes: string[];
  /** Space-separated scopes the client may request; empty = any supported scope. */
  scope?: string;
  backchannelTokenDeliveryMode: DeliveryMode;
  backchannelClientNotificationEndpoint?: string;
  backchannelAuthenticationRequestSigningAlg?: string;
  backchannelUserCodeParameter: boolean;
  dpopBoundAccessTokens: boolean;
  /**
   * Onboard extension: JWE `alg` of token responses to this client (ECDH-ES+A256KW or
   * ECDH-ES). When set, every token response (push body, token endpoint) is one compact
   * JWE encrypted to the client's `use: enc` key.
   */
  tokenResponseEncryptionAlg?: string;
  /** JWE `enc` of encrypted token responses (default A256GCM when an alg is registered). */
  tokenResponseEncryptionEnc?: string;
  /**
   * OIDC Registration §2 `id_token_signed_response_alg`: the JWS alg of this client's ID
   * tokens. Absent on clients registered before it was recorded: RS256 (PS256 under FAPI).
   */
  idTokenSignedResponseAlg?: SigningAlg;
  /** OIDC Registration §2 `userinfo_signed_response_alg`: UserInfo answers as a signed JWT. Absent: JSON. */
  userinfoSignedResponseAlg?: SigningAlg;
  /** Enforce the FAPI-CIBA profile for this client (or globally via config). */
  fapiCiba: boolean;
  /** Raw registered metadata, returned by the registration endpoint. */
  metadata: Record<string, unknown>;
  /** Disabled clients fail authentication at once. */
  disabled: boolean;
  createdAt: number;
}
