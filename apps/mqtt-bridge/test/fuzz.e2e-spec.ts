import { connect as connectTcp } from 'node:net';
import {
  MAX_PAYLOAD_BYTES,
  PROTOCOL_ERROR_CODES,
  RESULT_ERROR_CODES,
  replySubscription,
  requestTopic,
} from '@onboard/mqtt-contract';
import { closed, connectDevice, SAMPLE_JWS, type TestDevice } from './support/bridge-harness';
import {
  MqttHeadUnit,
  createHeadUnit,
  registerHeadUnit,
  startRelayBridge,
  type TestBridge,
} from '../../../test/support/bridge';
import { createOwner, type TestOwner } from '../../../test/support/fixtures';
import { makeTempDir, removeTempDir, startProvider, type TestProvider } from '../../../test/support/provider';

/** Small deterministic PRNG (mulberry32) so a failing run can be replayed from its seed. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)],
  };
}

const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
const rnd = prng(SEED);

const VALID = { request_id: 'ok-1', request: SAMPLE_JWS, client_assertion: SAMPLE_JWS, refresh_token: 'rt' };
const ODD_VALUES: unknown[] = [
  null,
  true,
  0,
  -1,
  1e308,
  '',
  'x'.repeat(5000),
  [],
  {},
  [1, [2]],
  { a: { b: {} } },
  '../../',
  '\u0000',
  '😀'.repeat(100),
];

/** One malformed, mistyped, oversized or odd payload. */
function badPayload(): Buffer {
  switch (rnd.int(7)) {
    case 0: // random bytes
      return Buffer.from(Array.from({ length: rnd.int(600) }, () => rnd.int(256)));
    case 1: {
      // a valid message with one member replaced by an odd value
      const m: Record<string, unknown> = { ...VALID };
      m[rnd.pick(Object.keys(VALID))] = rnd.pick(ODD_VALUES);
      return Buffer.from(JSON.stringify(m));
    }
    case 2: {
      // a valid message with members dropped
      const m: Record<string, unknown> = { ...VALID };
      for (const k of Object.keys(m)) if (rnd.next() < 0.5) delete m[k];
      return Buffer.from(JSON.stringify(m));
    }
    case 3: // truncated JSON
      return Buffer.from(JSON.stringify(VALID).slice(0, rnd.int(60)));
    case 4: // JSON that is not an object, or deeply nested
      return Buffer.from(rnd.pick(['[]', '"s"', '1', 'null', '['.repeat(3000), '{"a":'.repeat(1000)]));
    case 5: // over the protocol payload limit but under the packet limit
      return Buffer.alloc(MAX_PAYLOAD_BYTES + 1 + rnd.int(1000), 0x7b);
    default: // prototype tricks
      return Buffer.from(
        rnd.pick([
          '{"__proto__":{"request_id":"p"}}',
          '{"constructor":{"prototype":{}}}',
          '{"request_id":{"toString":1}}',
        ]),
      );
  }
}

describe('fuzzing the bridge with bad messages', () => {
  let attacker: TestDevice;
  let victim: MqttHeadUnit;
  let provider: TestProvider;
  let bridge: TestBridge;
  let owner: TestOwner;
  let dir: string;
  const harness = { url: '', bridge: undefined as unknown as TestBridge['bridge'] };

  beforeAll(async () => {
    process.stdout.write(`fuzz seed ${SEED} (replay with FUZZ_SEED=${SEED})\n`);
    dir = makeTempDir();
    provider = await startProvider();
    bridge = await startRelayBridge(provider, {
      dir,
      limits: { connectBurstPerClientId: 10_000, connectBurstPerIp: 10_000, messageBurstPerDevice: 10_000 },
    });
    harness.url = bridge.mqttUrl;
    harness.bridge = bridge.bridge;
    owner = await createOwner(provider);
    const [attackerUnit, victimUnit] = await Promise.all([createHeadUnit('attacker'), createHeadUnit('victim')]);
    await registerHeadUnit(provider, bridge, attackerUnit);
    await registerHeadUnit(provider, bridge, victimUnit);
    attacker = new MqttHeadUnit(attackerUnit, provider).harnessDevice;
    victim = new MqttHeadUnit(victimUnit, provider, bridge.encryptionKey);
    await victim.connect(bridge.mqttUrl);
  });
  afterAll(async () => {
    await victim.disconnect();
    await bridge.close();
    await provider.close();
    removeTempDir(dir);
  });

  it('survives 2,000+ malformed, oversized and wrong-topic messages, then completes a normal pairing flow', async () => {
    let sent = 0;

    // 1. In the attacker's own subtree: every bad payload gets exactly one documented answer.
    const client = await connectDevice(harness.url, attacker);
    await client.subscribeAsync(replySubscription('attacker'), { qos: 1 });
    const answers: Array<Record<string, unknown>> = [];
    client.on('message', (_topic, payload) => answers.push(JSON.parse(payload.toString()) as Record<string, unknown>));
    const levels = ['verification', 'cancel', 'refresh', 'unknown', 'Verification', 'x'.repeat(40)];
    const inSubtree = 1800;
    await Promise.all(
      Array.from({ length: inSubtree }, () => {
        sent++;
        return client.publishAsync(`onboard/v1/devices/attacker/requests/${rnd.pick(levels)}`, badPayload(), {
          qos: 1,
        });
      }),
    );
    await waitFor(() => answers.length >= inSubtree, 10_000);
    expect(answers).toHaveLength(inSubtree);
    const codes = new Set(answers.map((a) => a.error ?? a.status));
    const documented: unknown[] = [...PROTOCOL_ERROR_CODES, ...RESULT_ERROR_CODES, 'cancelled'];
    for (const code of codes) expect(documented).toContain(code);
    await client.endAsync();

    // 2. Cross-device, outside the scheme and wrong-direction publications: each closes the connection.
    const badTopics = [
      requestTopic('victim', 'verification'),
      'onboard/v1/devices/victim/replies/result',
      'onboard/v1/devices/attacker/replies/ack',
      '$SYS/broker/fake',
      'onboard/v1/devices',
      'a/b/c/d/e/f/g/h/i/j/k/l',
    ];
    for (let i = 0; i < 150; i++) {
      const c = await connectDevice(harness.url, attacker);
      c.publish(rnd.pick(badTopics), badPayload(), { qos: rnd.pick([0, 1] as const) });
      sent++;
      await closed(c);
      await c.endAsync(true);
    }

    // 3. Packets over the broker's packet limit.
    for (let i = 0; i < 30; i++) {
      const c = await connectDevice(harness.url, attacker);
      c.publish(requestTopic('attacker', 'verification'), Buffer.alloc(40 * 1024 + rnd.int(100_000)), { qos: 1 });
      sent++;
      await closed(c);
      await c.endAsync(true);
    }

    // 4. Raw bytes that are not MQTT at all, before and instead of CONNECT.
    for (let i = 0; i < 40; i++) {
      await rawGarbage(
        harness.bridge.addresses.tcp,
        Buffer.from(Array.from({ length: 1 + rnd.int(300) }, () => rnd.int(256))),
      );
      sent++;
    }

    expect(sent).toBeGreaterThanOrEqual(2000);
    expect(harness.bridge.metrics.crossDeviceAttempts).toBeGreaterThan(0);
    // random raw bytes may announce huge packets too
    expect(harness.bridge.metrics.snapshot().oversizedPackets).toBeGreaterThanOrEqual(30);

    // The bridge is alive: a full normal flow completes, and nothing the attacker sent reached the victim.
    const { requestId, bindingMessage } = await victim.requestVerification(owner.email);
    const ack = await victim.waitFor('ack', requestId);
    await owner.device.approve(bindingMessage);
    const result = await victim.waitFor('result', requestId);
    const tokens = await victim.decrypt(result.json.encrypted_token_response);
    await victim.verifyIdToken(tokens.id_token, ack.json.auth_req_id);
    expect(victim.received.map((m) => m.topic)).toEqual([
      'onboard/v1/devices/victim/replies/ack',
      'onboard/v1/devices/victim/replies/result',
    ]);
  });
});

function rawGarbage(port: number, bytes: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const socket = connectTcp(port, '127.0.0.1', () => socket.end(bytes));
    socket.on('error', () => resolve());
    socket.on('close', () => resolve());
    socket.resume();
  });
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
