import type { MqttClient } from 'mqtt';
import { BridgePayloadKeys } from '@onboard/bridge-core';
import { sealPayload } from '../../../test/support/bridge';
import { MAX_PAYLOAD_BYTES, replySubscription, requestTopic } from '@onboard/mqtt-contract';
import {
  closed,
  connectDevice,
  createDevice,
  nextMessage,
  startTestBridge,
  SAMPLE_JWS,
  type TestDevice,
} from './support/bridge-harness';

/** A compact JWS with these claims; the bridge reads but does not verify it (the provider does). */
const requestObject = (claims: Record<string, unknown>) =>
  `eyJhbGciOiJFUzI1NiJ9.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`;

describe('device protocol over the embedded broker', () => {
  let device: TestDevice;
  let harness: Awaited<ReturnType<typeof startTestBridge>>;
  let client: MqttClient;

  beforeAll(async () => {
    device = await createDevice('hu-proto');
    harness = await startTestBridge([{ device }], { connectBurstPerClientId: 100, messageBurstPerDevice: 1000 });
    client = await connectDevice(harness.url, device);
    await client.subscribeAsync(replySubscription('hu-proto'), { qos: 1 });
  });
  afterAll(async () => {
    await client.endAsync(true);
    await harness.bridge.close();
  });

  /**
   * Publishes `payload` on requests/{level} (verification and refresh sealed to the bridge, as
   * docs/protocol.md §5a requires, unless `clear`) and returns the next reply of kind `reply`.
   */
  async function exchange(level: string, payload: string | Buffer, reply = 'error', clear = false) {
    const answer = nextMessage(client, `/replies/${reply}`);
    const sealed =
      !clear && (level === 'verification' || level === 'refresh')
        ? await sealPayload(payload.toString(), harness.bridge.payloadKeys.current)
        : payload;
    await client.publishAsync(`onboard/v1/devices/hu-proto/requests/${level}`, sealed, { qos: 1 });
    return answer;
  }
  const verification = (
    requestId: string,
    request = requestObject({ iss: 'hu-proto', client_notification_token: 't' }),
  ) => JSON.stringify({ request_id: requestId, request, client_assertion: SAMPLE_JWS });

  it("refuses a verification request whose request object is not the device's own or has no notification token", async () => {
    const foreign = await exchange('verification', verification('req-1', SAMPLE_JWS));
    expect(foreign.topic).toBe('onboard/v1/devices/hu-proto/replies/error');
    expect(foreign.json).toEqual({
      request_id: 'req-1',
      error: 'invalid_message',
      error_description: 'the request object iss is not the device id',
    });
    const tokenless = await exchange('verification', verification('req-1', requestObject({ iss: 'hu-proto' })));
    expect(tokenless.json).toMatchObject({
      error: 'invalid_message',
      error_description: 'the request object has no client_notification_token',
    });
  });

  it('answers temporarily_unavailable while the provider cannot be reached, and relays a retry of the same id again', async () => {
    for (let attempt = 0; attempt < 2; attempt++) {
      expect((await exchange('verification', verification('req-2'))).json).toMatchObject({
        request_id: 'req-2',
        error: 'temporarily_unavailable',
      });
    }
    const payload = JSON.stringify({ request_id: 'ref-1', refresh_token: 'rt', client_assertion: SAMPLE_JWS });
    expect((await exchange('refresh', payload)).json).toMatchObject({
      request_id: 'ref-1',
      error: 'temporarily_unavailable',
    });
  });

  it('refuses a verification or refresh payload in clear, naming the request id, and one sealed to another key', async () => {
    for (const [level, payload] of [
      ['verification', verification('clear-1')],
      ['refresh', JSON.stringify({ request_id: 'clear-2', refresh_token: 'rt', client_assertion: SAMPLE_JWS })],
    ]) {
      expect((await exchange(level, payload, 'error', true)).json).toEqual({
        request_id: JSON.parse(payload).request_id,
        error: 'invalid_message',
        error_description: `a ${level} payload must be sealed: a compact JWE to the bridge's encryption key`,
      });
    }
    const stranger = await BridgePayloadKeys.generate();
    const foreign = await sealPayload(verification('foreign-1'), { ...stranger.keys.current, kid: undefined });
    expect((await exchange('verification', foreign, 'error', true)).json).toEqual({
      request_id: null,
      error: 'invalid_message',
      error_description: "the sealed payload could not be decrypted with the bridge's key",
    });
  });

  it('refuses to cancel a request it does not know', async () => {
    expect((await exchange('cancel', JSON.stringify({ request_id: 'never-sent' }))).json).toMatchObject({
      request_id: 'never-sent',
      error: 'unknown_request',
    });
  });

  it('answers an unknown message type inside the subtree with unknown_message_type', async () => {
    expect((await exchange('launch-missiles', '{}')).json).toEqual({
      request_id: null,
      error: 'unknown_message_type',
      error_description: expect.any(String),
    });
  });

  it('answers malformed payloads with invalid_message, keeping a readable request id', async () => {
    expect((await exchange('verification', 'not json')).json).toMatchObject({
      request_id: null,
      error: 'invalid_message',
    });
    expect((await exchange('verification', JSON.stringify({ request_id: 'bad-1', request: 42 }))).json).toMatchObject({
      request_id: 'bad-1',
      error: 'invalid_message',
      error_description: 'request must be a string',
    });
  });

  it('answers a payload over the protocol limit with payload_too_large', async () => {
    const big = JSON.stringify({ request_id: 'big', pad: 'x'.repeat(MAX_PAYLOAD_BYTES) });
    expect((await exchange('cancel', big)).json).toMatchObject({ request_id: null, error: 'payload_too_large' });
  });

  it('publishes replies with QoS 1 and without the retain flag', async () => {
    const seen = new Promise<{ qos: number; retain: boolean }>((resolve) =>
      client.once('message', (_t, _p, packet) => resolve({ qos: packet.qos, retain: packet.retain })),
    );
    await client.publishAsync(requestTopic('hu-proto', 'cancel'), JSON.stringify({ request_id: 'q' }), { qos: 1 });
    expect(await seen).toEqual({ qos: 1, retain: false });
  });

  it('closes a connection that announces a packet over the broker packet limit before it arrives', async () => {
    const other = await connectDevice(harness.url, device);
    other.publish(requestTopic('hu-proto', 'cancel'), Buffer.alloc(64 * 1024, 0x20), { qos: 1 });
    await closed(other);
    expect(harness.bridge.metrics.snapshot().oversizedPackets).toBe(1);
    await other.endAsync(true);
    client = await connectDevice(harness.url, device);
    await client.subscribeAsync(replySubscription('hu-proto'), { qos: 1 });
  });
});

describe('per-device message rate', () => {
  it('drops messages beyond the device burst and counts them', async () => {
    const device = await createDevice('hu-chatty');
    const harness = await startTestBridge([{ device }], {
      messageBurstPerDevice: 5,
      messageRatePerDevicePerSecond: 0.001,
    });
    const client = await connectDevice(harness.url, device);
    try {
      await client.subscribeAsync(replySubscription('hu-chatty'), { qos: 1 });
      const replies: unknown[] = [];
      client.on('message', (_t, payload) => replies.push(JSON.parse(payload.toString())));
      for (let i = 0; i < 12; i++)
        await client.publishAsync(requestTopic('hu-chatty', 'cancel'), JSON.stringify({ request_id: `c${i}` }), {
          qos: 1,
        });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(replies).toHaveLength(5);
      expect(harness.bridge.metrics.snapshot().drops).toEqual({ rate_limited: 7 });
    } finally {
      await client.endAsync(true);
      await harness.bridge.close();
    }
  });
});
