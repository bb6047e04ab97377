/** Outbound HTTP: ping/push notifications and jwks_uri / trusted-issuer key fetches. */
export interface OutboundRequest {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** Responses larger than this are cut off and treated as a failure. */
  maxResponseBytes: number;
}
export interface OutboundResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}
/** Redirects are never followed (a 3xx is returned as is). Network failures throw. */
export interface HttpClient {
  send(request: OutboundRequest): Promise<OutboundResponse>;
}
