/**
 * Transport-neutral HTTP request/response. The HTTP layer (libs/nest-http) turns Fastify
 * requests into WireRequest (raw body unparsed) and writes WireResponse back.
 */
export interface WireRequest {
  method: string;
  /** Absolute URL as seen by the client (issuer-based), used for DPoP `htu`. */
  url: string;
  /** Lower-case header names. Repeated headers joined with ', '. */
  headers: Record<string, string | undefined>;
  /** Raw body bytes as received (already size-bounded by the adapter). */
  rawBody?: Buffer;
  /** Client IP, for logs and rate limits. */
  ip?: string;
}

export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  /** JSON-serialisable body, or a string for non-JSON payloads, or undefined for empty. */
  body?: unknown;
}
