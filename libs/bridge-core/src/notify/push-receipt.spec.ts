import type { BridgeMessage } from '@onboard/mqtt-contract';
import { silentLogger } from '@onboard/platform';
import { ResultDelivery } from '../delivery/result-delivery';
import { MemoryRelayLedger } from '../memory/memory-bridge-store';
import { PendingPushes } from '../relay/pending-pushes';
import { RequestLedger } from '../relay/request-ledger';
import { hashNotificationToken } from './notification-token';
import { PushReceipt } from './push-receipt';

const JWE = 'eyJhbGciOiJFQ0RILUVTK0EyNTZLVyJ9.a2V5.aXY.Y2lwaGVy.dGFn';
const body = (fields: object) => Buffer.from(JSON.stringify(fields));
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** A ledger with one acknowledged verification (token `tok-1`, auth_req_id `ar-1`), as another replica left it. */
async function setup() {
  const clock = { now: () => 1_000_000 };
  const ledger = new RequestLedger(new MemoryRelayLedger(), clock);
  await ledger.claim({
    deviceId: 'hu-1',
    requestId: 'r1',
    kind: 'verification',
    fingerprint: 'f',
    notificationTokenHash: hashNotificationToken('tok-1'),
  });
  await ledger.acknowledge('hu-1', 'r1', { authReqId: 'ar-1', authExpiresAt: 2_000_000 });
  const published: BridgeMessage[] = [];
  const warnings: string[] = [];
  const delivery = new ResultDelivery({
    ledger,
    publisher: { publish: async (_d, m) => void published.push(m), isConnected: () => true },
    clock,
    logger: silentLogger,
  });
  const pending = new PendingPushes(ledger);
  const receipt = new PushReceipt({
    ledger,
    pending,
    delivery,
    logger: { ...silentLogger, warn: (m: string) => void warnings.push(m) },
  });
  return { receipt, ledger, pending, published, warnings };
}

describe('push receipt', () => {
  it('refuses a notification without a bearer token, or with one no request holds, with 401 and stores nothing', async () => {
    const { receipt, ledger } = await setup();
    const push = body({ auth_req_id: 'ar-1', encrypted_token_response: JWE });
    expect(await receipt.receive(undefined, push)).toEqual({ status: 401, error: 'invalid_token' });
    expect(await receipt.receive('Basic dG9rLTE=', push)).toEqual({ status: 401, error: 'invalid_token' });
    expect(await receipt.receive('Bearer tok-2', push)).toEqual({ status: 401, error: 'invalid_token' });
    expect((await ledger.find('hu-1', 'r1'))?.state).toBe('acknowledged');
  });

  it('finds a request this process does not hold in the ledger, stores the result, then publishes it', async () => {
    const { receipt, ledger, published } = await setup();
    const answer = await receipt.receive('Bearer tok-1', body({ auth_req_id: 'ar-1', encrypted_token_response: JWE }));
    expect(answer).toEqual({ status: 204 });
    expect(await ledger.find('hu-1', 'r1')).toMatchObject({
      state: 'result_ready',
      outcome: { status: 'approved', encryptedTokenResponse: JWE },
    });
    await settle();
    expect(published).toEqual([
      { type: 'result', requestId: 'r1', authReqId: 'ar-1', status: 'approved', encryptedTokenResponse: JWE },
    ]);
  });

  it('answers 400 for a body that is not a notification or names another auth_req_id', async () => {
    const { receipt, ledger } = await setup();
    expect(await receipt.receive('Bearer tok-1', Buffer.from('<xml/>'))).toEqual({
      status: 400,
      error: 'invalid_request',
      errorDescription: 'not a client notification',
    });
    expect(await receipt.receive('Bearer tok-1', body({ auth_req_id: 'ar-2', error: 'access_denied' }))).toEqual({
      status: 400,
      error: 'invalid_request',
      errorDescription: 'auth_req_id does not match',
    });
    expect((await ledger.find('hu-1', 'r1'))?.state).toBe('acknowledged');
  });

  it('acknowledges a ping and changes nothing: devices are push clients', async () => {
    const { receipt, ledger, published } = await setup();
    expect(await receipt.receive('Bearer tok-1', body({ auth_req_id: 'ar-1' }))).toEqual({ status: 204 });
    await settle();
    expect((await ledger.find('hu-1', 'r1'))?.state).toBe('acknowledged');
    expect(published).toEqual([]);
  });

  it('never passes on a token response in clear: the device gets transaction_failed', async () => {
    const { receipt, ledger, published, warnings } = await setup();
    const clear = body({ auth_req_id: 'ar-1', access_token: 'at', id_token: 'it', token_type: 'DPoP' });
    expect(await receipt.receive('Bearer tok-1', clear)).toEqual({ status: 204 });
    await settle();
    expect((await ledger.find('hu-1', 'r1'))?.outcome).toMatchObject({ status: 'failed', error: 'transaction_failed' });
    expect(JSON.stringify(published)).not.toContain('"at"');
    expect(warnings).toEqual(['push with an unencrypted token response refused']);
  });

  it('acknowledges a repeated push with 204 but delivers the result once', async () => {
    const { receipt, published } = await setup();
    const denied = body({ auth_req_id: 'ar-1', error: 'access_denied' });
    expect(await receipt.receive('Bearer tok-1', denied)).toEqual({ status: 204 });
    expect(await receipt.receive('Bearer tok-1', denied)).toEqual({ status: 204 });
    await settle();
    expect(published).toEqual([
      { type: 'result', requestId: 'r1', authReqId: 'ar-1', status: 'denied', error: 'access_denied' },
    ]);
  });
});
