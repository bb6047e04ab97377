import type { BridgeMessage } from '@onboard/mqtt-contract';
import { BridgeMetrics } from '../broker/bridge-metrics';
import { TokenBucketLimiter } from '../broker/token-bucket';
import { DeviceMessageDispatcher, type DeviceMessageHandler } from './device-message.dispatcher';

function setup(handler?: DeviceMessageHandler) {
  const published: Array<{ deviceId: string; message: BridgeMessage }> = [];
  const errors: Array<Record<string, unknown> | undefined> = [];
  const metrics = new BridgeMetrics();
  const dispatcher = new DeviceMessageDispatcher({
    handlerFor: () => handler,
    publisher: { publish: async (deviceId, message) => void published.push({ deviceId, message }) },
    limiter: new TokenBucketLimiter({ now: () => 0 }, { capacity: 100, refillPerSecond: 1 }),
    metrics,
    payloadKeys: () => [],
    logger: {
      debug() {},
      info() {},
      warn() {},
      error: (_m: string, f?: Record<string, unknown>) => void errors.push(f),
    },
  });
  return { dispatcher, published, errors, metrics };
}
const cancel = Buffer.from('{"request_id":"r1"}');

describe('device message dispatcher', () => {
  it('gives the handler the authenticated device and sends its reply to that device', async () => {
    const seen: string[] = [];
    const { dispatcher, published } = setup(async (message, device) => {
      seen.push(device.deviceId);
      return { type: 'status', requestId: message.requestId, status: 'cancelled' };
    });
    await dispatcher.dispatch({ deviceId: 'a' }, 'onboard/v1/devices/a/requests/cancel', cancel);
    expect(seen).toEqual(['a']);
    expect(published).toEqual([{ deviceId: 'a', message: { type: 'status', requestId: 'r1', status: 'cancelled' } }]);
  });

  it('drops a message whose topic names another device, whatever the payload', async () => {
    const { dispatcher, published, metrics } = setup(async () => undefined);
    await dispatcher.dispatch({ deviceId: 'a' }, 'onboard/v1/devices/b/requests/cancel', cancel);
    await dispatcher.dispatch(undefined, 'onboard/v1/devices/a/requests/cancel', cancel);
    expect(published).toEqual([]);
    expect(metrics.snapshot().drops).toEqual({ foreign_topic: 1, unauthenticated: 1 });
  });

  it('turns a failing handler into server_error with an error id that is also logged', async () => {
    const { dispatcher, published, errors } = setup(async () => {
      throw new Error('boom');
    });
    await dispatcher.dispatch({ deviceId: 'a' }, 'onboard/v1/devices/a/requests/cancel', cancel);
    const message = published[0].message;
    expect(message).toMatchObject({ type: 'error', requestId: 'r1', error: 'server_error' });
    const errorId = errors[0]?.errorId as string;
    expect(message.type === 'error' && message.errorDescription).toContain(errorId);
  });

  it('answers not_implemented for a known type without a handler', async () => {
    const { dispatcher, published } = setup(undefined);
    await dispatcher.dispatch({ deviceId: 'a' }, 'onboard/v1/devices/a/requests/cancel', cancel);
    expect(published[0].message).toMatchObject({ error: 'not_implemented', requestId: 'r1' });
  });
});
