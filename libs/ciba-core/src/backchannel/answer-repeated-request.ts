import type { ProviderContext } from '../context';
import type { Client } from '../domain/client';
import { InvalidRequest } from '../errors/oauth-error';

/** How long a repeat waits for the first request with the same request object to be stored. */
export const REPEAT_WAIT_MS = 5_000;
const REPEAT_POLL_MS = 50;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The acknowledgement (CIBA §7.3) given again for a repeated signed request. */
export interface RepeatedAcknowledgement {
  authReqId: string;
  expiresIn: number;
  interval?: number;
}

/**
 * A signed request object whose `jti` was seen before (RFC 9101 §10.8 replay). When it is the very
 * same request object from the same client (same sha-256), and the auth request it created keeps
 * its auth_req_id (ping and push, CIBA §10.2, §10.3) and has not expired, the repeat is a retry
 * of a client that lost the acknowledgement (a relay that stopped mid-request): it gets the same
 * acknowledgement, with the time left, and the owner is not asked again. Anything else stays a
 * replay and is refused with invalid_request. Poll requests keep only the auth_req_id's hash, so
 * their repeats are refused as before.
 *
 * A retry may arrive while the first request is still being processed (its `jti` recorded, its
 * auth request not yet stored: a relay whose call timed out on a busy provider). The repeat then
 * waits up to {@link REPEAT_WAIT_MS} for the first to be stored, instead of refusing a pairing
 * that is about to exist.
 */
export async function answerRepeatedRequest(
  ctx: ProviderContext,
  client: Client,
  requestObjectHash: string | undefined,
  pause: (ms: number) => Promise<void> = sleep,
): Promise<RepeatedAcknowledgement> {
  const replay = new InvalidRequest('request object was already used (jti replay)');
  if (requestObjectHash === undefined) throw replay;
  const find = () => ctx.stores.authRequests.findByRequestObjectHash(client.clientId, requestObjectHash);
  let earlier = await find();
  for (let waited = 0; !earlier && waited < REPEAT_WAIT_MS; waited += REPEAT_POLL_MS) {
    await pause(REPEAT_POLL_MS);
    earlier = await find();
  }
  const now = ctx.clock.now();
  if (!earlier || earlier.deliveryAuthReqId === undefined || earlier.expiresAt <= now) throw replay;
  const expiresIn = Math.max(1, Math.ceil((earlier.expiresAt - now) / 1000));
  ctx.logger.info('repeated signed request answered with its auth request', {
    clientId: client.clientId,
    authRequestId: earlier.id,
  });
  return {
    authReqId: earlier.deliveryAuthReqId,
    expiresIn,
    // §7.3: interval only for poll and ping clients
    ...(earlier.deliveryMode === 'push' ? {} : { interval: earlier.interval }),
  };
}
