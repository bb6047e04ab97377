import { join } from 'node:path';
import { createOwner, type TestOwner } from '../support/fixtures';
import { makeTempDir, removeTempDir, startProvider, type TestProvider } from '../support/provider';
import { MqttHeadUnit, connectHeadUnit, eventually, startRelayBridge, type TestBridge } from '../support/bridge';

/** Long enough for a stray duplicate to arrive, short enough for the suite. */
const SETTLE_MS = 300;
const settle = () => new Promise((resolve) => setTimeout(resolve, SETTLE_MS));

// The provider retries pushes often enough to outlast a bridge restart (its outbox, CIBA §10.3).
const PROVIDER_ENV = { NOTIFICATION_MAX_ATTEMPTS: '30', NOTIFICATION_BACKOFF_MS: '50' };

describe('delivery through the MQTT bridge', () => {
  let provider: TestProvider;
  let bridge: TestBridge;
  let owner: TestOwner;
  let dir: string;
  const bridgeFile = () => join(dir, 'bridge.sqlite');

  beforeAll(async () => {
    dir = makeTempDir();
    provider = await startProvider({ databaseFile: join(dir, 'provider.sqlite'), env: PROVIDER_ENV });
    bridge = await startRelayBridge(provider, { dir, databaseFile: bridgeFile() });
    owner = await createOwner(provider);
  });
  afterAll(async () => {
    await bridge.close();
    await provider.close();
    removeTempDir(dir);
  });

  const connectedHeadUnit = () => connectHeadUnit(provider, bridge);

  const resultState = async (device: MqttHeadUnit, requestId: string) =>
    (await bridge.store.relays.find(device.unit.deviceId, requestId))?.state;

  it('relays a repeated request id once: one auth request, one owner notification, the same ack', async () => {
    const device = await connectedHeadUnit();
    try {
      const first = await device.requestVerification(owner.email);
      await Promise.all([device.publish('verification', first.payload), device.publish('verification', first.payload)]);
      await eventually(() => device.count('ack', first.requestId) === 3);
      const acks = device.received.filter((m) => m.type === 'ack').map((m) => m.json.auth_req_id);
      expect(new Set(acks).size).toBe(1);
      const pending = (await owner.device.pending()).filter((r) => r.binding_message === first.bindingMessage);
      expect(pending).toHaveLength(1);

      // the same id with other content is refused
      await device.requestVerification(owner.email, { requestId: first.requestId });
      expect((await device.waitFor('error', first.requestId)).json).toMatchObject({ error: 'request_id_reused' });

      await owner.device.approve(first.bindingMessage);
      await device.waitFor('result', first.requestId);
      await settle();
      expect(device.count('result', first.requestId)).toBe(1);
    } finally {
      await device.disconnect();
    }
  });

  it('delivers no result for a cancelled request', async () => {
    const device = await connectedHeadUnit();
    try {
      const { requestId, bindingMessage } = await device.requestVerification(owner.email);
      await device.waitFor('ack', requestId);
      await device.publish('cancel', JSON.stringify({ request_id: requestId }));
      expect((await device.waitFor('status', requestId)).json).toMatchObject({ status: 'cancelled' });
      await owner.device.approve(bindingMessage);
      await settle();
      expect(device.count('result', requestId)).toBe(0);
    } finally {
      await device.disconnect();
    }
  });

  it.each([
    ['subscribes again', true],
    ['relies on its restored session', false],
  ])(
    'gives a device offline at approval its result once on reconnect when it %s, until it sends result-ack',
    async (_how, resubscribe) => {
      const device = await connectedHeadUnit();
      const { requestId, bindingMessage } = await device.requestVerification(owner.email);
      const ack = await device.waitFor('ack', requestId);
      await device.disconnect();
      await owner.device.approve(bindingMessage);
      await eventually(async () => (await resultState(device, requestId)) === 'result_ready');

      await device.connect(bridge.mqttUrl, resubscribe);
      const result = await device.waitFor('result', requestId);
      const tokens = await device.decrypt(result.json.encrypted_token_response);
      await device.verifyIdToken(tokens.id_token, ack.json.auth_req_id);
      await settle();
      expect(device.count('result', requestId)).toBe(1);

      // without result-ack the bridge redelivers; with it, never again
      await device.disconnect();
      await device.connect(bridge.mqttUrl, resubscribe);
      await device.waitFor('result', requestId);
      await eventually(() => device.count('result', requestId) === 2);
      await device.publish('result-ack', JSON.stringify({ request_id: requestId }));
      await eventually(async () => (await resultState(device, requestId)) === 'delivered');
      await device.disconnect();
      await device.connect(bridge.mqttUrl, resubscribe);
      await settle();
      expect(device.count('result', requestId)).toBe(2);
      await device.disconnect();
    },
  );

  it('completes a flow when the bridge restarts between the request and the approval', async () => {
    const device = await connectedHeadUnit();
    const { requestId, bindingMessage } = await device.requestVerification(owner.email);
    const ack = await device.waitFor('ack', requestId);
    await device.disconnect();
    const httpPort = bridge.httpPort;
    await bridge.close();

    await owner.device.approve(bindingMessage); // the push fails while the bridge is down
    bridge = await startRelayBridge(provider, { dir, databaseFile: bridgeFile(), httpPort });
    await eventually(async () => (await resultState(device, requestId)) === 'result_ready', 10_000);

    await device.connect(bridge.mqttUrl);
    const result = await device.waitFor('result', requestId);
    expect(result.json).toMatchObject({ status: 'approved', auth_req_id: ack.json.auth_req_id });
    const tokens = await device.decrypt(result.json.encrypted_token_response);
    await device.verifyIdToken(tokens.id_token, ack.json.auth_req_id);
    await device.disconnect();
  });

  it('completes a flow when the provider restarts between the request and the approval', async () => {
    const device = await connectedHeadUnit();
    try {
      const { requestId, bindingMessage } = await device.requestVerification(owner.email);
      const ack = await device.waitFor('ack', requestId);
      const port = new URL(provider.url).port;
      await provider.close();
      provider = await startProvider({
        databaseFile: join(dir, 'provider.sqlite'),
        env: { ...PROVIDER_ENV, PORT: port, ADMIN_TOKEN: provider.adminToken },
      });

      await owner.device.approve(bindingMessage);
      const result = await device.waitFor('result', requestId);
      const tokens = await device.decrypt(result.json.encrypted_token_response);
      await device.verifyIdToken(tokens.id_token, ack.json.auth_req_id);
    } finally {
      await device.disconnect();
    }
  });

  it('shows a subscriber with broker-wide rights only ciphertext', async () => {
    const seen: Array<{ topic: string; payload: string }> = [];
    const stop = await bridge.bridge.broker.observe('#', (topic, payload) =>
      seen.push({ topic, payload: payload.toString() }),
    );
    const device = await connectedHeadUnit();
    try {
      const { requestId, bindingMessage } = await device.requestVerification(owner.email);
      await device.waitFor('ack', requestId);
      await owner.device.approve(bindingMessage);
      const result = await device.waitFor('result', requestId);
      const tokens = await device.decrypt(result.json.encrypted_token_response);
      await eventually(() => seen.some((m) => m.topic.endsWith('/replies/result')));

      expect(seen.map((m) => m.topic.split('/').slice(-2).join('/'))).toEqual(
        expect.arrayContaining(['requests/verification', 'replies/ack', 'replies/result']),
      );
      const everything = seen.map((m) => m.payload).join('\n');
      for (const secret of [tokens.access_token, tokens.refresh_token, tokens.id_token]) {
        expect(everything).not.toContain(secret);
      }
      expect(everything).not.toMatch(/"(access_token|refresh_token|id_token)"/);
    } finally {
      await stop();
      await device.disconnect();
    }
  });
});
