/** An answer of the provider: the value, or the OAuth error it returned (RFC 6749 §5.2). */
export type ProviderAnswer<T> = { ok: true; value: T } | { ok: false; error: string; errorDescription?: string };

/** The provider's acknowledgement of a backchannel authentication request (CIBA §7.3). */
export interface BackchannelAcknowledgement {
  authReqId: string;
  /** Seconds until the auth request expires. */
  expiresIn: number;
}

/**
 * The bridge's only way to the provider: standard CIBA and OAuth endpoints, called with the
 * device's own signed request and client assertion, which the bridge relays unchanged (it holds no
 * device key, so it cannot forge them).
 */
export interface ProviderClient {
  /** CIBA §7.1: POST to the backchannel authentication endpoint with a signed request object. */
  backchannelAuthentication(input: {
    clientId: string;
    request: string;
    clientAssertion: string;
  }): Promise<ProviderAnswer<BackchannelAcknowledgement>>;
  /**
   * RFC 6749 §6: refresh at the token endpoint (private_key_jwt and, when given, a DPoP proof,
   * RFC 9449 §5). The provider answers with the token response encrypted to the device.
   */
  refresh(input: {
    clientId: string;
    refreshToken: string;
    clientAssertion: string;
    dpop?: string;
  }): Promise<ProviderAnswer<{ encryptedTokenResponse: string }>>;
}

/**
 * The provider could not be reached, timed out, or answered with a server error: the request may be
 * retried later with the same id. Thrown by {@link ProviderClient} methods.
 */
export class ProviderUnavailableError extends Error {
  constructor(reason: string) {
    super(`provider unavailable: ${reason}`);
    this.name = 'ProviderUnavailableError';
  }
}
