import { uuidV7 } from '@onboard/platform';
import type {
  PushSubscriptionRecord,
  AuditEvent,
  AuthRequest,
  Client,
  OutboxMessage,
  Owner,
  OwnerDevice,
  RefreshTokenRecord,
  SigningKeyRecord,
  EncryptionKeyRecord,
  Stores,
  Passkey,
} from '@onboard/ciba-core';
import { chainAuditEvent, verifyAuditChain } from '@onboard/ciba-core';

/** What a backend can promise beyond the ports' signatures. */
export interface StoreContractOptions {
  /** True when `transaction(fn)` undoes fn's writes if fn throws (databases). Default true. */
  rollsBack?: boolean;
}

const T0 = 1_800_000_000_000;

function client(overrides: Partial<Client> = {}): Client {
  return {
    clientId: 'client-a',
    clientSecretHash: 'secret-hash',
    clientName: 'Head unit',
    tokenEndpointAuthMethod: 'client_secret_basic',
    grantTypes: ['urn:openid:params:grant-type:ciba', 'refresh_token'],
    scope: 'openid profile',
    backchannelTokenDeliveryMode: 'ping',
    backchannelClientNotificationEndpoint: 'https://rp.example/cb',
    backchannelUserCodeParameter: false,
    dpopBoundAccessTokens: true,
    fapiCiba: false,
    jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'k1' }] },
    metadata: { client_name: 'Head unit', nested: { list: [1, 'two', null] } },
    disabled: false,
    createdAt: T0,
    ...overrides,
  };
}

function owner(overrides: Partial<Owner> = {}): Owner {
  return {
    sub: 'sub-alice',
    username: 'alice',
    email: 'Alice@Example.com',
    phoneNumber: '+4915112345678',
    name: 'Alice',
    userCodeHash: 'scrypt$hash',
    disabled: false,
    createdAt: T0,
    ...overrides,
  };
}

function device(overrides: Partial<OwnerDevice> = {}): OwnerDevice {
  return {
    id: 'dev-1',
    sub: 'sub-alice',
    name: 'Phone',
    credentialHash: 'cred-hash-1',
    createdAt: T0,
    disabled: false,
    ...overrides,
  };
}

function authRequest(overrides: Partial<AuthRequest> = {}): AuthRequest {
  return {
    id: 'ar-1',
    authReqIdHash: 'hash-1',
    clientId: 'client-a',
    sub: 'sub-alice',
    scope: 'openid',
    acrValues: ['urn:acr:1'],
    bindingMessage: 'W4SCT',
    authorizationDetails: [{ type: 'payment', amount: { value: '10.00' } }],
    deliveryMode: 'poll',
    status: 'pending',
    createdAt: T0,
    expiresAt: T0 + 120_000,
    interval: 2,
    ...overrides,
  };
}

function refreshToken(overrides: Partial<RefreshTokenRecord> = {}): RefreshTokenRecord {
  return {
    tokenHash: 'rt-1',
    familyId: 'fam-1',
    clientId: 'client-a',
    sub: 'sub-alice',
    scope: 'openid offline_access',
    authTime: T0,
    acr: 'urn:acr:1',
    amr: ['hwk', 'user'],
    authorizationDetails: [{ type: 'x' }],
    jkt: 'thumbprint',
    createdAt: T0,
    expiresAt: T0 + 3_600_000,
    revoked: false,
    ...overrides,
  };
}

function signingKey(overrides: Partial<SigningKeyRecord> = {}): SigningKeyRecord {
  return {
    kid: 'kid-1',
    alg: 'ES256',
    wrappedPrivateKey: 'eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..iv.ciphertext.tag',
    publicJwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' },
    status: 'active',
    createdAt: T0,
    ...overrides,
  };
}

function outboxMessage(overrides: Partial<OutboxMessage> = {}): OutboxMessage {
  return {
    id: 'ob-1',
    kind: 'client_notification',
    authRequestId: 'ar-1',
    clientId: 'client-a',
    url: 'https://rp.example/cb',
    bearer: 'notification-token',
    body: '{"auth_req_id":"x"}',
    attempts: 0,
    nextAttemptAt: T0,
    status: 'pending',
    createdAt: T0,
    ...overrides,
  };
}

/*
 * Records with every optional field set. Typed `Required<…>`, so a field added to a
 * domain type fails to compile here until it is added, and then must round-trip.
 */
const FULL_CLIENT: Required<Client> = {
  ...client(),
  clientSecretHash: 'secret-hash',
  clientName: 'Head unit',
  tokenEndpointAuthSigningAlg: 'ES256',
  jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'k1' }] },
  jwksUri: 'https://rp.example/jwks',
  scope: 'openid profile',
  backchannelClientNotificationEndpoint: 'https://rp.example/cb',
  backchannelAuthenticationRequestSigningAlg: 'PS256',
  tokenResponseEncryptionAlg: 'ECDH-ES+A256KW',
  tokenResponseEncryptionEnc: 'A256GCM',
  idTokenSignedResponseAlg: 'PS256',
  userinfoSignedResponseAlg: 'RS256',
};
const FULL_OWNER: Required<Owner> = {
  sub: 'sub-full',
  username: 'full',
  email: 'full@example.com',
  phoneNumber: '+490',
  name: 'Full Name',
  userCodeHash: 'scrypt$full',
  disabled: true,
  disabledAt: T0 + 3,
  createdAt: T0 + 1,
};
const FULL_DEVICE: Required<OwnerDevice> = {
  id: 'dev-full',
  sub: 'sub-full',
  name: 'Tablet',
  credentialHash: 'cred-full',
  createdAt: T0 + 2,
  disabled: true,
};
const FULL_AUTH_REQUEST: Required<AuthRequest> = {
  id: 'ar-full',
  authReqIdHash: 'hash-full',
  clientId: 'client-a',
  sub: 'sub-alice',
  scope: 'openid profile',
  acrValues: ['urn:acr:1', 'urn:acr:2'],
  bindingMessage: 'W4SCT',
  authorizationDetails: [{ type: 'payment', amount: { value: '10.00', currency: 'EUR' } }],
  deliveryMode: 'push',
  clientNotificationToken: 'cnt',
  deliveryAuthReqId: 'clear-auth-req-id',
  dpopJkt: 'dpop-key-thumbprint',
  requestObjectHash: 'request-object-hash',
  status: 'consumed',
  createdAt: T0,
  expiresAt: T0 + 120_000,
  interval: 7,
  lastPolledAt: T0 + 3_000,
  authTime: T0 + 4_000,
  acr: 'urn:acr:2',
  amr: ['hwk', 'face'],
  approvedBy: 'dev-1',
  approvedAt: T0 + 4_001,
  consumedAt: T0 + 5_000,
  grantId: 'grant-full',
  denialReason: 'not_me',
};
const FULL_REFRESH_TOKEN: Required<RefreshTokenRecord> = {
  ...refreshToken(),
  acr: 'urn:acr:1',
  amr: ['hwk', 'user'],
  authorizationDetails: [{ type: 'x' }],
  jkt: 'thumbprint',
  usedAt: T0 + 9,
};
const FULL_SIGNING_KEY: Required<SigningKeyRecord> = {
  ...signingKey(),
  wrappedPrivateKey: 'eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..iv.ciphertext.tag',
  privateJwk: { kty: 'EC', crv: 'P-256', d: 'private', x: 'x', y: 'y' },
  status: 'retired',
  expiresAt: T0 + 99,
};
const FULL_ENCRYPTION_KEY: Required<EncryptionKeyRecord> = {
  kid: 'enc-full',
  alg: 'ECDH-ES+A256KW',
  wrappedPrivateKey: 'eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..iv.ciphertext.tag',
  privateJwk: { kty: 'EC', crv: 'P-256', d: 'private', x: 'x', y: 'y' },
  publicJwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' },
  status: 'retired',
  createdAt: T0,
  expiresAt: T0 + 99,
};
const FULL_OUTBOX_MESSAGE: Required<OutboxMessage> = { ...outboxMessage(), kind: 'web_push', lastError: 'HTTP 503' };
const FULL_AUDIT_EVENT: Required<Omit<AuditEvent, 'prevHash' | 'hash'>> = {
  id: 'e-full',
  at: T0,
  type: 'auth_request.approved',
  clientId: 'client-a',
  sub: 'sub-alice',
  authRequestId: 'ar-1',
  data: { deviceId: 'dev-1', nested: { n: 1, list: ['a', null, true] } },
};

/**
 * The one store contract suite (STYLE §14). Every Stores implementation runs it:
 * `factory` must return fresh, empty stores for each test; they are closed after it.
 *
 * @example
 * runStoreContract('SQLite', () => openStores({ databaseUrl: 'sqlite::memory:' }));
 */
export function runStoreContract(
  name: string,
  factory: () => Promise<Stores>,
  options: StoreContractOptions = {},
): void {
  const rollsBack = options.rollsBack ?? true;
  if (!rollsBack) {
    console.warn(`store contract: ${name}: rollback tests skipped: this backend does not roll back transactions`);
  }
  const itRollsBack = rollsBack ? it : it.skip;

  describe(`store contract: ${name}`, () => {
    let stores: Stores;
    beforeEach(async () => {
      stores = await factory();
    });
    afterEach(async () => {
      await stores.close();
    });

    describe('every domain field', () => {
      it('round-trips a record of each kind with every optional field set', async () => {
        await stores.clients.save(FULL_CLIENT);
        await stores.owners.save(FULL_OWNER);
        await stores.owners.saveDevice(FULL_DEVICE);
        await stores.authRequests.create(FULL_AUTH_REQUEST);
        await stores.refreshTokens.save(FULL_REFRESH_TOKEN);
        await stores.signingKeys.save(FULL_SIGNING_KEY);
        await stores.encryptionKeys.save(FULL_ENCRYPTION_KEY);
        await stores.outbox.enqueue(FULL_OUTBOX_MESSAGE);
        await stores.audit.append(FULL_AUDIT_EVENT);
        expect(await stores.clients.find(FULL_CLIENT.clientId)).toEqual(FULL_CLIENT);
        expect(await stores.owners.find(FULL_OWNER.sub)).toEqual(FULL_OWNER);
        expect(await stores.owners.findDeviceByCredentialHash(FULL_DEVICE.credentialHash)).toEqual(FULL_DEVICE);
        expect(await stores.authRequests.find(FULL_AUTH_REQUEST.id)).toEqual(FULL_AUTH_REQUEST);
        expect(await stores.refreshTokens.find(FULL_REFRESH_TOKEN.tokenHash)).toEqual(FULL_REFRESH_TOKEN);
        expect(await stores.signingKeys.list()).toEqual([FULL_SIGNING_KEY]);
        expect(await stores.encryptionKeys.list()).toEqual([FULL_ENCRYPTION_KEY]);
        expect(await stores.outbox.find(FULL_OUTBOX_MESSAGE.id)).toEqual(FULL_OUTBOX_MESSAGE);
        expect(await stores.audit.list({})).toEqual([chainAuditEvent(FULL_AUDIT_EVENT, undefined)]);
      });
    });

    describe('ClientStore', () => {
      it('saves a client and finds it again with every field intact', async () => {
        const c = client({ tokenEndpointAuthSigningAlg: 'ES256', jwksUri: 'https://rp.example/jwks' });
        await stores.clients.save(c);
        expect(await stores.clients.find('client-a')).toEqual(c);
      });

      it('returns undefined for an unknown client', async () => {
        expect(await stores.clients.find('nobody')).toBeUndefined();
      });

      it('keeps absent optional fields absent', async () => {
        const c = client({ clientSecretHash: undefined, jwks: undefined, scope: undefined });
        delete c.clientSecretHash;
        delete c.jwks;
        delete c.scope;
        await stores.clients.save(c);
        const found = await stores.clients.find('client-a');
        expect(found).toEqual(c);
        expect(found).not.toHaveProperty('clientSecretHash');
      });

      it('replaces a client saved again under the same id', async () => {
        await stores.clients.save(client());
        await stores.clients.save(client({ disabled: true, clientName: 'Renamed' }));
        const found = await stores.clients.find('client-a');
        expect(found?.disabled).toBe(true);
        expect(found?.clientName).toBe('Renamed');
        expect(await stores.clients.list()).toHaveLength(1);
      });

      it('does not let callers mutate stored state through returned or saved objects', async () => {
        const c = client();
        await stores.clients.save(c);
        c.grantTypes.push('mutated');
        const found = (await stores.clients.find('client-a'))!;
        expect(found.grantTypes).toEqual(['urn:openid:params:grant-type:ciba', 'refresh_token']);
        found.grantTypes.push('mutated');
        (found.metadata as { nested: { list: unknown[] } }).nested.list.push('x');
        expect(await stores.clients.find('client-a')).toEqual(client());
      });

      it('lists clients oldest first and deletes one', async () => {
        await stores.clients.save(client({ clientId: 'c-late', createdAt: T0 + 10 }));
        await stores.clients.save(client({ clientId: 'c-early', createdAt: T0 }));
        expect((await stores.clients.list()).map((c) => c.clientId)).toEqual(['c-early', 'c-late']);
        await stores.clients.delete('c-early');
        expect((await stores.clients.list()).map((c) => c.clientId)).toEqual(['c-late']);
        expect(await stores.clients.find('c-early')).toBeUndefined();
      });
    });

    describe('OwnerStore', () => {
      it('saves and finds an owner by sub', async () => {
        await stores.owners.save(owner());
        expect(await stores.owners.find('sub-alice')).toEqual(owner());
        expect(await stores.owners.find('sub-bob')).toBeUndefined();
      });

      it('matches a login hint by email case-insensitively, phone number, username or sub', async () => {
        await stores.owners.save(owner());
        await stores.owners.save(
          owner({ sub: 'sub-bob', username: 'bob', email: 'bob@example.com', phoneNumber: '+1' }),
        );
        expect((await stores.owners.findByHint('alice@EXAMPLE.com'))?.sub).toBe('sub-alice');
        expect((await stores.owners.findByHint('+4915112345678'))?.sub).toBe('sub-alice');
        expect((await stores.owners.findByHint('bob'))?.sub).toBe('sub-bob');
        expect((await stores.owners.findByHint('sub-bob'))?.sub).toBe('sub-bob');
        expect(await stores.owners.findByHint('carol@example.com')).toBeUndefined();
      });

      it('prefers an exact sub match over another owner whose username equals the hint', async () => {
        await stores.owners.save(owner({ sub: 'taken', username: 'someone' }));
        await stores.owners.save(owner({ sub: 'sub-x', username: 'taken', email: 'x@example.com', phoneNumber: '+2' }));
        expect((await stores.owners.findByHint('taken'))?.sub).toBe('taken');
      });

      it('stops matching an old email after the owner changes it', async () => {
        await stores.owners.save(owner());
        await stores.owners.save(owner({ email: 'new@example.com' }));
        expect(await stores.owners.findByHint('alice@example.com')).toBeUndefined();
        expect((await stores.owners.findByHint('new@example.com'))?.sub).toBe('sub-alice');
      });

      it('lists owners oldest first', async () => {
        await stores.owners.save(owner({ sub: 'b', username: 'b', email: 'b@x', phoneNumber: '2', createdAt: T0 + 1 }));
        await stores.owners.save(owner({ sub: 'a', username: 'a', email: 'a@x', phoneNumber: '1', createdAt: T0 + 2 }));
        expect((await stores.owners.list()).map((o) => o.sub)).toEqual(['b', 'a']);
      });

      it('saves devices, finds one by credential hash and lists an owner’s devices oldest first', async () => {
        await stores.owners.saveDevice(device({ id: 'dev-2', credentialHash: 'h2', createdAt: T0 + 5 }));
        await stores.owners.saveDevice(device({ id: 'dev-1', credentialHash: 'h1', createdAt: T0 }));
        await stores.owners.saveDevice(device({ id: 'dev-3', sub: 'sub-bob', credentialHash: 'h3' }));
        expect(await stores.owners.findDeviceByCredentialHash('h2')).toEqual(
          device({ id: 'dev-2', credentialHash: 'h2', createdAt: T0 + 5 }),
        );
        expect(await stores.owners.findDeviceByCredentialHash('nope')).toBeUndefined();
        expect((await stores.owners.listDevices('sub-alice')).map((d) => d.id)).toEqual(['dev-1', 'dev-2']);
        expect(await stores.owners.listDevices('sub-nobody')).toEqual([]);
      });

      it('updates a device saved again (disabling it, rotating its credential)', async () => {
        await stores.owners.saveDevice(device());
        await stores.owners.saveDevice(device({ disabled: true, credentialHash: 'rotated' }));
        expect(await stores.owners.findDeviceByCredentialHash('cred-hash-1')).toBeUndefined();
        expect((await stores.owners.findDeviceByCredentialHash('rotated'))?.disabled).toBe(true);
        expect(await stores.owners.listDevices('sub-alice')).toHaveLength(1);
      });

      it('refuses a second device with the same credential hash', async () => {
        await stores.owners.saveDevice(device());
        await expect(stores.owners.saveDevice(device({ id: 'dev-other' }))).rejects.toThrow();
      });
    });

    describe('AuthRequestStore', () => {
      it('creates a request and finds it by id and by auth_req_id hash', async () => {
        const r = authRequest({ deliveryMode: 'ping', clientNotificationToken: 'cnt', deliveryAuthReqId: 'clear' });
        await stores.authRequests.create(r);
        expect(await stores.authRequests.find('ar-1')).toEqual(r);
        expect(await stores.authRequests.findByAuthReqIdHash('hash-1')).toEqual(r);
        expect(await stores.authRequests.find('missing')).toBeUndefined();
        expect(await stores.authRequests.findByAuthReqIdHash('missing')).toBeUndefined();
      });

      it('finds a request by its client and signed request object hash, and no other client’s', async () => {
        const signed = authRequest({ requestObjectHash: 'ro-hash', deliveryMode: 'push', deliveryAuthReqId: 'clear' });
        await stores.authRequests.create(signed);
        await stores.authRequests.create(authRequest({ id: 'ar-2', authReqIdHash: 'hash-2' }));
        expect(await stores.authRequests.findByRequestObjectHash('client-a', 'ro-hash')).toEqual(signed);
        expect(await stores.authRequests.findByRequestObjectHash('client-b', 'ro-hash')).toBeUndefined();
        expect(await stores.authRequests.findByRequestObjectHash('client-a', 'other')).toBeUndefined();
        await stores.authRequests.deleteExpired(signed.expiresAt + 1);
        expect(await stores.authRequests.findByRequestObjectHash('client-a', 'ro-hash')).toBeUndefined();
      });

      it('refuses a second request with the same auth_req_id hash', async () => {
        await stores.authRequests.create(authRequest());
        await expect(stores.authRequests.create(authRequest({ id: 'ar-2' }))).rejects.toThrow();
      });

      it('returns copies: changing a found request does not change the stored one', async () => {
        await stores.authRequests.create(authRequest());
        const found = (await stores.authRequests.find('ar-1'))!;
        found.status = 'approved';
        found.acrValues!.push('x');
        expect(await stores.authRequests.find('ar-1')).toEqual(authRequest());
      });

      it('lists an owner’s pending, unexpired requests oldest first, excluding other states and owners', async () => {
        const now = T0 + 1_000;
        await stores.authRequests.create(authRequest({ id: 'late', authReqIdHash: 'h-late', createdAt: T0 + 20 }));
        await stores.authRequests.create(authRequest({ id: 'early', authReqIdHash: 'h-early', createdAt: T0 + 10 }));
        await stores.authRequests.create(authRequest({ id: 'expired', authReqIdHash: 'h-exp', expiresAt: now }));
        await stores.authRequests.create(authRequest({ id: 'approved', authReqIdHash: 'h-app', status: 'approved' }));
        await stores.authRequests.create(authRequest({ id: 'denied', authReqIdHash: 'h-den', status: 'denied' }));
        await stores.authRequests.create(authRequest({ id: 'bob', authReqIdHash: 'h-bob', sub: 'sub-bob' }));
        const list = await stores.authRequests.listPendingForOwner('sub-alice', now);
        expect(list.map((r) => r.id)).toEqual(['early', 'late']);
        expect(await stores.authRequests.listPendingForOwner('sub-nobody', now)).toEqual([]);
      });

      it('pages an owner’s pending requests newest first, from a cursor on', async () => {
        const now = T0 + 1_000;
        for (const [id, at] of [
          ['a', 10],
          ['c', 20],
          ['b', 20],
          ['d', 30],
        ] as const) {
          await stores.authRequests.create(authRequest({ id, authReqIdHash: `h-${id}`, createdAt: T0 + at }));
        }
        await stores.authRequests.create(authRequest({ id: 'gone', authReqIdHash: 'h-gone', expiresAt: now }));
        await stores.authRequests.create(authRequest({ id: 'bob', authReqIdHash: 'h-bob', sub: 'sub-bob' }));
        const page = (limit: number, before?: AuthRequest) =>
          stores.authRequests
            .pagePendingForOwner('sub-alice', now, { limit, before })
            .then((rows) => rows.map((r) => r.id));
        expect(await page(10)).toEqual(['d', 'c', 'b', 'a']);
        expect(await page(2)).toEqual(['d', 'c']);
        const c = (await stores.authRequests.find('c'))!;
        expect(await page(2, c)).toEqual(['b', 'a']);
        expect(await page(10, (await stores.authRequests.find('a'))!)).toEqual([]);
      });

      it('pages an owner’s past requests (answered or expired) newest first, from a cursor on', async () => {
        const now = T0 + 1_000;
        for (const [id, at, status] of [
          ['a', 10, 'approved'],
          ['c', 20, 'denied'],
          ['b', 20, 'consumed'],
          ['d', 30, 'expired'],
        ] as const) {
          await stores.authRequests.create(authRequest({ id, authReqIdHash: `h-${id}`, createdAt: T0 + at, status }));
        }
        // Pending but expired at `now`: past; pending and live: not.
        await stores.authRequests.create(
          authRequest({ id: 'e', authReqIdHash: 'h-e', createdAt: T0 + 40, expiresAt: now }),
        );
        await stores.authRequests.create(authRequest({ id: 'live', authReqIdHash: 'h-live', createdAt: T0 + 50 }));
        await stores.authRequests.create(
          authRequest({ id: 'bob', authReqIdHash: 'h-bob', sub: 'sub-bob', status: 'approved' }),
        );
        const page = (limit: number, before?: AuthRequest) =>
          stores.authRequests
            .pageHistoryForOwner('sub-alice', now, { limit, before })
            .then((rows) => rows.map((r) => r.id));
        expect(await page(10)).toEqual(['e', 'd', 'c', 'b', 'a']);
        expect(await page(2)).toEqual(['e', 'd']);
        expect(await page(2, (await stores.authRequests.find('c'))!)).toEqual(['b', 'a']);
        expect(await page(10, (await stores.authRequests.find('a'))!)).toEqual([]);
        expect(await stores.authRequests.pageHistoryForOwner('sub-nobody', now, { limit: 5 })).toEqual([]);
      });

      it('creates a request only while its owner has fewer pending than the limit', async () => {
        const now = T0 + 1_000;
        await stores.authRequests.create(authRequest({ id: 'old', authReqIdHash: 'h-old', expiresAt: now }));
        await stores.authRequests.create(authRequest({ id: 'done', authReqIdHash: 'h-done', status: 'denied' }));
        const make = (i: number) => authRequest({ id: `p${i}`, authReqIdHash: `h-p${i}` });
        expect(await stores.authRequests.createIfFewerPending(make(1), 2, now)).toBe(true);
        expect(await stores.authRequests.createIfFewerPending(make(2), 2, now)).toBe(true);
        expect(await stores.authRequests.createIfFewerPending(make(3), 2, now)).toBe(false);
        expect(await stores.authRequests.find('p3')).toBeUndefined();
        // another owner has a limit of their own
        const bob = authRequest({ id: 'b1', authReqIdHash: 'h-b1', sub: 'sub-bob' });
        expect(await stores.authRequests.createIfFewerPending(bob, 2, now)).toBe(true);
        await stores.authRequests.transition('p1', 'pending', { status: 'approved' });
        expect(await stores.authRequests.createIfFewerPending(make(4), 2, now)).toBe(true);
      });

      it('keeps the pending limit when many creations for one owner race', async () => {
        const results = await Promise.all(
          Array.from({ length: 30 }, (_, i) =>
            stores.authRequests.createIfFewerPending(authRequest({ id: `r${i}`, authReqIdHash: `h-r${i}` }), 7, T0),
          ),
        );
        expect(results.filter(Boolean)).toHaveLength(7);
        expect(await stores.authRequests.listPendingForOwner('sub-alice', T0)).toHaveLength(7);
      });

      it('drops a request from the pending list once it is approved', async () => {
        await stores.authRequests.create(authRequest());
        await stores.authRequests.transition('ar-1', 'pending', { status: 'approved' });
        expect(await stores.authRequests.listPendingForOwner('sub-alice', T0)).toEqual([]);
      });

      it('transitions with compare-and-set and returns the updated request', async () => {
        await stores.authRequests.create(authRequest());
        const updated = await stores.authRequests.transition('ar-1', 'pending', {
          status: 'approved',
          authTime: T0 + 5,
          acr: 'urn:acr:2',
          amr: ['face'],
          approvedBy: 'dev-1',
        });
        const expected = {
          ...authRequest(),
          status: 'approved',
          authTime: T0 + 5,
          acr: 'urn:acr:2',
          amr: ['face'],
          approvedBy: 'dev-1',
        };
        expect(updated).toEqual(expected);
        expect(await stores.authRequests.find('ar-1')).toEqual(expected);
      });

      it('records approvedAt on approval and keeps it through consumption', async () => {
        await stores.authRequests.create(authRequest());
        const approved = await stores.authRequests.transition('ar-1', 'pending', {
          status: 'approved',
          approvedBy: 'dev-1',
          approvedAt: T0 + 42,
        });
        expect(approved?.approvedAt).toBe(T0 + 42);
        const consumed = await stores.authRequests.transition('ar-1', 'approved', {
          status: 'consumed',
          consumedAt: T0 + 50,
        });
        expect(consumed).toEqual({
          ...authRequest(),
          status: 'consumed',
          approvedBy: 'dev-1',
          approvedAt: T0 + 42,
          consumedAt: T0 + 50,
        });
        expect(await stores.authRequests.findByAuthReqIdHash('hash-1')).toEqual(consumed);
      });

      it('applies a guarded transition only when owner, client, expiry and DPoP key all match', async () => {
        await stores.authRequests.create(authRequest());
        const approve = { status: 'approved' as const };
        const live = T0 + 1_000;
        for (const guard of [
          { sub: 'sub-bob' },
          { clientId: 'client-b' },
          { liveAt: T0 + 120_000 }, // expiresAt is not after it
        ]) {
          expect(await stores.authRequests.transition('ar-1', 'pending', approve, guard)).toBeUndefined();
        }
        expect((await stores.authRequests.find('ar-1'))?.status).toBe('pending');
        const approved = await stores.authRequests.transition('ar-1', 'pending', approve, {
          sub: 'sub-alice',
          clientId: 'client-a',
          liveAt: live,
          dpopJktAllowed: null,
        });
        expect(approved?.status).toBe('approved');
      });

      it('finds the row of a guarded transition by its auth_req_id hash', async () => {
        await stores.authRequests.create(authRequest({ status: 'approved' }));
        await stores.authRequests.create(
          authRequest({ id: 'ar-bound', authReqIdHash: 'hash-bound', status: 'approved', dpopJkt: 'jkt-1' }),
        );
        const consume = { status: 'consumed' as const, consumedAt: T0 + 7 };
        expect(
          await stores.authRequests.transition({ authReqIdHash: 'hash-missing' }, 'approved', consume),
        ).toBeUndefined();
        // Unbound requests pass whatever key is offered; bound ones only with their own key.
        expect(
          await stores.authRequests.transition({ authReqIdHash: 'hash-1' }, 'approved', consume, {
            dpopJktAllowed: 'jkt-any',
          }),
        ).toMatchObject({ id: 'ar-1', status: 'consumed', consumedAt: T0 + 7 });
        expect(
          await stores.authRequests.transition({ authReqIdHash: 'hash-bound' }, 'approved', consume, {
            dpopJktAllowed: null,
          }),
        ).toBeUndefined();
        expect(
          await stores.authRequests.transition({ authReqIdHash: 'hash-bound' }, 'approved', consume, {
            dpopJktAllowed: 'jkt-2',
          }),
        ).toBeUndefined();
        expect((await stores.authRequests.find('ar-bound'))?.status).toBe('approved');
        expect(
          await stores.authRequests.transition({ authReqIdHash: 'hash-bound' }, 'approved', consume, {
            dpopJktAllowed: 'jkt-1',
          }),
        ).toMatchObject({ id: 'ar-bound', status: 'consumed' });
      });

      it('refuses a transition whose expected status no longer holds, leaving the row unchanged', async () => {
        await stores.authRequests.create(authRequest({ status: 'denied' }));
        expect(await stores.authRequests.transition('ar-1', 'pending', { status: 'approved' })).toBeUndefined();
        expect((await stores.authRequests.find('ar-1'))?.status).toBe('denied');
        expect(await stores.authRequests.transition('missing', 'pending', { status: 'approved' })).toBeUndefined();
      });

      it('lets exactly one of many concurrent transitions from the same state win', async () => {
        await stores.authRequests.create(authRequest({ status: 'approved' }));
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            stores.authRequests.transition('ar-1', 'approved', { status: 'consumed', consumedAt: T0 + i }),
          ),
        );
        const winners = results.filter((r) => r !== undefined);
        expect(winners).toHaveLength(1);
        expect((await stores.authRequests.find('ar-1'))?.consumedAt).toBe(winners[0]!.consumedAt);
      });

      it('lets approval and denial race with exactly one outcome', async () => {
        await stores.authRequests.create(authRequest());
        const [a, d] = await Promise.all([
          stores.authRequests.transition('ar-1', 'pending', { status: 'approved' }),
          stores.authRequests.transition('ar-1', 'pending', { status: 'denied' }),
        ]);
        expect([a, d].filter((r) => r !== undefined)).toHaveLength(1);
        expect((await stores.authRequests.find('ar-1'))?.status).toBe((a ?? d)!.status);
      });

      it('clears a field when the patch sets it to undefined', async () => {
        await stores.authRequests.create(authRequest({ lastPolledAt: T0 }));
        const updated = await stores.authRequests.transition('ar-1', 'pending', {
          status: 'expired',
          bindingMessage: undefined,
        });
        expect(updated).not.toHaveProperty('bindingMessage');
        expect(await stores.authRequests.find('ar-1')).not.toHaveProperty('bindingMessage');
      });

      it('lists expired pending ping/push requests oldest first, up to the limit, never poll ones', async () => {
        const now = T0 + 10_000;
        await stores.authRequests.create(authRequest({ id: 'poll', authReqIdHash: 'h0', expiresAt: T0 }));
        await stores.authRequests.create(
          authRequest({ id: 'ping-b', authReqIdHash: 'h1', deliveryMode: 'ping', expiresAt: T0 + 2 }),
        );
        await stores.authRequests.create(
          authRequest({ id: 'push-a', authReqIdHash: 'h2', deliveryMode: 'push', expiresAt: T0 + 1 }),
        );
        await stores.authRequests.create(
          authRequest({ id: 'ping-now', authReqIdHash: 'h3', deliveryMode: 'ping', expiresAt: now }),
        );
        await stores.authRequests.create(
          authRequest({ id: 'ping-live', authReqIdHash: 'h4', deliveryMode: 'ping', expiresAt: now + 1 }),
        );
        await stores.authRequests.create(
          authRequest({
            id: 'ping-done',
            authReqIdHash: 'h5',
            deliveryMode: 'ping',
            expiresAt: T0,
            status: 'approved',
          }),
        );
        const all = await stores.authRequests.listExpiredPendingWithDelivery(now, 10);
        expect(all.map((r) => r.id)).toEqual(['push-a', 'ping-b', 'ping-now']);
        const limited = await stores.authRequests.listExpiredPendingWithDelivery(now, 2);
        expect(limited.map((r) => r.id)).toEqual(['push-a', 'ping-b']);
      });

      it('records a poll without touching the status', async () => {
        await stores.authRequests.create(authRequest());
        await stores.authRequests.touchPoll('ar-1', T0 + 7, 7);
        const found = await stores.authRequests.find('ar-1');
        expect(found).toEqual({ ...authRequest(), lastPolledAt: T0 + 7, interval: 7 });
      });

      it('deletes requests expired before a time and reports how many', async () => {
        await stores.authRequests.create(authRequest({ id: 'old', authReqIdHash: 'h1', expiresAt: T0 }));
        await stores.authRequests.create(authRequest({ id: 'edge', authReqIdHash: 'h2', expiresAt: T0 + 100 }));
        await stores.authRequests.create(authRequest({ id: 'new', authReqIdHash: 'h3', expiresAt: T0 + 200 }));
        expect(await stores.authRequests.deleteExpired(T0 + 100)).toBe(1);
        expect(await stores.authRequests.find('old')).toBeUndefined();
        expect(await stores.authRequests.findByAuthReqIdHash('h1')).toBeUndefined();
        expect(await stores.authRequests.find('edge')).toBeDefined();
        expect(await stores.authRequests.deleteExpired(T0 + 100)).toBe(0);
        expect(await stores.authRequests.deleteExpired(T0 + 1_000)).toBe(2);
      });
    });

    describe('LimitStore', () => {
      const rule = { name: 'contract_rule', points: 3, windowSeconds: 60, blockSeconds: 120 };

      it('admits points attempts per key, refuses the next and blocks the key for blockSeconds', async () => {
        const limiter = stores.limits.limiter(rule);
        expect((await limiter.consume('k')).remaining).toBe(2);
        await limiter.consume('k');
        expect(await limiter.consume('k')).toEqual({ allowed: true, remaining: 0, retryAfterMs: 0 });
        const refused = await limiter.consume('k');
        expect(refused.allowed).toBe(false);
        expect(refused.retryAfterMs).toBeGreaterThan(110_000);
        expect(refused.retryAfterMs).toBeLessThanOrEqual(120_000);
        expect((await limiter.check('k')).allowed).toBe(false);
        // other keys and other rules count on their own
        expect((await limiter.check('other')).allowed).toBe(true);
        expect((await stores.limits.limiter({ ...rule, name: 'contract_other' }).consume('k')).allowed).toBe(true);
      });

      it('checks without counting, refunds an attempt, blocks on demand and forgets a key on reset', async () => {
        const limiter = stores.limits.limiter(rule);
        expect(await limiter.check('k')).toEqual({ allowed: true, remaining: 3, retryAfterMs: 0 });
        await limiter.consume('k');
        await limiter.consume('k');
        await limiter.refund('k');
        expect((await limiter.check('k')).remaining).toBe(2);
        const blocked = await limiter.block('k');
        expect(blocked.allowed).toBe(false);
        expect((await limiter.check('k')).allowed).toBe(false);
        await limiter.reset('k');
        expect(await limiter.check('k')).toEqual({ allowed: true, remaining: 3, retryAfterMs: 0 });
      });

      it('counts concurrent attempts atomically', async () => {
        const limiter = stores.limits.limiter({ name: 'contract_race', points: 5, windowSeconds: 60 });
        const states = await Promise.all(Array.from({ length: 20 }, () => limiter.consume('k')));
        expect(states.filter((s) => s.allowed)).toHaveLength(5);
      });

      it('keeps long keys apart', async () => {
        const limiter = stores.limits.limiter({ name: 'contract_long', points: 1, windowSeconds: 60 });
        const long = 'x'.repeat(300);
        await limiter.consume(`${long}-1`);
        expect((await limiter.consume(`${long}-1`)).allowed).toBe(false);
        expect((await limiter.consume(`${long}-2`)).allowed).toBe(true);
      });

      it('deletes expired counters without touching live ones', async () => {
        const limiter = stores.limits.limiter(rule);
        await limiter.consume('k');
        await stores.limits.deleteExpired(Date.now());
        expect((await limiter.check('k')).remaining).toBe(2);
      });
    });

    describe('ReplayStore', () => {
      it('accepts a key once and refuses it afterwards', async () => {
        expect(await stores.replay.consume('jti-1', T0 + 60_000)).toBe(true);
        expect(await stores.replay.consume('jti-1', T0 + 60_000)).toBe(false);
        expect(await stores.replay.consume('jti-2', T0 + 60_000)).toBe(true);
      });

      it('accepts exactly one of many concurrent consumptions of the same key', async () => {
        const results = await Promise.all(Array.from({ length: 10 }, () => stores.replay.consume('jti-race', T0 + 1)));
        expect(results.filter(Boolean)).toHaveLength(1);
      });

      it('deletes expired markers, after which the key is accepted again', async () => {
        await stores.replay.consume('old', T0);
        await stores.replay.consume('new', T0 + 1_000);
        expect(await stores.replay.deleteExpired(T0 + 1)).toBe(1);
        expect(await stores.replay.consume('new', T0 + 1_000)).toBe(false);
        expect(await stores.replay.consume('old', T0 + 2_000)).toBe(true);
      });
    });

    describe('RefreshTokenStore', () => {
      it('saves and finds a record with every field intact', async () => {
        await stores.refreshTokens.save(refreshToken());
        expect(await stores.refreshTokens.find('rt-1')).toEqual(refreshToken());
        expect(await stores.refreshTokens.find('missing')).toBeUndefined();
      });

      it('marks a token used once; a second use reports reuse', async () => {
        await stores.refreshTokens.save(refreshToken());
        expect(await stores.refreshTokens.markUsed('rt-1', T0 + 5)).toBe(true);
        expect(await stores.refreshTokens.markUsed('rt-1', T0 + 6)).toBe(false);
        expect((await stores.refreshTokens.find('rt-1'))?.usedAt).toBe(T0 + 5);
        expect(await stores.refreshTokens.markUsed('missing', T0)).toBe(false);
      });

      it('lets exactly one of many concurrent rotations mark the token used', async () => {
        await stores.refreshTokens.save(refreshToken());
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, i) => stores.refreshTokens.markUsed('rt-1', T0 + i)),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
      });

      it('revokes every token of a family and no other', async () => {
        await stores.refreshTokens.save(refreshToken({ tokenHash: 'a' }));
        await stores.refreshTokens.save(refreshToken({ tokenHash: 'b' }));
        await stores.refreshTokens.save(refreshToken({ tokenHash: 'c', familyId: 'fam-2' }));
        await stores.refreshTokens.revokeFamily('fam-1');
        expect((await stores.refreshTokens.find('a'))?.revoked).toBe(true);
        expect((await stores.refreshTokens.find('b'))?.revoked).toBe(true);
        expect((await stores.refreshTokens.find('c'))?.revoked).toBe(false);
      });

      it('revokes every refresh token of a client, counts the newly revoked ones, and leaves other clients alone', async () => {
        await stores.refreshTokens.save(refreshToken({ tokenHash: 'a' }));
        await stores.refreshTokens.save(refreshToken({ tokenHash: 'b', familyId: 'fam-2', revoked: true }));
        await stores.refreshTokens.save(refreshToken({ tokenHash: 'c', familyId: 'fam-3' }));
        await stores.refreshTokens.save(refreshToken({ tokenHash: 'd', clientId: 'client-b' }));
        expect(await stores.refreshTokens.revokeClient('client-a')).toBe(2);
        expect((await stores.refreshTokens.find('a'))?.revoked).toBe(true);
        expect((await stores.refreshTokens.find('b'))?.revoked).toBe(true);
        expect((await stores.refreshTokens.find('c'))?.revoked).toBe(true);
        expect((await stores.refreshTokens.find('d'))?.revoked).toBe(false);
        expect(await stores.refreshTokens.revokeClient('client-a')).toBe(0);
        expect(await stores.refreshTokens.revokeClient('no-such-client')).toBe(0);
      });

      it('revokes every refresh token of an owner, across clients and families, counting the newly revoked ones', async () => {
        await stores.refreshTokens.save(refreshToken({ tokenHash: 'a' }));
        await stores.refreshTokens.save(refreshToken({ tokenHash: 'b', familyId: 'fam-2', revoked: true }));
        await stores.refreshTokens.save(refreshToken({ tokenHash: 'c', familyId: 'fam-3', clientId: 'client-b' }));
        await stores.refreshTokens.save(refreshToken({ tokenHash: 'd', familyId: 'fam-4', sub: 'sub-bob' }));
        expect(await stores.refreshTokens.revokeSubject('sub-alice')).toBe(2);
        expect((await stores.refreshTokens.find('a'))?.revoked).toBe(true);
        expect((await stores.refreshTokens.find('b'))?.revoked).toBe(true);
        expect((await stores.refreshTokens.find('c'))?.revoked).toBe(true);
        expect((await stores.refreshTokens.find('d'))?.revoked).toBe(false);
        expect(await stores.refreshTokens.revokeSubject('sub-alice')).toBe(0);
        expect(await stores.refreshTokens.revokeSubject('sub-nobody')).toBe(0);
      });

      it("lists an owner's live refresh tokens (not revoked, not rotated, not expired), oldest first", async () => {
        const now = T0 + 1_000;
        await stores.refreshTokens.save(refreshToken({ tokenHash: 'a', createdAt: T0 + 20 }));
        await stores.refreshTokens.save(refreshToken({ tokenHash: 'b', familyId: 'fam-2', clientId: 'client-b' }));
        await stores.refreshTokens.save(refreshToken({ tokenHash: 'rev', familyId: 'fam-3', revoked: true }));
        await stores.refreshTokens.save(refreshToken({ tokenHash: 'used', familyId: 'fam-4', usedAt: T0 }));
        await stores.refreshTokens.save(refreshToken({ tokenHash: 'old', familyId: 'fam-5', expiresAt: now }));
        await stores.refreshTokens.save(refreshToken({ tokenHash: 'bob', familyId: 'fam-6', sub: 'sub-bob' }));
        const live = await stores.refreshTokens.listActiveForSubject('sub-alice', now);
        expect(live.map((r) => r.tokenHash)).toEqual(['b', 'a']);
        expect(live[1]).toEqual(refreshToken({ tokenHash: 'a', createdAt: T0 + 20 }));
        await stores.refreshTokens.revokeFamily('fam-2');
        expect((await stores.refreshTokens.listActiveForSubject('sub-alice', now)).map((r) => r.tokenHash)).toEqual([
          'a',
        ]);
      });

      it("revokes an owner's refresh tokens and saves the owner's watermark in one transaction", async () => {
        await stores.owners.save(owner());
        await stores.refreshTokens.save(refreshToken());
        await stores.transaction(async (tx) => {
          await tx.owners.save(owner({ disabled: true, disabledAt: T0 + 7 }));
          expect(await tx.refreshTokens.revokeSubject('sub-alice')).toBe(1);
        });
        expect(await stores.owners.find('sub-alice')).toMatchObject({ disabled: true, disabledAt: T0 + 7 });
        expect((await stores.refreshTokens.find('rt-1'))?.revoked).toBe(true);
        // Re-enabling keeps the watermark.
        await stores.owners.save(owner({ disabled: false, disabledAt: T0 + 7 }));
        expect(await stores.owners.find('sub-alice')).toMatchObject({ disabled: false, disabledAt: T0 + 7 });
      });

      it('deletes expired records only', async () => {
        await stores.refreshTokens.save(refreshToken({ tokenHash: 'old', expiresAt: T0 }));
        await stores.refreshTokens.save(refreshToken({ tokenHash: 'new', expiresAt: T0 + 10 }));
        expect(await stores.refreshTokens.deleteExpired(T0 + 1)).toBe(1);
        expect(await stores.refreshTokens.find('old')).toBeUndefined();
        expect(await stores.refreshTokens.find('new')).toBeDefined();
      });
    });

    describe('RevocationStore', () => {
      it('remembers revoked token ids and families', async () => {
        expect(await stores.revocations.isRevoked('jti-1')).toBe(false);
        await stores.revocations.revoke('jti-1', T0 + 10);
        await stores.revocations.revoke('jti-1', T0 + 10); // revoking twice is harmless
        expect(await stores.revocations.isRevoked('jti-1')).toBe(true);
        expect(await stores.revocations.isFamilyRevoked('fam-1')).toBe(false);
        await stores.revocations.revokeFamily('fam-1', T0 + 10);
        expect(await stores.revocations.isFamilyRevoked('fam-1')).toBe(true);
        expect(await stores.revocations.isRevoked('fam-1')).toBe(false);
      });

      it('deletes entries that expired, counting tokens and families', async () => {
        await stores.revocations.revoke('old', T0);
        await stores.revocations.revoke('new', T0 + 10);
        await stores.revocations.revokeFamily('fam-old', T0);
        expect(await stores.revocations.deleteExpired(T0 + 1)).toBe(2);
        expect(await stores.revocations.isRevoked('old')).toBe(false);
        expect(await stores.revocations.isRevoked('new')).toBe(true);
        expect(await stores.revocations.isFamilyRevoked('fam-old')).toBe(false);
      });
    });

    describe('EncryptionKeyStore', () => {
      const encryptionKey = (overrides: Partial<EncryptionKeyRecord> = {}): EncryptionKeyRecord => ({
        kid: 'e1',
        alg: 'ECDH-ES+A256KW',
        wrappedPrivateKey: 'eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..iv.ciphertext.tag',
        publicJwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' },
        status: 'active',
        createdAt: T0,
        ...overrides,
      });

      it('lists keys oldest first, replaces a key saved again, deletes one, and keeps them apart from signing keys', async () => {
        await stores.encryptionKeys.save(encryptionKey({ kid: 'e2', createdAt: T0 + 1 }));
        await stores.encryptionKeys.save(encryptionKey());
        expect((await stores.encryptionKeys.list()).map((k) => k.kid)).toEqual(['e1', 'e2']);
        const retired = encryptionKey({ status: 'retired', expiresAt: T0 + 99 });
        await stores.encryptionKeys.save(retired);
        expect((await stores.encryptionKeys.list())[0]).toEqual(retired);
        expect(await stores.signingKeys.list()).toEqual([]);
        await stores.encryptionKeys.delete('e2');
        expect(await stores.encryptionKeys.list()).toEqual([retired]);
      });

      it('replaces a key kept in clear by its wrapped form, leaving no clear private key', async () => {
        const clear: EncryptionKeyRecord = {
          ...encryptionKey(),
          privateJwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'private' },
        };
        delete clear.wrappedPrivateKey;
        await stores.encryptionKeys.save(clear);
        expect(await stores.encryptionKeys.list()).toEqual([clear]);
        const wrapped: EncryptionKeyRecord = { ...clear, wrappedPrivateKey: 'eyJ.wrapped' };
        delete wrapped.privateJwk;
        await stores.encryptionKeys.save(wrapped);
        const [stored] = await stores.encryptionKeys.list();
        expect(stored).toEqual(wrapped);
        expect(stored).not.toHaveProperty('privateJwk');
      });
    });

    describe('SigningKeyStore', () => {
      it('saves, lists oldest first, updates and deletes keys', async () => {
        await stores.signingKeys.save(signingKey({ kid: 'k2', alg: 'PS256', createdAt: T0 + 1 }));
        await stores.signingKeys.save(signingKey());
        expect(await stores.signingKeys.list()).toEqual([
          signingKey(),
          signingKey({ kid: 'k2', alg: 'PS256', createdAt: T0 + 1 }),
        ]);
        await stores.signingKeys.save(signingKey({ status: 'retired', expiresAt: T0 + 99 }));
        expect((await stores.signingKeys.list())[0]).toEqual(signingKey({ status: 'retired', expiresAt: T0 + 99 }));
        await stores.signingKeys.delete('kid-1');
        expect((await stores.signingKeys.list()).map((k) => k.kid)).toEqual(['k2']);
      });

      it('replaces a key kept in clear by its wrapped form, leaving no clear private key', async () => {
        const clear: SigningKeyRecord = {
          ...signingKey({ alg: 'RS256' }),
          privateJwk: { kty: 'RSA', n: 'n', e: 'AQAB', d: 'private' },
        };
        delete clear.wrappedPrivateKey;
        await stores.signingKeys.save(clear);
        expect(await stores.signingKeys.list()).toEqual([clear]);
        const wrapped: SigningKeyRecord = { ...clear, wrappedPrivateKey: 'eyJ.wrapped' };
        delete wrapped.privateJwk;
        await stores.signingKeys.save(wrapped);
        const [stored] = await stores.signingKeys.list();
        expect(stored).toEqual(wrapped);
        expect(stored).not.toHaveProperty('privateJwk');
      });
    });

    describe('OutboxStore', () => {
      it('enqueues and finds a message', async () => {
        await stores.outbox.enqueue(outboxMessage());
        expect(await stores.outbox.find('ob-1')).toEqual(outboxMessage());
        expect(await stores.outbox.find('missing')).toBeUndefined();
      });

      it('returns pending messages due at or before now, earliest attempt first, up to the limit', async () => {
        await stores.outbox.enqueue(outboxMessage({ id: 'later', nextAttemptAt: T0 + 20 }));
        await stores.outbox.enqueue(outboxMessage({ id: 'first', nextAttemptAt: T0 + 10 }));
        await stores.outbox.enqueue(outboxMessage({ id: 'future', nextAttemptAt: T0 + 1_000 }));
        await stores.outbox.enqueue(outboxMessage({ id: 'done', nextAttemptAt: T0, status: 'delivered' }));
        await stores.outbox.enqueue(outboxMessage({ id: 'at-now', nextAttemptAt: T0 + 100 }));
        expect((await stores.outbox.due(T0 + 100, 10)).map((m) => m.id)).toEqual(['first', 'later', 'at-now']);
        expect((await stores.outbox.due(T0 + 100, 1)).map((m) => m.id)).toEqual(['first']);
      });

      it('updates a message: a delivered message is no longer due, a rescheduled one is due later', async () => {
        await stores.outbox.enqueue(outboxMessage({ id: 'a' }));
        await stores.outbox.enqueue(outboxMessage({ id: 'b' }));
        await stores.outbox.update('a', { status: 'delivered', attempts: 1 });
        await stores.outbox.update('b', { attempts: 1, nextAttemptAt: T0 + 500, lastError: 'HTTP 503' });
        expect(await stores.outbox.due(T0 + 499, 10)).toEqual([]);
        expect(await stores.outbox.find('b')).toEqual(
          outboxMessage({ id: 'b', attempts: 1, nextAttemptAt: T0 + 500, lastError: 'HTTP 503' }),
        );
        expect((await stores.outbox.find('a'))?.status).toBe('delivered');
      });
    });

    describe('OutboxStore.nextDueAt', () => {
      it('is undefined while no message is pending', async () => {
        expect(await stores.outbox.nextDueAt()).toBeUndefined();
        await stores.outbox.enqueue(outboxMessage({ id: 'done', status: 'delivered' }));
        await stores.outbox.enqueue(outboxMessage({ id: 'gave-up', status: 'failed', nextAttemptAt: T0 - 10 }));
        expect(await stores.outbox.nextDueAt()).toBeUndefined();
      });

      it('is the earliest next attempt among pending messages, due already or not', async () => {
        await stores.outbox.enqueue(outboxMessage({ id: 'later', nextAttemptAt: T0 + 20 }));
        await stores.outbox.enqueue(outboxMessage({ id: 'first', nextAttemptAt: T0 + 10 }));
        await stores.outbox.enqueue(outboxMessage({ id: 'done', nextAttemptAt: T0, status: 'delivered' }));
        expect(await stores.outbox.nextDueAt()).toBe(T0 + 10);
        await stores.outbox.enqueue(outboxMessage({ id: 'overdue', nextAttemptAt: T0 - 5 }));
        expect(await stores.outbox.nextDueAt()).toBe(T0 - 5);
      });

      it('follows leases, rescheduled retries and finished messages', async () => {
        await stores.outbox.enqueue(outboxMessage({ id: 'a', nextAttemptAt: T0 }));
        await stores.outbox.enqueue(outboxMessage({ id: 'b', nextAttemptAt: T0 + 100 }));
        await stores.outbox.lease('a', T0, T0 + 30_000);
        expect(await stores.outbox.nextDueAt()).toBe(T0 + 100);
        await stores.outbox.update('b', { status: 'delivered' });
        expect(await stores.outbox.nextDueAt()).toBe(T0 + 30_000);
        await stores.outbox.update('a', { nextAttemptAt: T0 + 400, lastError: 'HTTP 503' });
        expect(await stores.outbox.nextDueAt()).toBe(T0 + 400);
        await stores.outbox.update('a', { status: 'failed' });
        expect(await stores.outbox.nextDueAt()).toBeUndefined();
        await stores.outbox.update('a', { status: 'pending', nextAttemptAt: T0 + 7 });
        expect(await stores.outbox.nextDueAt()).toBe(T0 + 7);
      });
    });

    describe('OutboxStore.deleteFinished', () => {
      /** A message queued at `at`, with the time-ordered id the provider gives it. */
      const queuedAt = (at: number, patch: Partial<OutboxMessage> = {}): OutboxMessage =>
        outboxMessage({ id: uuidV7(at), createdAt: at, nextAttemptAt: at, ...patch });
      const enqueue = async (messages: OutboxMessage[]) => {
        for (const message of messages) await stores.outbox.enqueue(message);
      };

      it('deletes delivered and failed messages created before the cutoff and keeps later ones', async () => {
        const delivered = queuedAt(T0 - 3_000, { status: 'delivered', attempts: 1 });
        const failed = queuedAt(T0 - 2_000, { status: 'failed', attempts: 1, lastError: 'HTTP 401' });
        const atCutoff = queuedAt(T0, { status: 'delivered' });
        const later = queuedAt(T0 + 1, { status: 'failed' });
        await enqueue([delivered, failed, atCutoff, later]);
        expect(await stores.outbox.deleteFinished(T0, 10)).toBe(2);
        expect(await stores.outbox.find(delivered.id)).toBeUndefined();
        expect(await stores.outbox.find(failed.id)).toBeUndefined();
        expect(await stores.outbox.find(atCutoff.id)).toEqual(atCutoff);
        expect(await stores.outbox.find(later.id)).toEqual(later);
        expect(await stores.outbox.deleteFinished(T0, 10)).toBe(0);
      });

      it('never deletes a pending message, however old and whatever its id', async () => {
        const pending = [
          queuedAt(T0 - 86_400_000),
          queuedAt(T0 - 5_000, { attempts: 3, nextAttemptAt: T0 + 60_000, lastError: 'HTTP 503' }),
          // Random (v4) ids written by earlier versions: below every UUIDv7 bound, and above.
          outboxMessage({ id: '00000000-0000-4000-8000-000000000000', createdAt: 1, nextAttemptAt: 1 }),
          outboxMessage({ id: 'ffffffff-ffff-4fff-bfff-ffffffffffff', createdAt: 1, nextAttemptAt: 1 }),
        ];
        await enqueue(pending);
        expect(await stores.outbox.deleteFinished(T0, 100)).toBe(0);
        expect(await stores.outbox.deleteFinished(Number.MAX_SAFE_INTEGER, 100)).toBe(0);
        for (const message of pending) expect(await stores.outbox.find(message.id)).toEqual(message);
      });

      it('deletes a message once it has finished, not while it was pending', async () => {
        const message = queuedAt(T0 - 1_000);
        await stores.outbox.enqueue(message);
        expect(await stores.outbox.deleteFinished(T0, 10)).toBe(0);
        await stores.outbox.update(message.id, { status: 'delivered', attempts: 1 });
        expect(await stores.outbox.deleteFinished(T0, 10)).toBe(1);
        expect(await stores.outbox.find(message.id)).toBeUndefined();
      });

      it('deletes at most `limit` messages per call, oldest first', async () => {
        const messages = [T0 - 4_000, T0 - 3_000, T0 - 2_000].map((at) => queuedAt(at, { status: 'delivered' }));
        await enqueue([...messages].reverse());
        expect(await stores.outbox.deleteFinished(T0, 0)).toBe(0);
        expect(await stores.outbox.deleteFinished(T0, 2)).toBe(2);
        expect(await stores.outbox.find(messages[0].id)).toBeUndefined();
        expect(await stores.outbox.find(messages[1].id)).toBeUndefined();
        expect(await stores.outbox.find(messages[2].id)).toEqual(messages[2]);
        expect(await stores.outbox.deleteFinished(T0, 2)).toBe(1);
        expect(await stores.outbox.find(messages[2].id)).toBeUndefined();
      });
    });

    describe('OutboxStore.lease', () => {
      it('leases a due pending message: pushes its next attempt to `until` and counts the attempt', async () => {
        await stores.outbox.enqueue(outboxMessage({ attempts: 2, nextAttemptAt: T0 + 10 }));
        const leased = await stores.outbox.lease('ob-1', T0 + 10, T0 + 30_000);
        const expected = outboxMessage({ attempts: 3, nextAttemptAt: T0 + 30_000 });
        expect(leased).toEqual(expected);
        expect(await stores.outbox.find('ob-1')).toEqual(expected);
        expect(await stores.outbox.due(T0 + 29_999, 10)).toEqual([]);
        expect((await stores.outbox.due(T0 + 30_000, 10)).map((m) => m.id)).toEqual(['ob-1']);
      });

      it('refuses a message that is not yet due, not pending, or unknown, changing nothing', async () => {
        await stores.outbox.enqueue(outboxMessage({ id: 'future', nextAttemptAt: T0 + 11 }));
        await stores.outbox.enqueue(outboxMessage({ id: 'delivered', status: 'delivered' }));
        await stores.outbox.enqueue(outboxMessage({ id: 'failed', status: 'failed' }));
        expect(await stores.outbox.lease('future', T0 + 10, T0 + 1_000)).toBeUndefined();
        expect(await stores.outbox.lease('delivered', T0 + 10, T0 + 1_000)).toBeUndefined();
        expect(await stores.outbox.lease('failed', T0 + 10, T0 + 1_000)).toBeUndefined();
        expect(await stores.outbox.lease('missing', T0 + 10, T0 + 1_000)).toBeUndefined();
        expect(await stores.outbox.find('future')).toEqual(outboxMessage({ id: 'future', nextAttemptAt: T0 + 11 }));
        expect(await stores.outbox.find('delivered')).toEqual(outboxMessage({ id: 'delivered', status: 'delivered' }));
      });

      it('refuses a second lease while the first one holds, and grants one after it lapses', async () => {
        await stores.outbox.enqueue(outboxMessage());
        expect(await stores.outbox.lease('ob-1', T0, T0 + 1_000)).toBeDefined();
        expect(await stores.outbox.lease('ob-1', T0 + 999, T0 + 2_000)).toBeUndefined();
        const again = await stores.outbox.lease('ob-1', T0 + 1_000, T0 + 2_000);
        expect(again).toEqual(outboxMessage({ attempts: 2, nextAttemptAt: T0 + 2_000 }));
      });

      it('lets exactly one of two concurrent leases win', async () => {
        await stores.outbox.enqueue(outboxMessage());
        const [a, b] = await Promise.all([
          stores.outbox.lease('ob-1', T0, T0 + 1_000),
          stores.outbox.lease('ob-1', T0, T0 + 2_000),
        ]);
        const winners = [a, b].filter((m) => m !== undefined);
        expect(winners).toHaveLength(1);
        expect(await stores.outbox.find('ob-1')).toEqual(winners[0]);
        expect(winners[0]!.attempts).toBe(1);
      });

      it('lets exactly one of many concurrent leases win, counting one attempt', async () => {
        await stores.outbox.enqueue(outboxMessage());
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) => stores.outbox.lease('ob-1', T0, T0 + 1_000 + i)),
        );
        const winners = results.filter((m) => m !== undefined);
        expect(winners).toHaveLength(1);
        expect(await stores.outbox.find('ob-1')).toEqual(
          outboxMessage({ attempts: 1, nextAttemptAt: winners[0]!.nextAttemptAt }),
        );
      });
    });

    describe('AuditStore', () => {
      it('lists events with the same `at` in the order they were appended, whatever their ids', async () => {
        // Ids deliberately out of lexical order: only the insertion order may decide.
        const ids = ['m', 'z', 'a', 'q', 'b', 'y', 'c', 'x'];
        for (const id of ids) {
          await stores.audit.append({ id: `e-${id}`, at: T0, type: 'auth_request.approved', authRequestId: 'ar-1' });
        }
        await stores.audit.append({
          id: 'e-0-earlier',
          at: T0 - 1,
          type: 'auth_request.created',
          authRequestId: 'ar-1',
        });
        const expected = ['e-0-earlier', ...ids.map((id) => `e-${id}`)];
        expect((await stores.audit.list({ authRequestId: 'ar-1' })).map((e) => e.id)).toEqual(expected);
        expect((await stores.audit.list({})).map((e) => e.id)).toEqual(expected);
        expect((await stores.audit.list({ limit: 3 })).map((e) => e.id)).toEqual(expected.slice(0, 3));
        expect(await stores.audit.list({})).not.toContainEqual(expect.objectContaining({ seq: expect.anything() }));
      });

      it('keeps insertion order for same-instant events appended inside a transaction', async () => {
        await stores.transaction(async (tx) => {
          await tx.audit.append({ id: 'tx-2', at: T0, type: 'auth_request.approved', sub: 'sub-alice' });
          await tx.audit.append({ id: 'tx-1', at: T0, type: 'tokens.issued', sub: 'sub-alice' });
        });
        await stores.audit.append({ id: 'tx-0', at: T0, type: 'notification.delivered', sub: 'sub-alice' });
        expect((await stores.audit.list({ sub: 'sub-alice' })).map((e) => e.id)).toEqual(['tx-2', 'tx-1', 'tx-0']);
      });

      it('appends events and lists them in time order, filtered and limited', async () => {
        await stores.audit.append({
          id: 'e2',
          at: T0 + 2,
          type: 'auth_request.approved',
          sub: 'sub-alice',
          authRequestId: 'ar-1',
        });
        await stores.audit.append({
          id: 'e1',
          at: T0 + 1,
          type: 'auth_request.created',
          clientId: 'client-a',
          sub: 'sub-alice',
          authRequestId: 'ar-1',
          data: { scope: 'openid', n: 1 },
        });
        await stores.audit.append({
          id: 'e3',
          at: T0 + 3,
          type: 'auth_request.created',
          sub: 'sub-bob',
          authRequestId: 'ar-2',
        });
        const forRequest = (await stores.audit.list({ authRequestId: 'ar-1' })).map(
          ({ prevHash: _p, hash: _h, ...event }) => event,
        );
        expect(forRequest).toEqual([
          {
            id: 'e1',
            at: T0 + 1,
            type: 'auth_request.created',
            clientId: 'client-a',
            sub: 'sub-alice',
            authRequestId: 'ar-1',
            data: { scope: 'openid', n: 1 },
          },
          { id: 'e2', at: T0 + 2, type: 'auth_request.approved', sub: 'sub-alice', authRequestId: 'ar-1' },
        ]);
        expect((await stores.audit.list({ sub: 'sub-bob' })).map((e) => e.id)).toEqual(['e3']);
        expect((await stores.audit.list({ limit: 2 })).map((e) => e.id)).toEqual(['e1', 'e2']);
        expect(await stores.audit.list({ sub: 'sub-alice', authRequestId: 'ar-2' })).toEqual([]);
      });
    });

    describe('transaction', () => {
      it('commits the writes of a callback that resolves and returns its value', async () => {
        const value = await stores.transaction(async (tx) => {
          await tx.authRequests.create(authRequest());
          await tx.outbox.enqueue(outboxMessage());
          return 42;
        });
        expect(value).toBe(42);
        expect(await stores.authRequests.find('ar-1')).toBeDefined();
        expect(await stores.outbox.find('ob-1')).toBeDefined();
      });

      it('sees its own writes inside the transaction', async () => {
        await stores.transaction(async (tx) => {
          await tx.authRequests.create(authRequest());
          expect((await tx.authRequests.transition('ar-1', 'pending', { status: 'approved' }))?.status).toBe(
            'approved',
          );
        });
        expect((await stores.authRequests.find('ar-1'))?.status).toBe('approved');
      });

      it('propagates the error of a callback that throws', async () => {
        await expect(
          stores.transaction(async () => {
            throw new Error('boom');
          }),
        ).rejects.toThrow('boom');
      });

      itRollsBack('rolls back every write of a callback that throws', async () => {
        await stores.authRequests.create(authRequest());
        await expect(
          stores.transaction(async (tx) => {
            await tx.authRequests.transition('ar-1', 'pending', { status: 'approved' });
            await tx.outbox.enqueue(outboxMessage());
            await tx.replay.consume('jti-tx', T0 + 1);
            throw new Error('boom');
          }),
        ).rejects.toThrow('boom');
        expect((await stores.authRequests.find('ar-1'))?.status).toBe('pending');
        expect(await stores.outbox.find('ob-1')).toBeUndefined();
        expect(await stores.replay.consume('jti-tx', T0 + 1)).toBe(true);
      });

      itRollsBack(
        'keeps an owner enabled and their refresh tokens live when the disabling transaction fails',
        async () => {
          await stores.owners.save(owner());
          await stores.owners.find('sub-alice'); // cached, if the store caches
          await stores.refreshTokens.save(refreshToken());
          await expect(
            stores.transaction(async (tx) => {
              await tx.owners.save(owner({ disabled: true, disabledAt: T0 + 7 }));
              await tx.refreshTokens.revokeSubject('sub-alice');
              throw new Error('boom');
            }),
          ).rejects.toThrow('boom');
          expect(await stores.owners.find('sub-alice')).toEqual(owner());
          expect((await stores.refreshTokens.find('rt-1'))?.revoked).toBe(false);
        },
      );

      it('reads committed clients inside a transaction, and its own change of one', async () => {
        await stores.clients.save(client());
        expect((await stores.clients.find('client-a'))?.clientName).toBe('Head unit'); // cached, if the store caches
        await stores.transaction(async (tx) => {
          expect((await tx.clients.find('client-a'))?.clientName).toBe('Head unit');
          await tx.clients.save(client({ clientName: 'Renamed' }));
          expect((await tx.clients.find('client-a'))?.clientName).toBe('Renamed');
        });
        expect((await stores.clients.find('client-a'))?.clientName).toBe('Renamed');
      });

      itRollsBack('keeps no trace of a rolled-back change of a client read inside the transaction', async () => {
        await stores.clients.save(client());
        await stores.clients.find('client-a');
        await expect(
          stores.transaction(async (tx) => {
            await tx.clients.save(client({ clientName: 'Doomed' }));
            expect((await tx.clients.find('client-a'))?.clientName).toBe('Doomed');
            throw new Error('boom');
          }),
        ).rejects.toThrow('boom');
        expect((await stores.clients.find('client-a'))?.clientName).toBe('Head unit');
      });

      itRollsBack('keeps concurrent work outside a transaction out of its rollback', async () => {
        let release!: () => void;
        const gate = new Promise<void>((r) => (release = r));
        const tx = stores.transaction(async (t) => {
          await t.outbox.enqueue(outboxMessage({ id: 'in-tx' }));
          await gate;
          throw new Error('abort');
        });
        const outside = stores.outbox.enqueue(outboxMessage({ id: 'outside' }));
        release();
        await expect(tx).rejects.toThrow('abort');
        await outside;
        expect(await stores.outbox.find('in-tx')).toBeUndefined();
        expect(await stores.outbox.find('outside')).toBeDefined();
      });

      it('serialises concurrent transactions that both complete', async () => {
        await Promise.all(
          ['a', 'b', 'c'].map((id) =>
            stores.transaction(async (tx) => {
              await tx.outbox.enqueue(outboxMessage({ id }));
              await new Promise((r) => setTimeout(r, 5));
              await tx.outbox.update(id, { attempts: 1 });
            }),
          ),
        );
        for (const id of ['a', 'b', 'c']) expect((await stores.outbox.find(id))?.attempts).toBe(1);
      });
    });
    describe('audit hash chain', () => {
      it('chains every appended event to the one before it, in append order', async () => {
        await stores.audit.append({ id: 'c1', at: T0 + 5, type: 'owner.enrolled', sub: 'sub-alice' });
        await stores.transaction(async (tx) => {
          await tx.audit.append({ id: 'c2', at: T0, type: 'auth_request.approved', sub: 'sub-alice' });
        });
        await stores.audit.append({ id: 'c3', at: T0 + 1, type: 'auth_request.denied', data: { reason: 'not_me' } });
        const chain = await stores.audit.chain();
        expect(chain.map((e) => e.id)).toEqual(['c1', 'c2', 'c3']);
        expect(chain[0].prevHash).toBe('genesis');
        expect(chain[1].prevHash).toBe(chain[0].hash);
        expect(chain[2].prevHash).toBe(chain[1].hash);
        expect(verifyAuditChain(chain)).toBeUndefined();
        const altered = chain.map((e) => (e.id === 'c2' ? { ...e, type: 'auth_request.denied' } : e));
        expect(verifyAuditChain(altered)).toEqual({ index: 1, id: 'c2', reason: 'hash_mismatch' });
      });

      itRollsBack('an event appended in a transaction that rolls back leaves no link in the chain', async () => {
        await stores.audit.append({ id: 'r1', at: T0, type: 'owner.enrolled', sub: 'sub-alice' });
        await expect(
          stores.transaction(async (tx) => {
            await tx.audit.append({ id: 'r2', at: T0 + 1, type: 'auth_request.approved', sub: 'sub-alice' });
            throw new Error('the caller fails after the append');
          }),
        ).rejects.toThrow('the caller fails');
        await stores.audit.append({ id: 'r3', at: T0 + 2, type: 'auth_request.denied', sub: 'sub-alice' });
        const chain = await stores.audit.chain();
        expect(chain.map((e) => e.id)).toEqual(['r1', 'r3']);
        expect(chain[1].prevHash).toBe(chain[0].hash);
        expect(verifyAuditChain(chain)).toBeUndefined();
      });

      it('concurrent transactions each appending several events never fork the chain', async () => {
        await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            stores.transaction(async (tx) => {
              await tx.audit.append({ id: `p${i}-a`, at: T0 + i, type: 'auth_request.created', sub: 'sub-alice' });
              await tx.audit.append({ id: `p${i}-b`, at: T0 + i, type: 'auth_request.approved', sub: 'sub-alice' });
            }),
          ),
        );
        const chain = await stores.audit.chain();
        expect(chain).toHaveLength(16);
        expect(new Set(chain.map((e) => e.prevHash)).size).toBe(16);
        expect(verifyAuditChain(chain)).toBeUndefined();
      });
    });

    describe('passkeys', () => {
      const passkey = (overrides: Partial<Passkey> = {}): Passkey => ({
        id: 'pk-1',
        sub: 'sub-alice',
        name: 'Phone',
        credentialId: 'cred-1',
        publicKey: 'cose-key',
        algorithm: -7,
        counter: 0,
        transports: ['internal', 'hybrid'],
        createdAt: T0,
        ...overrides,
      });

      it('keeps passkeys, finds them by credential id and lists an owner’s in creation order', async () => {
        await stores.passkeys.savePasskey(passkey({ id: 'pk-2', credentialId: 'cred-2', createdAt: T0 + 1 }));
        await stores.passkeys.savePasskey(passkey());
        await stores.passkeys.savePasskey(passkey({ id: 'pk-3', sub: 'sub-bob', credentialId: 'cred-3' }));
        expect(await stores.passkeys.findPasskeyByCredentialId('cred-1')).toEqual(passkey());
        expect((await stores.passkeys.listPasskeys('sub-alice')).map((p) => p.id)).toEqual(['pk-1', 'pk-2']);
        await stores.passkeys.recordUse('pk-1', 7, T0 + 9);
        expect(await stores.passkeys.findPasskey('pk-1')).toMatchObject({ counter: 7, lastUsedAt: T0 + 9 });
      });

      it('removes a passkey once, and its sessions with it', async () => {
        await stores.passkeys.savePasskey(passkey());
        const session = { tokenHash: 's-1', sub: 'sub-alice', deviceId: 'pk-1', createdAt: T0, expiresAt: T0 + 60_000 };
        await stores.passkeys.saveSession(session);
        await stores.passkeys.saveSession({ ...session, tokenHash: 's-2', deviceId: 'pk-other' });
        expect(await stores.passkeys.findSession('s-1')).toEqual(session);
        expect(await stores.passkeys.removePasskey('pk-1', T0 + 1)).toBe(true);
        expect(await stores.passkeys.removePasskey('pk-1', T0 + 2)).toBe(false);
        expect((await stores.passkeys.findPasskey('pk-1'))?.removedAt).toBe(T0 + 1);
        expect(await stores.passkeys.findSession('s-1')).toBeUndefined();
        expect(await stores.passkeys.findSession('s-2')).toBeDefined();
      });

      it('lets an invitation be used once, and not after it expired', async () => {
        const invitation = { id: 'inv-1', tokenHash: 't-1', sub: 'sub-alice', createdAt: T0, expiresAt: T0 + 1000 };
        await stores.passkeys.saveInvitation(invitation);
        await stores.passkeys.saveInvitation({ ...invitation, id: 'inv-2', tokenHash: 't-2', createdBy: 'pk-1' });
        expect(await stores.passkeys.findInvitation('t-1')).toEqual(invitation);
        expect(await stores.passkeys.useInvitation('inv-1', T0 + 1)).toBe(true);
        expect(await stores.passkeys.useInvitation('inv-1', T0 + 2)).toBe(false);
        expect((await stores.passkeys.findInvitation('t-1'))?.usedAt).toBe(T0 + 1);
        expect(await stores.passkeys.useInvitation('inv-2', T0 + 1000)).toBe(false);
        expect(await stores.passkeys.findInvitation('t-2')).toMatchObject({ createdBy: 'pk-1' });
      });

      it('hands a challenge out once', async () => {
        const challenge = {
          id: 'ch-1',
          purpose: 'approval' as const,
          challenge: 'abc',
          sub: 'sub-alice',
          authRequestId: 'ar-1',
          deviceId: 'pk-1',
          commitment: '{"a":1}',
          expiresAt: T0 + 1000,
        };
        await stores.passkeys.saveChallenge(challenge);
        const [first, second] = await Promise.all([
          stores.passkeys.takeChallenge('ch-1'),
          stores.passkeys.takeChallenge('ch-1'),
        ]);
        expect([first, second].filter(Boolean)).toEqual([challenge]);
        expect(await stores.passkeys.takeChallenge('ch-1')).toBeUndefined();
      });

      it('keeps approval assertions and sweeps expired sessions, challenges and invitations', async () => {
        const assertion = {
          authRequestId: 'ar-1',
          sub: 'sub-alice',
          deviceId: 'pk-1',
          credentialId: 'cred-1',
          publicKey: 'cose',
          algorithm: -8,
          commitment: '{}',
          authenticatorData: 'ad',
          clientDataJSON: 'cd',
          signature: 'sig',
          userHandle: 'uh',
          createdAt: T0,
        };
        await stores.passkeys.saveAssertion(assertion);
        expect(await stores.passkeys.findAssertion('ar-1')).toEqual(assertion);
        expect(await stores.passkeys.listAssertions()).toEqual([assertion]);
        await stores.passkeys.saveSession({ tokenHash: 's', sub: 'a', deviceId: 'd', createdAt: T0, expiresAt: T0 });
        await stores.passkeys.saveChallenge({ id: 'c', purpose: 'sign_in', challenge: 'x', expiresAt: T0 });
        await stores.passkeys.saveInvitation({ id: 'i', tokenHash: 't', sub: 'a', createdAt: T0, expiresAt: T0 + 5 });
        expect(await stores.passkeys.deleteExpired(T0 + 1)).toBe(2);
        expect(await stores.passkeys.findInvitation('t')).toBeDefined();
      });
    });

    describe('owner push', () => {
      const subscription = (overrides: Partial<PushSubscriptionRecord> = {}): PushSubscriptionRecord => ({
        id: 'ps-1',
        sub: 'sub-alice',
        deviceId: 'pk-1',
        endpoint: 'https://push.example/send/1',
        p256dh: 'BP256',
        auth: 'auth-secret',
        createdAt: T0,
        ...overrides,
      });

      it('stores the VAPID key once: a second key of the same kid is not added, a re-wrapped one replaces it', async () => {
        const key = { kid: 'vapid', publicKey: 'BPub', wrappedPrivateKey: 'wrapped-1', createdAt: T0 };
        expect(await stores.push.addVapidKey(key)).toBe(true);
        expect(await stores.push.addVapidKey({ ...key, publicKey: 'BOther', wrappedPrivateKey: 'w2' })).toBe(false);
        expect(await stores.push.listVapidKeys()).toEqual([key]);
        await stores.push.saveVapidKey({ ...key, wrappedPrivateKey: 'rewrapped' });
        expect(await stores.push.listVapidKeys()).toEqual([{ ...key, wrappedPrivateKey: 'rewrapped' }]);
      });

      it('keeps one subscription per endpoint and lists an owner’s in creation order', async () => {
        await stores.push.saveSubscription(
          subscription({ id: 'ps-2', endpoint: 'https://push.example/2', createdAt: T0 + 1 }),
        );
        await stores.push.saveSubscription(subscription());
        await stores.push.saveSubscription(
          subscription({ id: 'ps-3', sub: 'sub-bob', endpoint: 'https://push.example/3' }),
        );
        expect(await stores.push.findSubscription('ps-1')).toEqual(subscription());
        expect((await stores.push.listSubscriptions('sub-alice')).map((s) => s.id)).toEqual(['ps-1', 'ps-2']);
        // The same browser subscribes again, now for Bob: the endpoint moves, the old row goes.
        await stores.push.saveSubscription(subscription({ id: 'ps-4', sub: 'sub-bob', createdAt: T0 + 2 }));
        expect(await stores.push.findSubscription('ps-1')).toBeUndefined();
        expect((await stores.push.listSubscriptions('sub-bob')).map((s) => s.id)).toEqual(['ps-3', 'ps-4']);
      });

      it('deletes subscriptions by id, by the owner’s endpoint and by device', async () => {
        await stores.push.saveSubscription(subscription());
        await stores.push.saveSubscription(subscription({ id: 'ps-2', endpoint: 'https://push.example/2' }));
        await stores.push.saveSubscription(
          subscription({ id: 'ps-3', deviceId: 'pk-2', endpoint: 'https://push.example/3' }),
        );
        expect(await stores.push.deleteSubscriptionByEndpoint('sub-bob', 'https://push.example/2')).toBe(false);
        expect(await stores.push.deleteSubscriptionByEndpoint('sub-alice', 'https://push.example/2')).toBe(true);
        expect(await stores.push.deleteSubscription('ps-3')).toBe(true);
        expect(await stores.push.deleteSubscription('ps-3')).toBe(false);
        await stores.push.saveSubscription(subscription({ id: 'ps-5', endpoint: 'https://push.example/5' }));
        expect(await stores.push.deleteDeviceSubscriptions('pk-1')).toBe(2);
        expect(await stores.push.listSubscriptions('sub-alice')).toEqual([]);
      });
    });
  });
}
