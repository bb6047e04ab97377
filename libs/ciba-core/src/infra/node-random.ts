import { randomBytes, randomFillSync } from 'node:crypto';
import type { Random } from '../ports/random.port';

// Random bytes for ids, drawn from node:crypto's CSPRNG a few hundred ids at a time.
const POOL = Buffer.alloc(10 * 256);
let offset = POOL.length;

/**
 * A UUID version 7 (RFC 9562 §5.7): 48 bits of Unix time in milliseconds, then 74
 * random bits. Ids made one after another sort together, so each new row's primary key
 * lands on the last page of its index instead of on a random one: fewer pages written
 * per commit than with random (v4) UUIDs.
 */
export function uuidV7(now: number = Date.now()): string {
  if (offset + 10 > POOL.length) {
    randomFillSync(POOL);
    offset = 0;
  }
  const bytes = Buffer.allocUnsafe(16);
  bytes.writeUIntBE(now, 0, 6);
  POOL.copy(bytes, 6, offset, offset + 10);
  offset += 10;
  bytes[6] = (bytes[6] & 0x0f) | 0x70; // version 7
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // variant 10
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The production Random port over node:crypto's CSPRNG. `token(20)` gives the 160 bits
 * CIBA §7.3 recommends for auth_req_id, as unpadded base64url (CIBA §7.3 character set).
 * `uuid()` ids are time-ordered UUIDs (v7); they name rows and are never secrets.
 *
 * @example
 * const authReqId = nodeRandom.token(20);
 */
export const nodeRandom: Random = {
  token: (bytes: number) => randomBytes(bytes).toString('base64url'),
  uuid: () => uuidV7(),
};
