import { silentLogger } from '@onboard/platform';
import type { ProviderContext } from '../context';
import type { Client } from '../domain/client';
import type { AuthRequest } from '../domain/auth-request';
import { InvalidRequest } from '../errors/oauth-error';
import { answerRepeatedRequest, REPEAT_WAIT_MS } from './answer-repeated-request';

const NOW = 1_800_000_000_000;
const client = { clientId: 'head-unit-1' } as Client;
const stored = {
  id: 'ar1',
  deliveryAuthReqId: 'auth-req-1',
  deliveryMode: 'ping',
  interval: 2,
  expiresAt: NOW + 120_000,
} as AuthRequest;

/** A context whose store finds the first request only after `appearsAfter` lookups. */
function contextWith(appearsAfter: number, record: AuthRequest | undefined = stored) {
  let lookups = 0;
  const ctx = {
    clock: { now: () => NOW },
    logger: silentLogger,
    stores: {
      authRequests: {
        findByRequestObjectHash: async () => (++lookups > appearsAfter ? record : undefined),
      },
    },
  } as unknown as ProviderContext;
  return { ctx, lookups: () => lookups };
}

describe('answerRepeatedRequest', () => {
  const noPause = async () => undefined;

  it('gives the first acknowledgement again, with the time left', async () => {
    const { ctx } = contextWith(0);
    await expect(answerRepeatedRequest(ctx, client, 'hash', noPause)).resolves.toEqual({
      authReqId: 'auth-req-1',
      expiresIn: 120,
      interval: 2,
    });
  });

  it('waits for a first request still being processed instead of calling the retry a replay', async () => {
    const { ctx, lookups } = contextWith(3);
    const paused: number[] = [];
    const answer = await answerRepeatedRequest(ctx, client, 'hash', async (ms) => void paused.push(ms));
    expect(answer.authReqId).toBe('auth-req-1');
    expect(lookups()).toBe(4);
    expect(paused.length).toBe(3);
  });

  it('refuses as a replay when no request appears within the wait', async () => {
    const { ctx } = contextWith(Infinity);
    let waited = 0;
    const attempt = answerRepeatedRequest(ctx, client, 'hash', async (ms) => void (waited += ms));
    await expect(attempt).rejects.toThrow(new InvalidRequest('request object was already used (jti replay)'));
    expect(waited).toBeGreaterThanOrEqual(REPEAT_WAIT_MS);
  });

  it('refuses a repeat without a request object hash, and one whose request expired', async () => {
    await expect(answerRepeatedRequest(contextWith(0).ctx, client, undefined, noPause)).rejects.toThrow(InvalidRequest);
    const expired = { ...stored, expiresAt: NOW - 1 } as AuthRequest;
    await expect(answerRepeatedRequest(contextWith(0, expired).ctx, client, 'hash', noPause)).rejects.toThrow(
      'request object was already used (jti replay)',
    );
  });
});
