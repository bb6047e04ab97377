import type { HttpClient, OutboundResponse } from '@onboard/platform';
import {
  ProviderUnavailableError,
  type BackchannelAcknowledgement,
  type ProviderAnswer,
  type ProviderClient,
} from '../ports/provider-client.port';

/** RFC 7523 §2.2 client assertion type. */
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Where the provider's endpoints are, and how long to wait for them. */
export interface HttpProviderClientOptions {
  /** The backchannel authentication endpoint (discovery `backchannel_authentication_endpoint`). */
  backchannelEndpoint: string;
  /** The token endpoint (discovery `token_endpoint`). */
  tokenEndpoint: string;
  /** Outbound HTTP (the platform's createHttpClient keeps connections alive). */
  http: HttpClient;
  /** Per request, connect to last byte. Default 10 s. */
  timeoutMs?: number;
}

const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * {@link ProviderClient} over HTTP: form-encoded POSTs (RFC 6749 §3.2, CIBA §7.1), JSON answers.
 * 4xx answers with an OAuth error body become `{ ok: false }`; network failures, timeouts, 5xx,
 * 429 and unreadable answers throw {@link ProviderUnavailableError}.
 * @example
 * const provider = createHttpProviderClient({
 *   backchannelEndpoint: 'https://op.example/backchannel', tokenEndpoint: 'https://op.example/token',
 *   http: createHttpClient(),
 * });
 */
export function createHttpProviderClient(options: HttpProviderClientOptions): ProviderClient {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const post = async (url: string, form: Record<string, string | undefined>, headers: Record<string, string> = {}) => {
    const body = new URLSearchParams();
    for (const [name, value] of Object.entries(form)) if (value !== undefined) body.set(name, value);
    let response: OutboundResponse;
    try {
      response = await options.http.send({
        url,
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...headers },
        body: body.toString(),
        timeoutMs,
        maxResponseBytes: MAX_RESPONSE_BYTES,
      });
    } catch (err) {
      throw new ProviderUnavailableError(err instanceof Error ? err.name : 'network error');
    }
    if (response.status >= 500 || response.status === 429) {
      throw new ProviderUnavailableError(`status ${response.status}`);
    }
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(response.body) as Record<string, unknown>;
    } catch {
      throw new ProviderUnavailableError(`unreadable answer (status ${response.status})`);
    }
    if (typeof json !== 'object' || json === null) throw new ProviderUnavailableError('answer is not an object');
    return { status: response.status, json };
  };

  return {
    async backchannelAuthentication(input): Promise<ProviderAnswer<BackchannelAcknowledgement>> {
      const { status, json } = await post(options.backchannelEndpoint, {
        request: input.request,
        client_id: input.clientId,
        client_assertion_type: JWT_BEARER,
        client_assertion: input.clientAssertion,
      });
      if (status !== 200) return oauthError(json);
      // CIBA §7.3
      const { auth_req_id: authReqId, expires_in: expiresIn } = json;
      if (typeof authReqId !== 'string' || authReqId === '' || typeof expiresIn !== 'number' || !(expiresIn > 0)) {
        throw new ProviderUnavailableError('malformed acknowledgement');
      }
      return { ok: true, value: { authReqId, expiresIn: Math.floor(expiresIn) } };
    },

    async refresh(input): Promise<ProviderAnswer<{ encryptedTokenResponse: string }>> {
      const { status, json } = await post(
        options.tokenEndpoint,
        {
          grant_type: 'refresh_token',
          refresh_token: input.refreshToken,
          client_id: input.clientId,
          client_assertion_type: JWT_BEARER,
          client_assertion: input.clientAssertion,
        },
        input.dpop === undefined ? {} : { dpop: input.dpop },
      );
      if (status !== 200) return oauthError(json);
      const encrypted = json.encrypted_token_response;
      if (typeof encrypted !== 'string' || encrypted === '') {
        // Never pass plaintext tokens on through the broker.
        return {
          ok: false,
          error: 'transaction_failed',
          errorDescription: 'the provider did not encrypt the token response',
        };
      }
      return { ok: true, value: { encryptedTokenResponse: encrypted } };
    },
  };
}

function oauthError(json: Record<string, unknown>): { ok: false; error: string; errorDescription?: string } {
  const error = typeof json.error === 'string' && json.error !== '' ? json.error : 'invalid_request';
  const description = typeof json.error_description === 'string' ? json.error_description : undefined;
  return { ok: false, error, ...(description === undefined ? {} : { errorDescription: description }) };
}
