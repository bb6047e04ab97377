import type { BridgeMessage, VerificationRequestMessage } from '@onboard/mqtt-contract';
import { silentLogger } from '@onboard/platform';
import { MemoryRelayLedger } from '../memory/memory-bridge-store';
import { ProviderUnavailableError, type ProviderClient } from '../ports/provider-client.port';
import { DEFAULT_EXPIRY_CHECK_INTERVAL_MS, DEFAULT_PUSH_GRACE_MS } from '../expiry/push-expiry';
import { createBridgeRelay, type BridgeRelay } from './bridge-relay';

const JWE = 'eyJhbGciOiJFQ0RILUVTK0EyNTZLVyJ9.a2V5.aXY.Y2lwaGVy.dGFn';
const jws = (claims: Record<string, unknown>) =>
  `eyJhbGciOiJFUzI1NiJ9.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`;
const verification = (requestId: string, token = `token-${requestId}`): VerificationRequestMessage => ({
  type: 'verification',
  requestId,
  request: jws({ iss: 'hu-1', client_notification_token: token }),
  clientAssertion: jws({ iss: 'hu-1' }),
});
const push = (body: object) => Buffer.from(JSON.stringify(body));

const made: BridgeRelay[] = [];
afterEach(() => made.splice(0).forEach((relay) => relay.close()));

function setup(provider: Partial<ProviderClient> = {}, clock = { now: () => 1_000_000 }) {
  const published: BridgeMessage[] = [];
  const publisher = { connected: true, publish: async (_d: string, m: BridgeMessage) => void published.push(m) };
  let calls = 0;
  const relays = new MemoryRelayLedger();
  const relay = createBridgeRelay({
    relays,
    provider: {
      backchannelAuthentication: async () => {
        calls++;
        return { ok: true, value: { authReqId: `ar-${calls}`, expiresIn: 120 } };
      },
      refresh: async () => ({ ok: false, error: 'invalid_grant' }),
      ...provider,
    },
    publisher: { publish: publisher.publish, isConnected: () => publisher.connected },
    clock,
    logger: silentLogger,
  });
  made.push(relay);
  return { relay, relays, published, publisher, calls: () => calls };
}

describe('bridge relay', () => {
  it('relays a verification once and answers concurrent repeats with the same acknowledgement', async () => {
    const { relay, published, calls } = setup();
    const replies = await Promise.all(
      [1, 2, 3].map(() => relay.handlers.verification.handle('hu-1', verification('r1'))),
    );
    expect(calls()).toBe(1);
    const acks = [...published, ...replies.filter((r) => r !== undefined)];
    expect(acks).toHaveLength(3);
    for (const ack of acks) expect(ack).toEqual({ type: 'ack', requestId: 'r1', authReqId: 'ar-1', expiresIn: 120 });
  });

  it('refuses a request object of another issuer before anything is stored', async () => {
    const { relay, relays, calls } = setup();
    const reply = await relay.handlers.verification.handle('hu-2', verification('r1'));
    expect(reply).toMatchObject({ type: 'error', error: 'invalid_message' });
    expect(await relays.find('hu-2', 'r1')).toBeUndefined();
    expect(calls()).toBe(0);
  });

  it('publishes a push that overtook the acknowledgement only after the acknowledgement', async () => {
    let answer!: () => void;
    const { relay, published } = setup({
      backchannelAuthentication: () =>
        new Promise((resolve) => {
          answer = () => resolve({ ok: true, value: { authReqId: 'ar-9', expiresIn: 60 } });
        }),
    });
    const relaying = relay.handlers.verification.handle('hu-1', verification('r1'));
    await new Promise((resolve) => setImmediate(resolve));
    const pushed = relay.receipt.receive(
      'Bearer token-r1',
      push({ auth_req_id: 'ar-9', encrypted_token_response: JWE }),
    );
    expect(await pushed).toEqual({ status: 204 });
    answer();
    await relaying;
    await new Promise((resolve) => setImmediate(resolve));
    expect(published.map((m) => m.type)).toEqual(['ack', 'result']);
    expect(published[1]).toEqual({
      type: 'result',
      requestId: 'r1',
      authReqId: 'ar-9',
      status: 'approved',
      encryptedTokenResponse: JWE,
    });
  });

  it('authenticates pushes by notification token and stores each outcome once', async () => {
    const { relay, relays, published } = setup();
    await relay.handlers.verification.handle('hu-1', verification('r1'));
    expect(await relay.receipt.receive(undefined, push({ auth_req_id: 'ar-1' }))).toMatchObject({ status: 401 });
    expect(await relay.receipt.receive('Bearer nope', push({ auth_req_id: 'ar-1' }))).toMatchObject({
      status: 401,
    });
    expect(await relay.receipt.receive('Bearer token-r1', push({ auth_req_id: 'ar-2', error: 'x' }))).toMatchObject({
      status: 400,
    });
    expect(await relay.receipt.receive('Bearer token-r1', push({ auth_req_id: 'ar-1' }))).toEqual({ status: 204 });
    expect((await relays.find('hu-1', 'r1'))?.state).toBe('acknowledged');
    const denied = push({ auth_req_id: 'ar-1', error: 'access_denied', error_description: 'no' });
    expect(await relay.receipt.receive('Bearer token-r1', denied)).toEqual({ status: 204 });
    expect(await relay.receipt.receive('Bearer token-r1', denied)).toEqual({ status: 204 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(published.filter((m) => m.type === 'result')).toEqual([
      {
        type: 'result',
        requestId: 'r1',
        authReqId: 'ar-1',
        status: 'denied',
        error: 'access_denied',
        errorDescription: 'no',
      },
    ]);
  });

  it('never passes on plaintext tokens', async () => {
    const { relay, relays } = setup();
    await relay.handlers.verification.handle('hu-1', verification('r1'));
    await relay.receipt.receive('Bearer token-r1', push({ auth_req_id: 'ar-1', access_token: 'secret' }));
    expect((await relays.find('hu-1', 'r1'))?.outcome).toEqual({
      status: 'failed',
      error: 'transaction_failed',
      errorDescription: 'the provider did not encrypt the token response',
    });
  });

  it('keeps results of an offline device for redelivery and stops after result-ack', async () => {
    const { relay, published, publisher } = setup();
    await relay.handlers.verification.handle('hu-1', verification('r1'));
    publisher.connected = false;
    await relay.receipt.receive('Bearer token-r1', push({ auth_req_id: 'ar-1', encrypted_token_response: JWE }));
    await new Promise((resolve) => setImmediate(resolve));
    expect(published.map((m) => m.type)).toEqual(['ack']);
    publisher.connected = true;
    expect(await relay.delivery.redeliver('hu-1')).toBe(1);
    expect(published.map((m) => m.type)).toEqual(['ack', 'result']);
    await relay.handlers['result-ack'].handle('hu-1', { type: 'result-ack', requestId: 'r1' });
    expect(await relay.delivery.redeliver('hu-1')).toBe(0);
  });

  it('releases a request the provider could not take, so that a retry relays it again', async () => {
    let fail = true;
    const { relay } = setup({
      backchannelAuthentication: async () => {
        if (fail) throw new ProviderUnavailableError('down');
        return { ok: true, value: { authReqId: 'ar-1', expiresIn: 60 } };
      },
    });
    expect(await relay.handlers.verification.handle('hu-1', verification('r1'))).toMatchObject({
      error: 'temporarily_unavailable',
    });
    fail = false;
    expect(await relay.handlers.verification.handle('hu-1', verification('r1'))).toBeUndefined();
  });

  it('maps provider refusals to failed results and keeps unknown codes out of the device vocabulary', async () => {
    const { relay } = setup({
      backchannelAuthentication: async () => ({ ok: false, error: 'slow_down_please', errorDescription: 'x' }),
    });
    expect(await relay.handlers.verification.handle('hu-1', verification('r1'))).toEqual({
      type: 'result',
      requestId: 'r1',
      status: 'failed',
      error: 'transaction_failed',
      errorDescription: 'provider error slow_down_please',
    });
  });

  it('answers request_id_reused for the same id with another request object', async () => {
    const { relay } = setup();
    await relay.handlers.verification.handle('hu-1', verification('r1'));
    const other = { ...verification('r1', 'other-token') };
    expect(await relay.handlers.verification.handle('hu-1', other)).toMatchObject({ error: 'request_id_reused' });
  });
});

describe('bridge relay: requests whose push never comes', () => {
  const T0 = 1_000_000;
  const EXPIRES_IN = 120;
  const GRACE = DEFAULT_PUSH_GRACE_MS;
  const EXPIRED = {
    type: 'result',
    requestId: 'r1',
    authReqId: 'ar-1',
    status: 'expired',
    error: 'expired_token',
    errorDescription: 'the provider sent no result before the request expired',
  };
  let now: number;
  const clock = { now: () => now };
  const settle = () => new Promise((resolve) => setImmediate(resolve));

  beforeEach(() => {
    now = T0;
  });

  it('tells the device expired_token once the expiry and the grace period have passed', async () => {
    const { relay, relays, published } = setup({}, clock);
    await relay.handlers.verification.handle('hu-1', verification('r1'));
    now = T0 + EXPIRES_IN * 1000 + GRACE - 1;
    expect(await relay.expiry.expireOverdue()).toBe(0);
    now += 1;
    expect(await relay.expiry.expireOverdue()).toBe(1);
    await settle();
    expect(published).toEqual([{ type: 'ack', requestId: 'r1', authReqId: 'ar-1', expiresIn: EXPIRES_IN }, EXPIRED]);
    expect(await relays.find('hu-1', 'r1')).toMatchObject({
      state: 'result_ready',
      outcome: { status: 'expired', error: 'expired_token' },
    });
    expect(await relay.expiry.expireOverdue()).toBe(0);
  });

  it('does not deliver a push that comes after the request was expired', async () => {
    const { relay, published } = setup({}, clock);
    await relay.handlers.verification.handle('hu-1', verification('r1'));
    now = T0 + EXPIRES_IN * 1000 + GRACE;
    await relay.expiry.expireOverdue();
    const late = push({ auth_req_id: 'ar-1', encrypted_token_response: JWE });
    expect(await relay.receipt.receive('Bearer token-r1', late)).toEqual({ status: 204 });
    await settle();
    expect(published.filter((m) => m.type === 'result')).toEqual([EXPIRED]);
  });

  it('leaves requests alone whose push arrived or that the device cancelled', async () => {
    const { relay, published } = setup({}, clock);
    await relay.handlers.verification.handle('hu-1', verification('r1'));
    await relay.handlers.verification.handle('hu-1', verification('r2'));
    await relay.receipt.receive('Bearer token-r1', push({ auth_req_id: 'ar-1', encrypted_token_response: JWE }));
    await relay.handlers.cancel.handle('hu-1', { type: 'cancel', requestId: 'r2' });
    now = T0 + 24 * 3600_000;
    expect(await relay.expiry.expireOverdue()).toBe(0);
    await settle();
    expect(published.filter((m) => m.type === 'result').map((m) => (m as { status: string }).status)).toEqual([
      'approved',
    ]);
  });

  it('keeps the expired result of an offline device for redelivery', async () => {
    const { relay, published, publisher } = setup({}, clock);
    await relay.handlers.verification.handle('hu-1', verification('r1'));
    publisher.connected = false;
    now = T0 + EXPIRES_IN * 1000 + GRACE;
    expect(await relay.expiry.expireOverdue()).toBe(1);
    await settle();
    expect(published.map((m) => m.type)).toEqual(['ack']);
    publisher.connected = true;
    expect(await relay.delivery.redeliver('hu-1')).toBe(1);
    expect(published[1]).toEqual(EXPIRED);
  });

  it('counts the expiry from the provider’s answer, not from the device’s message', async () => {
    let answer!: () => void;
    const { relay } = setup(
      {
        backchannelAuthentication: () =>
          new Promise((resolve) => {
            answer = () => resolve({ ok: true, value: { authReqId: 'ar-1', expiresIn: EXPIRES_IN } });
          }),
      },
      clock,
    );
    const relaying = relay.handlers.verification.handle('hu-1', verification('r1'));
    await settle();
    now = T0 + 3600_000;
    expect(await relay.expiry.expireOverdue()).toBe(0);
    answer();
    await relaying;
    now += EXPIRES_IN * 1000 + GRACE - 1;
    expect(await relay.expiry.expireOverdue()).toBe(0);
    now += 1;
    expect(await relay.expiry.expireOverdue()).toBe(1);
  });

  it('keeps a request whose expired result could not be stored for the next pass', async () => {
    const { relay, relays } = setup({}, clock);
    await relay.handlers.verification.handle('hu-1', verification('r1'));
    now = T0 + EXPIRES_IN * 1000 + GRACE;
    const storeOutcome = jest.spyOn(relays, 'storeOutcome').mockRejectedValueOnce(new Error('database is locked'));
    expect(await relay.expiry.expireOverdue()).toBe(0);
    expect(await relay.expiry.expireOverdue()).toBe(1);
    expect(storeOutcome).toHaveBeenCalledTimes(2);
  });

  describe('the expiry timer', () => {
    beforeEach(() => jest.useFakeTimers({ now: T0 }));
    afterEach(() => {
      jest.restoreAllMocks();
      jest.useRealTimers();
    });

    it('is one unref’d timer, armed while requests wait for a push and stopped when none do', async () => {
      const setInterval = jest.spyOn(global, 'setInterval');
      const { relay, published } = setup({}, { now: () => Date.now() });
      expect(jest.getTimerCount()).toBe(0);
      await relay.handlers.verification.handle('hu-1', verification('r1'));
      await relay.handlers.verification.handle('hu-1', verification('r2'));
      expect(setInterval).toHaveBeenCalledTimes(1);
      expect(jest.getTimerCount()).toBe(1);
      expect((setInterval.mock.results[0].value as NodeJS.Timeout).hasRef()).toBe(false);

      await jest.advanceTimersByTimeAsync(EXPIRES_IN * 1000 + GRACE + DEFAULT_EXPIRY_CHECK_INTERVAL_MS);
      expect(published.filter((m) => m.type === 'result')).toHaveLength(2);
      expect(jest.getTimerCount()).toBe(0);
      relay.close();
    });

    it('is stopped by close() and never armed again', async () => {
      const { relay } = setup({}, { now: () => Date.now() });
      await relay.handlers.verification.handle('hu-1', verification('r1'));
      expect(jest.getTimerCount()).toBe(1);
      relay.close();
      expect(jest.getTimerCount()).toBe(0);
      await relay.handlers.verification.handle('hu-1', verification('r2'));
      expect(jest.getTimerCount()).toBe(0);
    });
  });
});
