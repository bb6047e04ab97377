import { createHash, randomBytes, randomUUID } from 'node:crypto';
import {
  CompactEncrypt,
  SignJWT,
  calculateJwkThumbprint,
  importJWK,
  compactDecrypt,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  type CryptoKey,
  type JWK,
} from 'jose';
import mqtt, { type MqttClient } from 'mqtt';
import { createOwner, type TestOwner } from '../support/fixtures';
import { makeTempDir, removeTempDir, startProvider, type TestProvider } from '../support/provider';
import {
  BRIDGE_AUDIENCE,
  registerHeadUnit,
  startRelayBridge,
  type TestBridge,
  type TestHeadUnit,
} from '../support/bridge';

/**
 * Interoperability: a head-unit written from docs/protocol.md alone, the way a device maker would
 * write it in C — plain mqtt.js for MQTT 3.1.1 and jose for JWS/JWE, no Onboard library. test/support
 * only boots the provider and the bridge, registers the device and plays the owner's phone.
 * Section numbers refer to docs/protocol.md.
 */

/** The device's own code, independent of Onboard's sources. */
class PlainHeadUnit {
  client: MqttClient | undefined;
  readonly inbox: Array<{ type: string; body: Record<string, any> }> = [];
  private wake: Array<() => void> = [];
  readonly jtis: string[] = [];
  /** §5a: the bridge's public encryption key, from provisioning. */
  bridgeKey: JWK | undefined;

  constructor(
    readonly deviceId: string,
    private readonly sigKey: CryptoKey,
    readonly sigJwk: JWK,
    private readonly encKey: CryptoKey,
  ) {}

  static async create(): Promise<{ unit: PlainHeadUnit; publicJwks: { keys: JWK[] } }> {
    const deviceId = `hu-${randomBytes(5).toString('hex')}`;
    const sig = await generateKeyPair('ES256');
    const enc = await generateKeyPair('ECDH-ES+A256KW', { crv: 'X25519' });
    const sigJwk = { ...(await exportJWK(sig.publicKey)), kid: `${deviceId}-sig`, use: 'sig', alg: 'ES256' };
    const encJwk = {
      ...(await exportJWK(enc.publicKey)),
      kid: `${deviceId}-enc`,
      use: 'enc',
      alg: 'ECDH-ES+A256KW',
    };
    return {
      unit: new PlainHeadUnit(deviceId, sig.privateKey, sigJwk, enc.privateKey),
      publicJwks: { keys: [sigJwk, encJwk] },
    };
  }

  topic(group: 'requests' | 'replies', level: string): string {
    return `onboard/v1/devices/${this.deviceId}/${group}/${level}`; // §3
  }

  /** §2.2 and §2.3: client id = user name = device id, a fresh connect credential, Clean Session 0. */
  async connect(url: string): Promise<void> {
    const now = Math.floor(Date.now() / 1000);
    const jti = randomBytes(16).toString('base64url');
    this.jtis.push(jti);
    const password = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', typ: 'onboard-connect+jwt', kid: this.sigJwk.kid })
      .setIssuer(this.deviceId)
      .setSubject(this.deviceId)
      .setAudience(BRIDGE_AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(now + 120)
      .setJti(jti)
      .sign(this.sigKey);
    this.client = await mqtt.connectAsync(url, {
      protocolVersion: 4,
      clientId: this.deviceId,
      username: this.deviceId,
      password,
      clean: false,
      keepalive: 60,
      reconnectPeriod: 0,
    });
    this.client.on('message', (topic, payload) => {
      this.inbox.push({ type: topic.split('/').pop() as string, body: JSON.parse(payload.toString('utf8')) });
      for (const wake of this.wake.splice(0)) wake();
    });
    // §3: one subscription, QoS 1
    const granted = await this.client.subscribeAsync(this.topic('replies', '+'), { qos: 1 });
    expect(granted[0].qos).toBe(1);
  }

  async disconnect(): Promise<void> {
    await this.client?.endAsync();
    this.client = undefined;
  }

  /** §1: JSON, QoS 1, retain off; §5a: verification and refresh sealed to the bridge's key. */
  async publish(level: string, body: Record<string, unknown>): Promise<void> {
    let payload = JSON.stringify(body);
    if (level === 'verification' || level === 'refresh') {
      const key = await importJWK(this.bridgeKey!, 'ECDH-ES+A256KW');
      payload = await new CompactEncrypt(new TextEncoder().encode(payload))
        .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: this.bridgeKey!.kid })
        .encrypt(key);
    }
    await this.client!.publishAsync(this.topic('requests', level), payload, { qos: 1, retain: false });
  }

  async next(type: string, requestId: string, timeoutMs = 5000): Promise<Record<string, any>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.inbox.find((m) => m.type === type && m.body.request_id === requestId);
      if (found) return found.body;
      if (Date.now() > deadline) throw new Error(`no ${type} for ${requestId}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.wake.push(() => (clearTimeout(timer), resolve()));
      });
    }
  }

  count(type: string, requestId: string): number {
    return this.inbox.filter((m) => m.type === type && m.body.request_id === requestId).length;
  }

  /** A compact JWS signed with the device key. */
  sign(header: Record<string, unknown>, claims: Record<string, unknown>): Promise<string> {
    return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', ...header }).sign(this.sigKey);
  }

  /** RFC 7523 §3 client assertion; `aud` = the provider's issuer. */
  clientAssertion(issuer: string): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return this.sign(
      { kid: this.sigJwk.kid },
      { iss: this.deviceId, sub: this.deviceId, aud: issuer, iat: now, exp: now + 60, jti: randomUUID() },
    );
  }

  /** RFC 9449 §4.2 DPoP proof. */
  async dpop(htm: string, htu: string, accessToken?: string): Promise<string> {
    const { kid: _kid, use: _use, alg: _alg, ...jwk } = this.sigJwk;
    return this.sign(
      { typ: 'dpop+jwt', jwk },
      {
        jti: randomUUID(),
        htm,
        htu,
        iat: Math.floor(Date.now() / 1000),
        ...(accessToken ? { ath: createHash('sha256').update(accessToken).digest('base64url') } : {}),
      },
    );
  }

  /** §6.6: the token response is a JWE to the device's encryption key. */
  async decrypt(jwe: string): Promise<Record<string, any>> {
    const { plaintext } = await compactDecrypt(jwe, this.encKey, {
      keyManagementAlgorithms: ['ECDH-ES+A256KW'],
      contentEncryptionAlgorithms: ['A256GCM'],
    });
    return JSON.parse(new TextDecoder().decode(plaintext));
  }
}

/** OIDC Core §3.3.2.11: left half of SHA-256 of the ASCII token, base64url (ES256 ID tokens). */
const halfHash = (token: string) =>
  createHash('sha256').update(token, 'ascii').digest().subarray(0, 16).toString('base64url');

describe('interoperability: a head-unit built from docs/protocol.md with plain mqtt.js', () => {
  let provider: TestProvider;
  let bridge: TestBridge;
  let owner: TestOwner;
  let dir: string;
  let unit: PlainHeadUnit;

  beforeAll(async () => {
    dir = makeTempDir();
    provider = await startProvider();
    bridge = await startRelayBridge(provider, { dir });
    owner = await createOwner(provider);
    const created = await PlainHeadUnit.create();
    unit = created.unit;
    // §5a: provisioning reads the bridge's encryption key from its JWK set (over HTTPS in production)
    const jwks = (await (await fetch(`http://127.0.0.1:${bridge.httpPort}/.well-known/jwks.json`)).json()) as {
      keys: JWK[];
    };
    unit.bridgeKey = jwks.keys.find((k) => k.use === 'enc');
    const [sig, enc] = created.publicJwks.keys;
    await registerHeadUnit(provider, bridge, {
      deviceId: unit.deviceId,
      sig: { publicJwk: sig },
      enc: { publicJwk: enc },
    } as unknown as TestHeadUnit);
  });
  afterAll(async () => {
    await unit?.disconnect();
    await bridge.close();
    await provider.close();
    removeTempDir(dir);
  });

  it('pairs, verifies the ID token, confirms the result, refreshes, and sees no redelivery after reconnecting', async () => {
    const issuer = provider.issuer;
    const discovery = provider.discovery as { jwks_uri: string; token_endpoint: string; userinfo_endpoint: string };
    const providerJwks = createLocalJWKSet((await (await fetch(discovery.jwks_uri)).json()) as { keys: JWK[] });

    // §10 step 1–2
    await unit.connect(bridge.mqttUrl);

    // §6.1: the verification request, a signed CIBA request object and a client assertion
    const requestId = randomUUID();
    const bindingMessage = `PAIR-${randomBytes(3).toString('hex').toUpperCase()}`;
    const now = Math.floor(Date.now() / 1000);
    const request = await unit.sign(
      { kid: unit.sigJwk.kid },
      {
        iss: unit.deviceId,
        aud: issuer,
        iat: now,
        nbf: now,
        exp: now + 300,
        jti: randomUUID(),
        scope: 'openid',
        login_hint: owner.email,
        binding_message: bindingMessage,
        client_notification_token: randomBytes(32).toString('base64url'),
        dpop_jkt: await calculateJwkThumbprint(unit.sigJwk, 'sha256'),
      },
    );
    await unit.publish('verification', {
      request_id: requestId,
      request,
      client_assertion: await unit.clientAssertion(issuer),
    });

    // §6.4: the acknowledgement
    const ack = await unit.next('ack', requestId);
    expect(ack).toEqual({ request_id: requestId, auth_req_id: expect.any(String), expires_in: expect.any(Number) });

    // the owner approves on their phone
    await owner.device.approve(bindingMessage);

    // §6.6: the result, decrypted and verified before it counts as success
    const result = await unit.next('result', requestId);
    expect(result.status).toBe('approved');
    const tokens = await unit.decrypt(result.encrypted_token_response);
    expect(tokens).toMatchObject({ token_type: 'DPoP', expires_in: expect.any(Number) });
    const { payload: claims } = await jwtVerify(tokens.id_token, providerJwks, {
      issuer,
      audience: unit.deviceId,
      requiredClaims: ['exp', 'iat', 'sub'],
    });
    expect(claims['urn:openid:params:jwt:claim:auth_req_id']).toBe(ack.auth_req_id);
    expect(claims.at_hash).toBe(halfHash(tokens.access_token));
    expect(claims['urn:openid:params:jwt:claim:rt_hash']).toBe(halfHash(tokens.refresh_token));
    expect(claims.sub).toBe(owner.sub);

    // the access token is DPoP-bound to the device key: usable with a proof
    const userinfo = await fetch(discovery.userinfo_endpoint, {
      headers: {
        authorization: `DPoP ${tokens.access_token}`,
        dpop: await unit.dpop('GET', discovery.userinfo_endpoint, tokens.access_token),
      },
    });
    expect(userinfo.status).toBe(200);

    // the device confirms the result (requests/result-ack)
    await unit.publish('result-ack', { request_id: requestId });

    // §6.3: refresh over MQTT with a client assertion and a DPoP proof for the token endpoint
    const refreshId = randomUUID();
    await unit.publish('refresh', {
      request_id: refreshId,
      refresh_token: tokens.refresh_token,
      client_assertion: await unit.clientAssertion(issuer),
      dpop: await unit.dpop('POST', discovery.token_endpoint),
    });
    const refreshed = await unit.next('result', refreshId);
    expect(refreshed.status).toBe('refreshed');
    const newTokens = await unit.decrypt(refreshed.encrypted_token_response);
    expect(newTokens.access_token).not.toBe(tokens.access_token);
    await unit.publish('result-ack', { request_id: refreshId });

    // §10 step 5: reconnect with a new credential; confirmed results are not delivered again
    await new Promise((resolve) => setTimeout(resolve, 200));
    const seen = unit.count('result', requestId);
    await unit.disconnect();
    await unit.connect(bridge.mqttUrl);
    expect(new Set(unit.jtis).size).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(unit.count('result', requestId)).toBe(seen);
    expect(unit.count('result', refreshId)).toBe(1);
  });

  it('gets the first answer again for a repeated request_id, and request_id_reused for another request object', async () => {
    await unit.disconnect();
    await unit.connect(bridge.mqttUrl);
    const requestId = randomUUID();
    const now = Math.floor(Date.now() / 1000);
    const body = {
      request_id: requestId,
      request: await unit.sign(
        { kid: unit.sigJwk.kid },
        {
          iss: unit.deviceId,
          aud: provider.issuer,
          iat: now,
          nbf: now,
          exp: now + 300,
          jti: randomUUID(),
          scope: 'openid',
          login_hint: owner.email,
          binding_message: 'REPEAT',
          client_notification_token: randomBytes(32).toString('base64url'),
          dpop_jkt: await calculateJwkThumbprint(unit.sigJwk, 'sha256'),
        },
      ),
      client_assertion: await unit.clientAssertion(provider.issuer),
    };
    await unit.publish('verification', body);
    const first = await unit.next('ack', requestId);
    await unit.publish('verification', body); // §5: a QoS 1 redelivery or a retry
    await new Promise((resolve) => setTimeout(resolve, 300));
    const acks = unit.inbox.filter((m) => m.type === 'ack' && m.body.request_id === requestId);
    expect(acks.length).toBeGreaterThanOrEqual(1);
    expect(acks.every((a) => a.body.auth_req_id === first.auth_req_id)).toBe(true);
    // a fresh client assertion on a retry is the same request; another request object is not
    await unit.publish('verification', { ...body, client_assertion: await unit.clientAssertion(provider.issuer) });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(unit.count('error', requestId)).toBe(0);
    const other = await unit.sign(
      { kid: unit.sigJwk.kid },
      { ...JSON.parse(Buffer.from(body.request.split('.')[1], 'base64url').toString()), jti: randomUUID() },
    );
    await unit.publish('verification', { ...body, request: other });
    const error = await unit.next('error', requestId);
    expect(error.error).toBe('request_id_reused');
    // §6.2: cancel it, so the owner's pending approval is not delivered
    await unit.publish('cancel', { request_id: requestId });
    expect((await unit.next('status', requestId)).status).toBe('cancelled');
  });
});
