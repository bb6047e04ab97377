import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { type DeviceClient } from '@onboard/device-client';
import { openSealedPayload } from '@onboard/mqtt-contract';
import { silentLogger } from '@onboard/platform';
import { loadPayloadKeyFile } from '../../apps/mqtt-bridge/src/keys/payload-key-file';
import { createOwner, type TestOwner } from '../support/fixtures';
import { makeTempDir, removeTempDir, startProvider, type TestProvider } from '../support/provider';
import { connectHeadUnit, connectDeviceClient, startRelayBridge, type TestBridge } from '../support/bridge';
import { channelChecks, parseAsyncApi, problems, type ChannelCheck } from './asyncapi';

interface Captured {
  topic: string;
  payload: Buffer;
}

/**
 * Real messages against docs/asyncapi.yaml: a pairing, a refresh, a cancellation, a refused owner
 * and two protocol errors run through the in-process bridge over TCP, with the device client (and
 * plain mqtt.js for the errors). Everything a subscriber to `#` sees on the broker, device to bridge
 * and bridge to device, must belong to a channel of the document and pass its message's schema
 * (for sealed payloads, the JWE and, opened with the bridge's key, the JSON inside).
 */
describe('real device protocol messages against the AsyncAPI document', () => {
  let provider: TestProvider;
  let bridge: TestBridge;
  let owner: TestOwner;
  let dir: string;
  let checks: ChannelCheck[];
  let client: DeviceClient | undefined;

  beforeAll(async () => {
    checks = channelChecks((await parseAsyncApi()).document);
    dir = makeTempDir();
    provider = await startProvider();
    bridge = await startRelayBridge(provider, { dir });
    owner = await createOwner(provider);
  });
  afterAll(async () => {
    await client?.close();
    await bridge.close();
    await provider.close();
    removeTempDir(dir);
  });

  it('every message of a pairing, a refresh, a cancellation and the error cases matches its channel', async () => {
    const captured: Captured[] = [];
    const stop = await bridge.bridge.broker.observe('#', (topic, payload) => captured.push({ topic, payload }));

    const connected = await connectDeviceClient(provider, bridge);
    client = connected.client;

    // a pairing approved by the owner, then a refresh: verification, ack, result, result-ack, refresh
    const pairing = client.requestOwnerVerification({
      loginHint: owner.email,
      bindingMessage: 'PAIR-1',
      scope: 'openid',
    });
    await new Promise((resolve) => pairing.on('ack', resolve));
    await owner.device.approve('PAIR-1');
    const tokens = await pairing.result;
    await client.refresh(tokens);

    // a cancellation: cancel, status cancelled
    const cancelled = client.requestOwnerVerification({
      loginHint: owner.email,
      bindingMessage: 'PAIR-2',
      scope: 'openid',
    });
    await new Promise((resolve) => cancelled.on('ack', resolve));
    cancelled.cancel();
    await cancelled.result.catch(() => undefined);

    // a refused request: a result with an error
    const unknown = client.requestOwnerVerification({
      loginHint: `nobody-${randomBytes(4).toString('hex')}@example.test`,
      bindingMessage: 'PAIR-3',
      scope: 'openid',
    });
    await expect(unknown.result).rejects.toMatchObject({ code: 'unknown_user' });

    // protocol errors, from a head-unit written with plain mqtt.js: an unknown request, a malformed payload
    const plain = await connectHeadUnit(provider, bridge);
    await plain.publish('cancel', JSON.stringify({ request_id: 'never-made' }));
    await plain.waitFor('error', 'never-made');
    const malformed = JSON.stringify({ request_id: 7 });
    await plain.publish('cancel', malformed, { clear: true });
    await waitUntil(() =>
      captured.some((m) => m.topic.endsWith('/replies/error') && m.payload.includes('"request_id":null')),
    );
    await plain.disconnect();
    await client.close();
    client = undefined;
    await new Promise((resolve) => setTimeout(resolve, 200)); // the last result-ack
    await stop();

    const bridgeKeys = await loadPayloadKeyFile(join(dir, 'bridge.sqlite.encryption-keys.json'), silentLogger);
    const seen = new Map<string, number>();
    const failures: string[] = [];
    for (const { topic, payload } of captured.filter((m) => !m.topic.startsWith('$'))) {
      const matching = checks.filter((c) => c.topic.test(topic));
      if (matching.length !== 1) {
        failures.push(`${topic} belongs to ${matching.length} channels`);
        continue;
      }
      const [check] = matching;
      const text = payload.toString('utf8');
      const isMalformed = text === malformed;
      const value: unknown = check.plaintext ? text : JSON.parse(text);
      const valid = check.payload(value);
      if (isMalformed) {
        // the document refuses what the bridge refused
        if (valid) failures.push(`the malformed payload ${text} passes the ${check.id} schema`);
        continue;
      }
      seen.set(check.id, (seen.get(check.id) ?? 0) + 1);
      if (!valid) failures.push(`${topic}: ${problems(check.payload)} in ${text}`);
      if (check.plaintext) {
        const opened = await openSealedPayload(payload, bridgeKeys.forKid);
        if (!opened.ok) failures.push(`${topic}: the sealed payload does not open: ${opened.description}`);
        else if (!check.plaintext(JSON.parse(opened.plaintext.toString('utf8')))) {
          failures.push(`${topic}: the plaintext fails its schema: ${problems(check.plaintext)}`);
        }
      }
    }
    expect(failures).toEqual([]);
    // every channel of the document carried at least one real message
    expect([...seen.keys()].sort()).toEqual(checks.map((c) => c.id).sort());
  }, 60_000);
});

async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
