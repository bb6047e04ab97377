import {
  connectOutcome,
  createDevice,
  credentialFor,
  startTestBridge,
  type TestDevice,
} from './support/bridge-harness';

// MQTT 3.1.1 §3.2.2.3 CONNACK return codes
const SERVER_UNAVAILABLE = 3;
const BAD_USERNAME_OR_PASSWORD = 4;

// README, "Limits": refused connect credentials per remote address. After
// BRIDGE_AUTH_FAILURES_PER_SOURCE of them (default 20) the address gets CONNACK 3 for
// BRIDGE_AUTH_BLOCK_SECONDS, before its credential is looked at: a right one is refused too.
describe('brute force on connect credentials', () => {
  let device: TestDevice;
  let stranger: TestDevice;

  beforeAll(async () => {
    [device, stranger] = await Promise.all([createDevice('hu-guessed'), createDevice('hu-stranger')]);
  });

  const attempt = async (url: string, who: TestDevice, password: string | Promise<string>, clientId = who.deviceId) =>
    connectOutcome(url, { clientId, username: clientId, password: await password });

  it('refuses an address with CONNACK 3 after 20 refused credentials, even with a valid one, and counts it', async () => {
    const harness = await startTestBridge([{ device }], { connectBurstPerClientId: 1000, connectBurstPerIp: 1000 });
    try {
      for (let i = 0; i < 20; i++) {
        const password = credentialFor(device, { privateKey: stranger.privateKey });
        expect(await attempt(harness.url, device, password)).toBe(BAD_USERNAME_OR_PASSWORD);
      }
      const valid = await credentialFor(device);
      expect(await attempt(harness.url, device, valid)).toBe(SERVER_UNAVAILABLE);
      expect(harness.bridge.metrics.snapshot().connectRefusals).toMatchObject({ bad_signature: 20, source_blocked: 1 });
      const refused = harness.logger.lines.filter((l) => l.fields?.reason === 'source_blocked');
      expect(refused[0]?.fields).toMatchObject({ remoteAddress: '127.0.0.1' });
      expect(JSON.stringify(harness.logger.lines)).not.toContain(valid);
    } finally {
      await harness.bridge.close();
    }
  });

  it('admits the address again once its block is over', async () => {
    const harness = await startTestBridge([{ device }], {
      connectBurstPerClientId: 1000,
      connectBurstPerIp: 1000,
      authFailuresPerSource: 3,
      authBlockSeconds: 1,
    });
    try {
      for (let i = 0; i < 3; i++) {
        expect(await attempt(harness.url, stranger, credentialFor(stranger))).toBe(BAD_USERNAME_OR_PASSWORD);
      }
      expect(await attempt(harness.url, device, credentialFor(device))).toBe(SERVER_UNAVAILABLE);
      await new Promise((resolve) => setTimeout(resolve, 1200));
      expect(await attempt(harness.url, device, credentialFor(device))).toBe('connected');
    } finally {
      await harness.bridge.close();
    }
  });
});
