import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { createMemoryBridgeStore } from '@onboard/bridge-core';
import { silentLogger } from '@onboard/platform';
import { loadBridgeConfig } from '@onboard/config';
import { startBridge, type RunningBridge } from '../../apps/mqtt-bridge/src/create-bridge';
import { makeTempDir, removeTempDir } from '../support/provider';

/**
 * docs/external-broker.md, "Mosquitto": a Mosquitto started with the documented ACL (taken from the
 * document itself) and a password file keeps every device in its own subtree while the bridge, in
 * external-broker mode, serves them. Needs the `mosquitto` binary; skipped with a printed reason
 * without it, unless ONBOARD_REQUIRE_MOSQUITTO=1.
 */
const hasMosquitto = spawnSync('mosquitto', ['-h']).error === undefined;
if (!hasMosquitto) {
  if (process.env.ONBOARD_REQUIRE_MOSQUITTO === '1')
    throw new Error('ONBOARD_REQUIRE_MOSQUITTO=1 but no mosquitto binary');
  process.stdout.write('skipped: Mosquitto ACL test, no mosquitto binary on PATH\n');
}
const describeWithMosquitto = hasMosquitto ? describe : describe.skip;

/** The ```conf block of docs/external-broker.md that holds the ACL. */
function documentedAcl(): string {
  const doc = readFileSync(join(__dirname, '../../docs/external-broker.md'), 'utf8');
  const blocks = [...doc.matchAll(/```conf\n([\s\S]*?)```/g)].map((m) => m[1]);
  const acl = blocks.find((b) => b.includes('pattern write'));
  if (!acl) throw new Error('no ACL block in docs/external-broker.md');
  return acl;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describeWithMosquitto('Mosquitto with the documented ACL, bridge in external-broker mode', () => {
  const run = randomBytes(3).toString('hex');
  const [a, b] = [`hu-a-${run}`, `hu-b-${run}`];
  const passwords: Record<string, string> = {
    'onboard-bridge': randomBytes(12).toString('hex'),
    [a]: randomBytes(12).toString('hex'),
    [b]: randomBytes(12).toString('hex'),
  };
  let dir: string;
  let broker: ChildProcess;
  let url: string;
  let bridge: RunningBridge;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    dir = makeTempDir();
    const port = await freePort();
    url = `mqtt://127.0.0.1:${port}`;
    writeFileSync(join(dir, 'passwd'), '');
    for (const [user, password] of Object.entries(passwords)) {
      const made = spawnSync('mosquitto_passwd', ['-b', join(dir, 'passwd'), user, password]);
      if (made.status !== 0) throw new Error(`mosquitto_passwd failed: ${made.stderr}`);
    }
    writeFileSync(join(dir, 'onboard.acl'), documentedAcl());
    writeFileSync(
      join(dir, 'mosquitto.conf'),
      [
        'per_listener_settings false',
        'allow_anonymous false',
        `password_file ${join(dir, 'passwd')}`,
        `acl_file ${join(dir, 'onboard.acl')}`,
        `listener ${port} 127.0.0.1`,
        'persistence false',
        // started as root, Mosquitto would switch to its own user, which cannot read the temp dir
        `user ${userInfo().username}`,
        '',
      ].join('\n'),
    );
    broker = spawn('mosquitto', ['-c', join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
    await waitForPort(port);

    const store = createMemoryBridgeStore();
    for (const deviceId of [a, b])
      await store.devices.save({ deviceId, publicJwks: [], status: 'active', createdAt: 0, updatedAt: 0 });
    bridge = await startBridge(
      loadBridgeConfig({
        BRIDGE_BROKER_URL: url,
        BRIDGE_BROKER_USERNAME: 'onboard-bridge',
        BRIDGE_BROKER_PASSWORD: passwords['onboard-bridge'],
      }),
      { directory: store.devices, store, logger: silentLogger },
    );
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await bridge?.close();
    broker?.kill();
    removeTempDir(dir);
  });

  async function device(deviceId: string): Promise<{ client: MqttClient; received: string[] }> {
    const client = await mqtt.connectAsync(url, {
      protocolVersion: 4,
      clientId: deviceId,
      username: deviceId,
      password: passwords[deviceId],
      reconnectPeriod: 0,
    });
    clients.push(client);
    const received: string[] = [];
    client.on('message', (topic) => received.push(topic));
    return { client, received };
  }

  it('refuses a device with a wrong password', async () => {
    const outcome = await mqtt
      .connectAsync(url, { protocolVersion: 4, clientId: a, username: a, password: 'wrong', reconnectPeriod: 0 })
      .then(
        (c) => c.endAsync().then(() => 'connected'),
        (err: Error & { code?: number }) => err.code,
      );
    expect(outcome).toBe(5);
  });

  it('relays a device’s own request and answers on its own replies', async () => {
    const { client, received } = await device(a);
    await client.subscribeAsync(`onboard/v1/devices/${a}/replies/+`, { qos: 1 });
    await client.publishAsync(`onboard/v1/devices/${a}/requests/cancel`, '{"request_id":"r1"}', { qos: 1 });
    await waitFor(() => received.includes(`onboard/v1/devices/${a}/replies/error`));
    expect(bridge.metrics.snapshot().handled['cancel:error:unknown_request']).toBe(1);
  });

  it('never lets a device publish into or read from another device’s subtree', async () => {
    const { client: intruder, received: seenByIntruder } = await device(a);
    const { client: victim, received: seenByVictim } = await device(b);
    await victim.subscribeAsync(`onboard/v1/devices/${b}/replies/+`, { qos: 1 });
    // Mosquitto grants the SUBACK but delivers nothing the ACL forbids
    await intruder.subscribeAsync([`onboard/v1/devices/${b}/replies/+`, 'onboard/v1/devices/+/requests/#'], { qos: 1 });
    const handledBefore = JSON.stringify(bridge.metrics.snapshot().handled);
    await intruder.publishAsync(`onboard/v1/devices/${b}/requests/cancel`, '{"request_id":"forged"}', { qos: 1 });
    await intruder.publishAsync(`onboard/v1/devices/${b}/replies/result`, '{"request_id":"forged"}', { qos: 1 });
    // b's own request proves the pipeline works while a's attempts go nowhere
    await victim.publishAsync(`onboard/v1/devices/${b}/requests/cancel`, '{"request_id":"own"}', { qos: 1 });
    await waitFor(() => seenByVictim.length >= 1);
    await new Promise((r) => setTimeout(r, 200));
    expect(seenByVictim).toEqual([`onboard/v1/devices/${b}/replies/error`]);
    expect(seenByIntruder).toEqual([]);
    expect(JSON.parse(JSON.stringify(bridge.metrics.snapshot().handled))['cancel:error:unknown_request']).toBe(
      JSON.parse(handledBefore)['cancel:error:unknown_request'] + 1,
    );
  });
});

async function waitForPort(port: number, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > until) throw new Error(`mosquitto did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function waitFor(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
