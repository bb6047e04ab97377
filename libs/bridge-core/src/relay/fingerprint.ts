import { hash } from 'node:crypto';

/**
 * Identity of a relayed message's content, so that a request id reused for other content is
 * refused (docs/protocol.md, "Idempotency"). A verification is identified by its request object
 * (a retry may carry a fresh client assertion), a refresh by its refresh token.
 */
export function fingerprint(content: string): string {
  return hash('sha256', content, 'base64url');
}
