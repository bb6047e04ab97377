import { randomBytes, randomUUID } from 'node:crypto';
import type { Random } from '../ports/random.port';

/**
 * The production Random port over node:crypto's CSPRNG. `token(20)` gives the 160 bits
 * CIBA §7.3 recommends for auth_req_id, as unpadded base64url (CIBA §7.3 character set).
 *
 * @example
 * const authReqId = nodeRandom.token(20);
 */
export const nodeRandom: Random = {
  token: (bytes: number) => randomBytes(bytes).toString('base64url'),
  uuid: () => randomUUID(),
};
