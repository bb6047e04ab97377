import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replySubscription, requestTopic } from '@onboard/mqtt-contract';
import { connectDevice, createDevice, nextMessage, startTestBridge, type TestDevice } from './support/bridge-harness';

function selfSignedCertificate(dir: string): { certFile: string; keyFile: string } | undefined {
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ],
      { stdio: 'ignore' },
    );
    return { certFile, keyFile };
  } catch {
    return undefined;
  }
}

describe('TLS and WebSocket listeners', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bridge-tls-'));
  const cert = selfSignedCertificate(dir);
  let device: TestDevice;
  let harness: Awaited<ReturnType<typeof startTestBridge>>;

  beforeAll(async () => {
    device = await createDevice('hu-listen');
    const tlsEnv: Record<string, string> = cert
      ? { BRIDGE_MQTTS_PORT: '0', BRIDGE_TLS_CERT_FILE: cert.certFile, BRIDGE_TLS_KEY_FILE: cert.keyFile }
      : {};
    harness = await startTestBridge([{ device }], { connectBurstPerClientId: 100 }, { BRIDGE_WS_PORT: '0', ...tlsEnv });
  });
  afterAll(async () => {
    await harness.bridge.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function roundTrip(url: string, options = {}) {
    const client = await connectDevice(url, device, options);
    await client.subscribeAsync(replySubscription('hu-listen'), { qos: 1 });
    const reply = nextMessage(client, '/replies/error');
    await client.publishAsync(requestTopic('hu-listen', 'cancel'), JSON.stringify({ request_id: 'over-listener' }), {
      qos: 1,
    });
    const { json } = await reply;
    await client.endAsync();
    return json;
  }

  it('serves the device protocol over WebSocket', async () => {
    const url = `ws://127.0.0.1:${harness.bridge.addresses.webSocket}/mqtt`;
    expect(await roundTrip(url)).toMatchObject({ request_id: 'over-listener', error: 'unknown_request' });
  });

  it('serves the device protocol over TLS', async () => {
    if (!cert) {
      process.stdout.write('TLS listener test skipped: openssl is not available to make a test certificate\n');
      return;
    }
    const url = `mqtts://127.0.0.1:${harness.bridge.addresses.tls}`;
    expect(await roundTrip(url, { ca: readFileSync(cert.certFile), servername: 'localhost' })).toMatchObject({
      error: 'unknown_request',
    });
  });
});
