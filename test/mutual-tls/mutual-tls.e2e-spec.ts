import { execFileSync, spawnSync } from 'node:child_process';
import { createPublicKey, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import type { JWK } from 'jose';
import { MemoryDeviceRegistry } from '@onboard/bridge-core';
import { silentLogger } from '@onboard/platform';
import { loadBridgeConfig } from '@onboard/config';
import { startBridge, type RunningBridge } from '../../apps/mqtt-bridge/src/create-bridge';
import { makeTempDir, removeTempDir } from '../support/provider';

/**
 * Issue 3 §1, mutual TLS as the alternative to the connect credential: a device whose client
 * certificate carries its registered signing key, or has CN = its device id and is signed by the
 * configured device CA, connects without a password. Certificates come from openssl; without it the
 * test is skipped with a printed reason.
 */
const hasOpenssl = spawnSync('openssl', ['version']).error === undefined;
if (!hasOpenssl) process.stdout.write('skipped: mutual TLS test, no openssl binary on PATH\n');
const describeWithOpenssl = hasOpenssl ? describe : describe.skip;

describeWithOpenssl('mutual TLS device authentication', () => {
  const run = randomBytes(3).toString('hex');
  const caSigned = `hu-ca-${run}`;
  const keyMatched = `hu-key-${run}`;
  const disabled = `hu-off-${run}`;
  let dir: string;
  let bridge: RunningBridge;
  let url: string;

  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  const selfSigned = (name: string, cn: string) =>
    openssl('req', '-x509', ...ec, '-keyout', `${name}.key`, '-out', `${name}.pem`, '-subj', `/CN=${cn}`, '-days', '1');
  const signedByCa = (name: string, cn: string) => {
    openssl('req', '-new', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      '1',
    );
  };
  const sigJwkOf = (name: string): JWK => ({
    ...(createPublicKey(readFileSync(join(dir, `${name}.pem`))).export({ format: 'jwk' }) as JWK),
    use: 'sig',
  });

  beforeAll(async () => {
    dir = makeTempDir();
    selfSigned('ca', 'Fleet device CA');
    selfSigned('server', 'localhost');
    signedByCa('a', caSigned); // CN = device id, signed by the device CA
    selfSigned('b', 'any name'); // self-signed, its key registered for the device
    selfSigned('c', caSigned); // claims the CA-signed device's id, not signed by the CA
    selfSigned('d', 'any name');
    const registry = new MemoryDeviceRegistry();
    const unrelated = { kty: 'EC', crv: 'P-256', use: 'sig', x: sigJwkOf('server').x, y: sigJwkOf('server').y };
    await registry.save({ deviceId: caSigned, publicJwks: [unrelated], status: 'active', createdAt: 0, updatedAt: 0 });
    await registry.save({
      deviceId: keyMatched,
      publicJwks: [sigJwkOf('b')],
      status: 'active',
      createdAt: 0,
      updatedAt: 0,
    });
    await registry.save({
      deviceId: disabled,
      publicJwks: [sigJwkOf('d')],
      status: 'disabled',
      createdAt: 0,
      updatedAt: 0,
    });
    bridge = await startBridge(
      loadBridgeConfig({
        BRIDGE_HOST: '127.0.0.1',
        BRIDGE_MQTT_PORT: '0',
        BRIDGE_MQTTS_PORT: '0',
        BRIDGE_TLS_CERT_FILE: join(dir, 'server.pem'),
        BRIDGE_TLS_KEY_FILE: join(dir, 'server.key'),
        BRIDGE_TLS_CA_FILE: join(dir, 'ca.pem'),
      }),
      { directory: registry, logger: silentLogger },
    );
    url = `mqtts://127.0.0.1:${bridge.addresses.tls}`;
  });
  afterAll(async () => {
    await bridge?.close();
    removeTempDir(dir);
  });

  /** CONNACK return code (0 = accepted) of a TLS connection presenting certificate `name`. */
  async function connectWith(name: string | undefined, deviceId: string): Promise<number> {
    const client = mqtt.connect(url, {
      protocolVersion: 4,
      clientId: deviceId,
      reconnectPeriod: 0,
      connectTimeout: 3000,
      rejectUnauthorized: false, // the test server certificate is self-signed
      ...(name ? { key: readFileSync(join(dir, `${name}.key`)), cert: readFileSync(join(dir, `${name}.pem`)) } : {}),
    });
    const code = await new Promise<number>((resolve) => {
      client.once('connect', () => resolve(0));
      client.once('error', (err: Error & { code?: unknown }) => resolve(typeof err.code === 'number' ? err.code : -1));
    });
    await client.endAsync(true);
    return code;
  }

  it('accepts a certificate with CN = device id signed by the device CA, without a password', async () => {
    expect(await connectWith('a', caSigned)).toBe(0);
  });

  it('accepts a self-signed certificate whose key is the device’s registered signing key', async () => {
    expect(await connectWith('b', keyMatched)).toBe(0);
  });

  it('refuses a certificate of another device, a CN without the CA signature, and no certificate at all', async () => {
    expect(await connectWith('b', caSigned)).toBe(4);
    expect(await connectWith('c', caSigned)).toBe(4);
    expect(await connectWith('a', keyMatched)).toBe(4);
    expect(await connectWith(undefined, keyMatched)).toBe(4);
    expect(bridge.metrics.snapshot().connectRefusals).toMatchObject({ certificate_mismatch: 3, username_mismatch: 1 });
  });

  it('refuses a disabled device even with a matching certificate', async () => {
    expect(await connectWith('d', disabled)).toBe(5);
  });
});
