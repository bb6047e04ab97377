import {
  MAX_PAYLOAD_BYTES,
  sealDeviceMessage,
  type BridgeMessage,
  type DeviceMessageType,
} from '@onboard/mqtt-contract';
import { BridgePayloadKeys } from '../keys/bridge-payload-keys';
import { DeviceMessageDispatcher, type DeviceMessageRoute, type DropReason } from './device-message.dispatcher';

const T = (type: string, device = 'a') => `onboard/v1/devices/${device}/requests/${type}`;
const cancel = Buffer.from('{"request_id":"r1"}');

async function setup(options: { handler?: DeviceMessageRoute; allowed?: number } = {}) {
  const published: Array<{ deviceId: string; message: BridgeMessage }> = [];
  const errors: Array<Record<string, unknown> | undefined> = [];
  const drops: DropReason[] = [];
  const handled: string[] = [];
  const calls: DeviceMessageType[] = [];
  let budget = options.allowed ?? Infinity;
  const { keys } = await BridgePayloadKeys.generate();
  const dispatcher = new DeviceMessageDispatcher({
    handlerFor: (type) => {
      calls.push(type);
      return options.handler;
    },
    publisher: { publish: async (deviceId, message) => void published.push({ deviceId, message }) },
    limiter: { take: () => budget-- > 0 },
    metrics: {
      countDrop: (reason) => void drops.push(reason),
      countHandled: (type, outcome) => void handled.push(`${type} ${outcome}`),
    },
    payloadKeys: keys.forKid,
    logger: {
      debug() {},
      info() {},
      warn() {},
      error: (_m: string, f?: Record<string, unknown>) => void errors.push(f),
    },
  });
  return { dispatcher, published, errors, drops, handled, calls, keys };
}

const refresh = {
  type: 'refresh' as const,
  requestId: 'r2',
  refreshToken: 'rt',
  clientAssertion: 'eyJhbGciOiJFUzI1NiJ9.e30.c2ln',
};

describe('device message dispatcher', () => {
  it('gives the handler the authenticated device and sends its reply to that device', async () => {
    const seen: string[] = [];
    const { dispatcher, published } = await setup({
      handler: async (message, device) => {
        seen.push(device.deviceId);
        return { type: 'status', requestId: message.requestId, status: 'cancelled' };
      },
    });
    await dispatcher.dispatch({ deviceId: 'a' }, T('cancel'), cancel);
    expect(seen).toEqual(['a']);
    expect(published).toEqual([{ deviceId: 'a', message: { type: 'status', requestId: 'r1', status: 'cancelled' } }]);
  });

  it('drops a message whose topic names another device, whatever the payload', async () => {
    const { dispatcher, published, drops, calls } = await setup({ handler: async () => undefined });
    await dispatcher.dispatch({ deviceId: 'a' }, T('cancel', 'b'), cancel);
    await dispatcher.dispatch(undefined, T('cancel'), cancel);
    expect(published).toEqual([]);
    expect(drops).toEqual(['foreign_topic', 'unauthenticated']);
    expect(calls).toEqual([]);
  });

  it('drops a message on the device’s reply topics: only its requests/ level is for the bridge', async () => {
    const { dispatcher, published, drops } = await setup({ handler: async () => undefined });
    await dispatcher.dispatch({ deviceId: 'a' }, 'onboard/v1/devices/a/replies/result', cancel);
    await dispatcher.dispatch({ deviceId: 'a' }, 'elsewhere/a/requests/cancel', cancel);
    expect(published).toEqual([]);
    expect(drops).toEqual(['foreign_topic', 'foreign_topic']);
  });

  it('drops what exceeds the device’s message rate before it is even decoded', async () => {
    const { dispatcher, published, drops, calls } = await setup({ handler: async () => undefined, allowed: 1 });
    await dispatcher.dispatch({ deviceId: 'a' }, T('cancel'), cancel);
    await dispatcher.dispatch({ deviceId: 'a' }, T('cancel'), Buffer.from('not json'));
    expect(drops).toEqual(['rate_limited']);
    expect(calls).toEqual(['cancel']);
    expect(published).toEqual([]);
  });

  it('answers unknown_message_type without a request id for a level that is no message type', async () => {
    const { dispatcher, published, handled } = await setup({ handler: async () => undefined });
    await dispatcher.dispatch({ deviceId: 'a' }, T('teleport'), cancel);
    expect(published).toEqual([
      {
        deviceId: 'a',
        message: expect.objectContaining({ type: 'error', requestId: null, error: 'unknown_message_type' }),
      },
    ]);
    // the level is the device's choice: it never becomes a metric label
    expect(handled).toEqual(['unknown error:unknown_message_type']);
  });

  it('refuses a verification or refresh in clear with invalid_message, naming its request id', async () => {
    const { dispatcher, published, calls } = await setup({ handler: async () => undefined });
    const clear = Buffer.from('{"request_id":"r2","refresh_token":"rt","client_assertion":"ca"}');
    await dispatcher.dispatch({ deviceId: 'a' }, T('refresh'), clear);
    expect(published[0].message).toMatchObject({ type: 'error', requestId: 'r2', error: 'invalid_message' });
    expect(published[0].message.type === 'error' && published[0].message.errorDescription).toContain('sealed');
    expect(calls).toEqual([]);
  });

  it('opens a sealed payload with the bridge’s key and hands the handler the decoded message', async () => {
    const got: unknown[] = [];
    const { dispatcher, keys, published } = await setup({
      handler: async (message) => void got.push(message),
    });
    await dispatcher.dispatch({ deviceId: 'a' }, T('refresh'), await sealDeviceMessage(refresh, keys.current));
    expect(got).toEqual([refresh]);
    expect(published).toEqual([]);
  });

  it('refuses a payload sealed to another key with invalid_message', async () => {
    const other = (await BridgePayloadKeys.generate()).keys;
    const { dispatcher, published, calls } = await setup({ handler: async () => undefined });
    await dispatcher.dispatch({ deviceId: 'a' }, T('refresh'), await sealDeviceMessage(refresh, other.current));
    expect(published[0].message).toMatchObject({ type: 'error', requestId: null, error: 'invalid_message' });
    expect(calls).toEqual([]);
  });

  it('validates the payload against the contract schema before any handler runs', async () => {
    const { dispatcher, published, calls } = await setup({ handler: async () => undefined });
    await dispatcher.dispatch({ deviceId: 'a' }, T('cancel'), Buffer.from('{"request_id":"no spaces"}'));
    await dispatcher.dispatch({ deviceId: 'a' }, T('cancel'), Buffer.from('not json'));
    await dispatcher.dispatch({ deviceId: 'a' }, T('cancel'), Buffer.from('{}'));
    expect(published.map((p) => p.message)).toEqual([
      expect.objectContaining({
        error: 'invalid_message',
        requestId: null,
        errorDescription: 'request_id is malformed',
      }),
      expect.objectContaining({
        error: 'invalid_message',
        requestId: null,
        errorDescription: 'payload is not UTF-8 JSON',
      }),
      expect.objectContaining({ error: 'invalid_message', requestId: null }),
    ]);
    expect(calls).toEqual([]);
  });

  it('names the request id in invalid_message when the payload has a readable one', async () => {
    const { dispatcher, published, keys, calls } = await setup({ handler: async () => undefined });
    const bad = await sealDeviceMessage({ ...refresh, clientAssertion: 'not a jwt' }, keys.current);
    await dispatcher.dispatch({ deviceId: 'a' }, T('refresh'), bad);
    expect(published[0].message).toEqual({
      type: 'error',
      requestId: 'r2',
      error: 'invalid_message',
      errorDescription: 'client_assertion is malformed',
    });
    expect(calls).toEqual([]);
  });

  it('answers payload_too_large for a payload over the limit', async () => {
    const { dispatcher, published } = await setup({ handler: async () => undefined });
    const big = Buffer.from(`{"request_id":"r1","pad":"${'x'.repeat(MAX_PAYLOAD_BYTES)}"}`);
    await dispatcher.dispatch({ deviceId: 'a' }, T('cancel'), big);
    expect(published[0].message).toMatchObject({ type: 'error', error: 'payload_too_large' });
  });

  it('never answers a malformed result-ack (docs/protocol.md §8), and counts it', async () => {
    const { dispatcher, published, handled, calls } = await setup({ handler: async () => undefined });
    await dispatcher.dispatch({ deviceId: 'a' }, T('result-ack'), Buffer.from('{"nope":1}'));
    expect(published).toEqual([]);
    expect(calls).toEqual([]);
    expect(handled).toEqual(['result-ack dropped:invalid_message']);
  });

  it('turns a failing handler into server_error with an error id that is also logged', async () => {
    const { dispatcher, published, errors } = await setup({
      handler: async () => {
        throw new Error('boom');
      },
    });
    await dispatcher.dispatch({ deviceId: 'a' }, T('cancel'), cancel);
    const message = published[0].message;
    expect(message).toMatchObject({ type: 'error', requestId: 'r1', error: 'server_error' });
    const errorId = errors[0]?.errorId as string;
    expect(message.type === 'error' && message.errorDescription).toContain(errorId);
  });

  it('answers not_implemented for a known type without a handler', async () => {
    const { dispatcher, published } = await setup();
    await dispatcher.dispatch({ deviceId: 'a' }, T('cancel'), cancel);
    expect(published[0].message).toMatchObject({ error: 'not_implemented', requestId: 'r1' });
  });
});
