import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import {
  CompactEncrypt,
  SignJWT,
  decodeJwt,
  exportJWK,
  generateKeyPair,
  importJWK,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import {
  isSealedPayload,
  openSealedPayload,
  parseTopic,
  replyTopic,
  verifyConnectCredential,
  type BridgeMessageType,
  type DeviceMessageType,
} from '@onboard/mqtt-contract';
import type { DevicePublicJwks } from './keys/device-key-store';
import { AUTH_REQ_ID_CLAIM, RT_HASH_CLAIM, tokenHash } from './tokens/verify-token-response';

/**
 * Test doubles for the device client's specs: a tiny provider (signing key, JWKS, token responses
 * encrypted to the device) and a scripted bridge — a real aedes broker over TCP on an ephemeral
 * port that plays the bridge's side of docs/protocol.md (connect credential check, replies,
 * idempotent answers, result redelivery until result-ack).
 */

export const TEST_AUDIENCE = 'urn:onboard:mqtt-bridge:device-client-test';
export const TEST_ISSUER = 'https://id.example.test';

/** What a test may break in a token response, to see the client refuse it. */
export interface TokenTweaks {
  aud?: string;
  iss?: string;
  authReqIdClaim?: string | null;
  atHash?: string | null;
  rtHash?: string | null;
  exp?: number;
  /** Sign the ID token with a key the provider JWKS does not hold. */
  foreignKey?: boolean;
  /** Encrypt to another key than the device's. */
  foreignEncryptionKey?: boolean;
  withoutRefreshToken?: boolean;
  withoutIdToken?: boolean;
}

/** A provider stand-in: the ID token signing key and token responses encrypted to a device. */
export class FakeProvider {
  readonly issuer = TEST_ISSUER;
  private constructor(
    private readonly key: CryptoKey,
    readonly publicJwk: JWK,
    private readonly foreign: CryptoKey,
  ) {}

  static async create(): Promise<FakeProvider> {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const foreign = await generateKeyPair('ES256');
    const publicJwk = { ...(await exportJWK(publicKey)), kid: 'provider-1', use: 'sig', alg: 'ES256' };
    return new FakeProvider(privateKey, publicJwk, foreign.privateKey);
  }

  get jwks(): { keys: JWK[] } {
    return { keys: [this.publicJwk] };
  }

  /** A token response (RFC 6749 §5.1) with an ID token (CIBA §10.3.1), as a JWE to `device`. */
  async encryptedTokenResponse(
    device: { deviceId: string; publicJwks: DevicePublicJwks },
    authReqId: string | undefined,
    tweaks: TokenTweaks = {},
  ): Promise<{ jwe: string; accessToken: string; refreshToken?: string; idToken?: string }> {
    const accessToken = randomBytes(24).toString('base64url');
    const refreshToken = tweaks.withoutRefreshToken ? undefined : randomBytes(24).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const claims: JWTPayload = {
      sub: 'owner-1',
      auth_time: now,
      at_hash: tokenHash(accessToken, 'ES256'),
      ...(refreshToken ? { [RT_HASH_CLAIM]: tokenHash(refreshToken, 'ES256') } : {}),
      ...(authReqId ? { [AUTH_REQ_ID_CLAIM]: authReqId } : {}),
    };
    if (tweaks.authReqIdClaim !== undefined) setOrDelete(claims, AUTH_REQ_ID_CLAIM, tweaks.authReqIdClaim);
    if (tweaks.atHash !== undefined) setOrDelete(claims, 'at_hash', tweaks.atHash);
    if (tweaks.rtHash !== undefined) setOrDelete(claims, RT_HASH_CLAIM, tweaks.rtHash);
    const idToken = tweaks.withoutIdToken
      ? undefined
      : await new SignJWT(claims)
          .setProtectedHeader({ alg: 'ES256', kid: 'provider-1', typ: 'JWT' })
          .setIssuer(tweaks.iss ?? this.issuer)
          .setAudience(tweaks.aud ?? device.deviceId)
          .setIssuedAt(now)
          .setExpirationTime(tweaks.exp ?? now + 300)
          .sign(tweaks.foreignKey ? this.foreign : this.key);
    const body = {
      access_token: accessToken,
      token_type: 'DPoP',
      expires_in: 300,
      scope: 'openid',
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
      ...(idToken ? { id_token: idToken } : {}),
    };
    const encJwk = tweaks.foreignEncryptionKey
      ? await exportJWK((await generateKeyPair('ECDH-ES+A256KW', { crv: 'X25519' })).publicKey)
      : device.publicJwks.keys.find((k) => k.use === 'enc');
    const encKey = await importJWK(encJwk as JWK, 'ECDH-ES+A256KW');
    const jwe = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(body)))
      .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: encJwk?.kid })
      .encrypt(encKey);
    return { jwe, accessToken, refreshToken, idToken };
  }
}

function setOrDelete(claims: JWTPayload, name: string, value: string | null): void {
  if (value === null) delete claims[name];
  else claims[name] = value;
}

/** A message the device published, as the scripted bridge saw it. */
export interface SeenMessage {
  type: DeviceMessageType;
  body: Record<string, any>;
  raw: string;
}

interface LedgerEntry {
  /** What identifies the request (docs/protocol.md §5): the request object, or the refresh token. */
  content: string;
  ack?: Record<string, unknown>;
  result?: Record<string, unknown>;
  resultAcked: boolean;
  cancelled: boolean;
}

/**
 * The scripted bridge. By default it acknowledges every new verification request at once
 * (`autoAck`) and leaves the result to the test (`approve`, `deny`, `sendResult`).
 */
export class ScriptedBridge {
  /** `jti`s of the accepted connect credentials, in order. */
  readonly jtis: string[] = [];
  /** Every device publication, in order. */
  readonly seen: SeenMessage[] = [];
  /** CONNACK return codes to answer the next connection attempts with (0 = accept). */
  readonly refusals: number[] = [];
  autoAck = true;
  /** Called for each verification request the bridge sees (new or repeated). */
  onVerification?: (message: SeenMessage, repeated: boolean) => void;
  /** Called for each refresh request. */
  onRefresh?: (message: SeenMessage) => void;
  readonly ledger = new Map<string, LedgerEntry>();
  private readonly sockets = new Set<Socket>();
  private readonly clients = new Set<Client>();
  /** Device messages in arrival order: opening a sealed payload is asynchronous. */
  private inbox: Promise<void> = Promise.resolve();

  private constructor(
    private readonly aedes: Aedes,
    private readonly server: Server,
    readonly provider: FakeProvider,
    readonly device: { deviceId: string; publicJwks: DevicePublicJwks },
    private readonly payloadKey: { privateKey: CryptoKey; publicJwk: JWK },
  ) {}

  /** The bridge's public encryption key, which devices seal their requests to (docs/protocol.md §5a). */
  get encryptionKey(): JWK {
    return this.payloadKey.publicJwk;
  }

  static async start(device: { deviceId: string; publicJwks: DevicePublicJwks }): Promise<ScriptedBridge> {
    const provider = await FakeProvider.create();
    const payloadPair = await generateKeyPair('ECDH-ES+A256KW', { crv: 'P-256', extractable: true });
    const payloadKey = {
      privateKey: payloadPair.privateKey,
      publicJwk: { ...(await exportJWK(payloadPair.publicKey)), kid: 'bridge-enc-1', use: 'enc' },
    };
    const seenJtis = new Set<string>();
    // eslint-disable-next-line prefer-const
    let bridge: ScriptedBridge;
    const aedes = await Aedes.createBroker({
      authenticate: (client, username, password, done) => {
        const refuse = (code: number) => {
          const err = new Error('refused') as AuthenticateError;
          err.returnCode = code;
          done(err, false);
        };
        const scripted = bridge.refusals.shift();
        if (scripted) return refuse(scripted);
        if (username !== client.id || client.id !== device.deviceId || !password) return refuse(4);
        verifyConnectCredential(password.toString(), {
          deviceId: client.id,
          publicKeys: device.publicJwks.keys.filter((k) => k.use === 'sig'),
          audience: TEST_AUDIENCE,
          now: Date.now(),
        })
          .then(({ jti }) => {
            if (seenJtis.has(jti)) return refuse(4); // docs/protocol.md §2.3: a jti is accepted once
            seenJtis.add(jti);
            bridge.jtis.push(jti);
            done(null, true);
          })
          .catch(() => refuse(4));
      },
    });
    const server = createServer((socket) => aedes.handle(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    bridge = new ScriptedBridge(aedes, server, provider, device, payloadKey);
    server.on('connection', (socket) => {
      bridge.sockets.add(socket);
      socket.on('close', () => bridge.sockets.delete(socket));
    });
    aedes.on('clientReady', (client) => bridge.clients.add(client));
    aedes.on('clientDisconnect', (client) => bridge.clients.delete(client));
    aedes.on('subscribe', (subs, client) => {
      // like the bridge: stored results not yet confirmed are redelivered on (re)subscribe
      if (client?.id === device.deviceId && subs.some((s) => s.topic.includes('/replies/'))) bridge.redeliver();
    });
    await new Promise<void>((resolve) =>
      aedes.subscribe(
        'onboard/v1/devices/+/requests/+',
        (packet, cb) => {
          cb();
          bridge.receive(packet.topic, packet.payload as Buffer);
        },
        resolve,
      ),
    );
    return bridge;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Messages of one type the device published. */
  messages(type: DeviceMessageType): SeenMessage[] {
    return this.seen.filter((m) => m.type === type);
  }

  /** Number of connected device sessions. */
  get connections(): number {
    return this.clients.size;
  }

  /** Publishes a reply to the device (QoS 1, never retained). */
  send(type: BridgeMessageType, body: Record<string, unknown>): Promise<void> {
    return new Promise((resolve, reject) =>
      this.aedes.publish(
        {
          cmd: 'publish',
          topic: replyTopic(this.device.deviceId, type),
          payload: Buffer.from(JSON.stringify(body)),
          qos: 1,
          retain: false,
          dup: false,
        },
        (err) => (err ? reject(err) : resolve()),
      ),
    );
  }

  /** Acknowledges a verification request (docs/protocol.md §6.4). */
  async ack(requestId: string, authReqId = `areq-${randomUUID()}`, expiresIn = 120): Promise<string> {
    const ack = { request_id: requestId, auth_req_id: authReqId, expires_in: expiresIn };
    const entry = this.ledger.get(requestId);
    if (entry) entry.ack = ack;
    await this.send('ack', ack);
    return authReqId;
  }

  /** Stores and publishes a result (docs/protocol.md §6.6), redelivered until result-ack. */
  async sendResult(requestId: string, result: Record<string, unknown>): Promise<void> {
    const body = { request_id: requestId, ...result };
    const entry = this.ledger.get(requestId) ?? { content: '', resultAcked: false, cancelled: false };
    this.ledger.set(requestId, entry);
    if (entry.cancelled) return; // docs/protocol.md §6.2
    entry.result = body;
    await this.send('result', body);
  }

  /** Approves a verification request: an encrypted token response for its auth_req_id. */
  async approve(requestId: string, tweaks: TokenTweaks = {}) {
    const authReqId = this.ledger.get(requestId)?.ack?.auth_req_id as string | undefined;
    const tokens = await this.provider.encryptedTokenResponse(this.device, authReqId, tweaks);
    await this.sendResult(requestId, {
      status: 'approved',
      auth_req_id: authReqId,
      encrypted_token_response: tokens.jwe,
    });
    return tokens;
  }

  /** Ends a verification request with an error (e.g. `access_denied`). */
  deny(requestId: string, error = 'access_denied', status = 'denied'): Promise<void> {
    return this.sendResult(requestId, { status, error, error_description: 'scripted' });
  }

  /** Closes every device connection from the broker side (the device sees a lost connection). */
  dropConnections(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  /** Waits until `predicate` holds, polling. */
  async until(predicate: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async close(): Promise<void> {
    this.dropConnections();
    await new Promise<void>((resolve) => this.aedes.close(() => resolve()));
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private redeliver(): void {
    for (const entry of this.ledger.values()) {
      if (entry.result && !entry.resultAcked && !entry.cancelled) void this.send('result', entry.result);
    }
  }

  /** Sealed payloads are opened like the bridge does; `sealed` records which arrived sealed. */
  readonly sealed: DeviceMessageType[] = [];

  private receive(topic: string, payload: Buffer): void {
    this.inbox = this.inbox.then(async () => {
      const parsed = parseTopic(topic);
      if (!parsed || parsed.direction !== 'request' || !parsed.type) return;
      let body = payload;
      if (isSealedPayload(payload)) {
        const opened = await openSealedPayload(payload, () => [this.payloadKey.privateKey]);
        if (!opened.ok) throw new Error(opened.description);
        this.sealed.push(parsed.type);
        body = opened.plaintext;
      }
      this.onDeviceMessage(topic, body);
    });
  }

  private onDeviceMessage(topic: string, payload: Buffer): void {
    const parsed = parseTopic(topic);
    if (!parsed || parsed.direction !== 'request' || !parsed.type) return;
    const raw = payload.toString('utf8');
    const message: SeenMessage = { type: parsed.type, body: JSON.parse(raw), raw };
    this.seen.push(message);
    const requestId: string = message.body.request_id;
    switch (message.type) {
      case 'verification': {
        const existing = this.ledger.get(requestId);
        if (existing && existing.content !== '') {
          if (existing.content !== message.body.request) {
            void this.send('error', { request_id: requestId, error: 'request_id_reused', error_description: 'x' });
            return;
          }
          // docs/protocol.md §5: the first answer again
          if (existing.ack) void this.send('ack', existing.ack);
          if (existing.result && !existing.resultAcked) void this.send('result', existing.result);
          this.onVerification?.(message, true);
          return;
        }
        this.ledger.set(requestId, { content: message.body.request, resultAcked: false, cancelled: false });
        this.onVerification?.(message, false);
        if (this.autoAck) void this.ack(requestId);
        return;
      }
      case 'cancel': {
        const entry = this.ledger.get(requestId);
        if (!entry) {
          void this.send('error', { request_id: requestId, error: 'unknown_request', error_description: 'x' });
          return;
        }
        entry.cancelled = true;
        void this.send('status', { request_id: requestId, status: 'cancelled' });
        return;
      }
      case 'result-ack': {
        const entry = this.ledger.get(requestId);
        if (entry) entry.resultAcked = true;
        return;
      }
      case 'refresh':
        this.ledger.set(requestId, { content: message.body.refresh_token, resultAcked: false, cancelled: false });
        this.onRefresh?.(message);
        return;
    }
  }
}

/** The claims of a compact JWS, unverified (for assertions on what the device sent). */
export function claimsOf(jws: string): JWTPayload {
  return decodeJwt(jws);
}
