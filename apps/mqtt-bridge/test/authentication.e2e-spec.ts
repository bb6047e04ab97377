import { SignJWT } from 'jose';
import {
  AUDIENCE,
  connectDevice,
  connectOutcome,
  createDevice,
  credentialFor,
  startTestBridge,
  type TestDevice,
} from './support/bridge-harness';

// MQTT 3.1.1 §3.2.2.3 CONNACK return codes
const IDENTIFIER_REJECTED = 2;
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;

describe('device authentication at CONNECT', () => {
  let es: TestDevice;
  let ed: TestDevice;
  let disabled: TestDevice;
  let revoked: TestDevice;
  let stranger: TestDevice;
  let harness: Awaited<ReturnType<typeof startTestBridge>>;

  beforeAll(async () => {
    [es, ed, disabled, revoked, stranger] = await Promise.all([
      createDevice('hu-es'),
      createDevice('hu-ed', 'Ed25519'),
      createDevice('hu-disabled'),
      createDevice('hu-revoked'),
      createDevice('hu-unknown'),
    ]);
    harness = await startTestBridge(
      [
        { device: es },
        { device: ed },
        { device: disabled, status: 'disabled' },
        { device: revoked, status: 'revoked' },
      ],
      { connectBurstPerClientId: 1000, connectBurstPerIp: 1000 },
    );
  });
  afterAll(() => harness.bridge.close());

  const attempt = async (device: TestDevice, password: string | Promise<string>, clientId = device.deviceId) =>
    connectOutcome(harness.url, { clientId, username: clientId, password: await password });

  it('accepts a device whose credential is signed with its registered ES256 key', async () => {
    const client = await connectDevice(harness.url, es);
    expect(client.connected).toBe(true);
    await client.endAsync();
  });

  it('accepts a device that signs with Ed25519', async () => {
    expect(await attempt(ed, credentialFor(ed))).toBe('connected');
  });

  it('refuses an unknown device with "bad user name or password" and logs the reason without the credential', async () => {
    const password = await credentialFor(stranger);
    expect(await attempt(stranger, password)).toBe(BAD_USERNAME_OR_PASSWORD);
    const line = harness.logger.lines.find(
      (l) => l.msg === 'mqtt connect refused' && l.fields?.deviceId === 'hu-unknown',
    );
    expect(line?.fields).toMatchObject({ reason: 'unknown_device', returnCode: 4 });
    expect(JSON.stringify(harness.logger.lines)).not.toContain(password);
  });

  it('refuses disabled and revoked devices with "not authorized"', async () => {
    expect(await attempt(disabled, credentialFor(disabled))).toBe(NOT_AUTHORIZED);
    expect(await attempt(revoked, credentialFor(revoked))).toBe(NOT_AUTHORIZED);
  });

  it('refuses an expired credential', async () => {
    expect(await attempt(es, credentialFor(es, { now: Date.now() - 10 * 60_000 }))).toBe(BAD_USERNAME_OR_PASSWORD);
  });

  it('refuses a credential signed by another key', async () => {
    expect(await attempt(es, credentialFor(es, { privateKey: stranger.privateKey }))).toBe(BAD_USERNAME_OR_PASSWORD);
  });

  it('refuses a credential made for another broker', async () => {
    expect(await attempt(es, credentialFor(es, { audience: 'urn:other-broker' }))).toBe(BAD_USERNAME_OR_PASSWORD);
  });

  it('refuses a credential issued by one device and presented under another client id', async () => {
    expect(await attempt(ed, credentialFor(es), 'hu-ed')).toBe(BAD_USERNAME_OR_PASSWORD);
  });

  it('refuses a captured credential replayed for a second connection', async () => {
    const password = await credentialFor(es);
    expect(await attempt(es, password)).toBe('connected');
    expect(await attempt(es, password)).toBe(BAD_USERNAME_OR_PASSWORD);
  });

  it('refuses a JWT that is not a connect credential even when signed by the device', async () => {
    const assertion = await new SignJWT({ jti: 'x' })
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer('hu-es')
      .setSubject('hu-es')
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('1m')
      .sign(es.privateKey);
    expect(await attempt(es, assertion)).toBe(BAD_USERNAME_OR_PASSWORD);
  });

  it('refuses a missing password, a mismatched username and garbage', async () => {
    expect(await connectOutcome(harness.url, { clientId: 'hu-es' })).toBe(BAD_USERNAME_OR_PASSWORD);
    expect(await connectOutcome(harness.url, { clientId: 'hu-es', username: 'hu-es' })).toBe(BAD_USERNAME_OR_PASSWORD);
    expect(
      await connectOutcome(harness.url, { clientId: 'hu-es', username: 'hu-ed', password: await credentialFor(es) }),
    ).toBe(BAD_USERNAME_OR_PASSWORD);
    expect(await attempt(es, 'x'.repeat(10_000))).toBe(BAD_USERNAME_OR_PASSWORD);
  });

  it('rejects a client id that is not a device id', async () => {
    expect(await connectOutcome(harness.url, { clientId: 'a/b#', username: 'a/b#', password: 'x' })).toBe(
      IDENTIFIER_REJECTED,
    );
    expect(await connectOutcome(harness.url, { clientId: 'x'.repeat(65), username: 'x', password: 'x' })).toBe(
      IDENTIFIER_REJECTED,
    );
  });

  it('refuses a connection without keep-alive or with a keep-alive over the limit', async () => {
    for (const keepalive of [0, 1201]) {
      expect(
        await connectOutcome(harness.url, {
          clientId: 'hu-es',
          username: 'hu-es',
          password: await credentialFor(es),
          keepalive,
        }),
      ).not.toBe('connected');
    }
  });

  it('never leaves a session behind for a refused connection', async () => {
    await attempt(stranger, credentialFor(stranger));
    await attempt(revoked, credentialFor(revoked));
    expect(harness.bridge.broker.connectedClients).toBe(0);
    expect(harness.bridge.metrics.snapshot().connectRefusals).toMatchObject({
      unknown_device: expect.any(Number),
      device_revoked: expect.any(Number),
    });
  });

  it('closes the connection of a device that the operator disconnects', async () => {
    const client = await connectDevice(harness.url, es);
    const closedOnce = new Promise<void>((resolve) => client.once('close', () => resolve()));
    expect(harness.bridge.broker.disconnect('hu-es')).toBe(true);
    await closedOnce;
    expect(harness.bridge.broker.disconnect('hu-es')).toBe(false);
    await client.endAsync(true);
  });
});

describe('connection rate limits', () => {
  it('closes connections beyond the per-client-id burst without a CONNACK', async () => {
    const device = await createDevice('hu-rate');
    const harness = await startTestBridge([{ device }], {
      connectBurstPerClientId: 2,
      connectRatePerClientIdPerSecond: 0.001,
    });
    try {
      expect(
        await connectOutcome(harness.url, {
          clientId: 'hu-rate',
          username: 'hu-rate',
          password: await credentialFor(device),
        }),
      ).toBe('connected');
      expect(
        await connectOutcome(harness.url, {
          clientId: 'hu-rate',
          username: 'hu-rate',
          password: await credentialFor(device),
        }),
      ).toBe('connected');
      expect(
        await connectOutcome(harness.url, {
          clientId: 'hu-rate',
          username: 'hu-rate',
          password: await credentialFor(device),
        }),
      ).toBe('closed');
      expect(harness.bridge.metrics.snapshot().connectionRateLimited).toBe(1);
    } finally {
      await harness.bridge.close();
    }
  });

  it('closes connections beyond the per-address burst, whatever the client id', async () => {
    const device = await createDevice('hu-ip');
    const harness = await startTestBridge([{ device }], { connectBurstPerIp: 3, connectRatePerIpPerSecond: 0.001 });
    try {
      const outcomes = [];
      for (let i = 0; i < 5; i++)
        outcomes.push(
          await connectOutcome(harness.url, { clientId: `hu-ip-${i}`, username: `hu-ip-${i}`, password: 'x' }),
        );
      expect(outcomes).toEqual([
        BAD_USERNAME_OR_PASSWORD,
        BAD_USERNAME_OR_PASSWORD,
        BAD_USERNAME_OR_PASSWORD,
        'closed',
        'closed',
      ]);
    } finally {
      await harness.bridge.close();
    }
  });
});
