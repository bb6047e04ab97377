/**
 * Outbound HTTP: ping/push notifications, the bridge's calls to the provider, and jwks_uri /
 * trusted-issuer key fetches. One production adapter ({@link createHttpClient}, undici) and one
 * test double ({@link createHttpClientDouble}) implement it.
 */
export interface OutboundRequest {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  /** Text, or bytes (an encrypted Web Push message, RFC 8291). */
  body?: string | Uint8Array;
  /** One timeout for connect, response head and body together. */
  timeoutMs: number;
  /** Responses larger than this are cut off and treated as a failure ({@link ResponseTooLargeError}). */
  maxResponseBytes: number;
}

export interface OutboundResponse {
  status: number;
  /** Lower-case names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  body: string;
}

/**
 * Redirects are never followed (a 3xx is returned as is: CIBA conformance fails an OP that
 * follows one from a client notification endpoint). Network failures throw; a response
 * over `maxResponseBytes` throws {@link ResponseTooLargeError}, one not complete within
 * `timeoutMs` throws {@link RequestTimeoutError}.
 */
export interface HttpClient {
  send(request: OutboundRequest): Promise<OutboundResponse>;
}

/** The response body exceeded `maxResponseBytes`; the read was aborted. */
export class ResponseTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`response body exceeds ${limit} bytes`);
    this.name = 'ResponseTooLargeError';
  }
}

/** The request did not complete within `timeoutMs` (connect, headers and body together). */
export class RequestTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no complete response within ${timeoutMs} ms`);
    this.name = 'RequestTimeoutError';
  }
}
