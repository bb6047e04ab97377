import { createServer, type AddressInfo, type Server } from 'node:net';
import { PATHS } from '@onboard/ciba-core';
import { get, sendJson } from '../support/http';
import { startProvider, type TestProvider } from '../support/provider';
import {
  backchannel,
  bindingMessage,
  clientMetadata,
  cibaToken,
  createOwner,
  registerClient,
  type TestClient,
} from '../support/fixtures';
import { generateTestKey, requestObject } from '../support/jose-helpers';
import { expectOAuthError } from '../support/expect';

/** Every class of target the provider refuses to send requests to, as a URL host, with what the refusal says. */
const REFUSED_HOSTS: [string, string, string][] = [
  ['loopback', '127.0.0.1', 'a loopback address'],
  ['loopback (another address of 127.0.0.0/8)', '127.10.0.1', 'a loopback address'],
  ['loopback, written as a number', '2130706433', 'a loopback address'],
  ['loopback, IPv6', '[::1]', 'a loopback address'],
  ['loopback, by name', 'localhost', 'a loopback name'],
  ['private, 10.0.0.0/8', '10.0.0.1', 'a private address (RFC 1918)'],
  ['private, 172.16.0.0/12', '172.16.5.4', 'a private address (RFC 1918)'],
  ['private, 192.168.0.0/16', '192.168.1.1', 'a private address (RFC 1918)'],
  ['carrier-grade NAT', '100.64.0.1', 'carrier-grade NAT'],
  ['link-local', '169.254.10.10', 'a link-local address'],
  ['link-local, IPv6', '[fe80::1]', 'a link-local address'],
  ['unique-local, IPv6', '[fd00::1]', 'a unique-local address'],
  ['IPv4-mapped loopback', '[::ffff:127.0.0.1]', 'an IPv4-mapped IPv6 address'],
  ['IPv4-mapped private', '[::ffff:10.0.0.1]', 'an IPv4-mapped IPv6 address'],
  ['NAT64 to a private address', '[64:ff9b::10.0.0.1]', 'a NAT64 address embedding 10.0.0.1'],
  ['6to4 with a private address', '[2002:c0a8:101::1]', 'a 6to4 address embedding 192.168.1.1'],
  ['unspecified', '0.0.0.0', 'an unspecified address'],
  ['unspecified, IPv6', '[::]', 'the unspecified address'],
  ['multicast', '224.0.0.1', 'a multicast address'],
  ['broadcast', '255.255.255.255', 'the broadcast address'],
  ['reserved', '240.0.0.1', 'a reserved or special-purpose address'],
  ['cloud metadata address', '169.254.169.254', 'a cloud metadata service address'],
  ['cloud metadata address, IPv6', '[fd00:ec2::254]', 'a cloud metadata service address'],
  ['cloud metadata address, Alibaba', '100.100.100.200', 'a cloud metadata service address'],
  ['cloud metadata name, GCP', 'metadata.google.internal', 'a cloud metadata service name'],
  ['cloud metadata name', 'metadata', 'a cloud metadata service name'],
  ['cloud metadata name, AWS', 'instance-data', 'a cloud metadata service name'],
];

describe('outbound request targets refused at registration (SSRF)', () => {
  let p: TestProvider;
  const dcr = (body: unknown) =>
    sendJson('POST', p.at(PATHS.registration), body, { authorization: `Bearer ${p.initialAccessToken}` });
  const admin = (body: unknown) =>
    sendJson('POST', p.at(`${PATHS.admin}/clients`), body, { authorization: `Bearer ${p.adminToken}` });

  beforeAll(async () => {
    p = await startProvider({ inMemory: true, env: { ALLOW_LOOPBACK_HTTP_NOTIFICATIONS: 'false' } });
  });
  afterAll(() => p?.close());

  it.each(REFUSED_HOSTS)(
    'refuses a notification endpoint on %s (%s) with invalid_client_metadata naming the field and why',
    async (_what, host, why) => {
      const endpoint = `https://${host}/cb`;
      const { metadata } = await clientMetadata({ mode: 'ping', notificationEndpoint: endpoint });
      const res = await dcr(metadata);
      expectOAuthError(res, 400, 'invalid_client_metadata');
      expect(res.json.error_description).toMatch(/^backchannel_client_notification_endpoint must not target /);
      expect(res.json.error_description).toContain(why);
    },
  );

  it.each(REFUSED_HOSTS)('refuses a jwks_uri on %s (%s)', async (_what, host, why) => {
    const { metadata } = await clientMetadata({ authMethod: 'client_secret_basic' });
    const res = await dcr({ ...metadata, jwks_uri: `https://${host}/jwks` });
    expectOAuthError(res, 400, 'invalid_client_metadata');
    expect(res.json.error_description).toMatch(/^jwks_uri must not target /);
    expect(res.json.error_description).toContain(why);
  });

  it('refuses the same targets through the admin API', async () => {
    for (const host of ['169.254.169.254', '10.0.0.1', '[::ffff:127.0.0.1]', 'metadata.google.internal']) {
      const { metadata } = await clientMetadata({ mode: 'push', notificationEndpoint: `https://${host}/cb` });
      const res = await admin(metadata);
      expectOAuthError(res, 400, 'invalid_client_metadata');
      // the host as the URL parser normalises it: [::ffff:7f00:1]
      expect(res.json.error_description).toContain(`must not target ${new URL(`https://${host}`).hostname}:`);
    }
  });

  it('accepts public addresses and names (a name is checked again on what it resolves to)', async () => {
    for (const host of ['93.184.216.34', '[2606:4700:4700::1111]', 'client.example', 'rebind.example']) {
      const { metadata } = await clientMetadata({ mode: 'ping', notificationEndpoint: `https://${host}/cb` });
      expect((await dcr(metadata)).status).toBe(201);
    }
  });
});

describe('the operator allow-list and the loopback allowance', () => {
  let allowList: TestProvider;
  let loopback: TestProvider;
  const dcr = (p: TestProvider, endpoint: string) =>
    clientMetadata({ mode: 'ping', notificationEndpoint: endpoint }).then(({ metadata }) =>
      sendJson('POST', p.at(PATHS.registration), metadata, { authorization: `Bearer ${p.initialAccessToken}` }),
    );

  beforeAll(async () => {
    allowList = await startProvider({
      inMemory: true,
      env: {
        ALLOW_LOOPBACK_HTTP_NOTIFICATIONS: 'false',
        OUTBOUND_ALLOW_CIDRS: '10.20.0.0/16, fd12:3456::/48, 169.254.0.0/16',
      },
    });
    // startProvider's default: the development allowance for loopback
    loopback = await startProvider({ inMemory: true });
  });
  afterAll(async () => {
    await allowList?.close();
    await loopback?.close();
  });

  it('accepts endpoints in OUTBOUND_ALLOW_CIDRS, and refuses the rest of the private ranges', async () => {
    expect((await dcr(allowList, 'https://10.20.1.5:8443/ciba/notify')).status).toBe(201);
    expect((await dcr(allowList, 'https://[fd12:3456::7]/ciba/notify')).status).toBe(201);
    expectOAuthError(await dcr(allowList, 'https://10.21.0.1/cb'), 400, 'invalid_client_metadata');
    expectOAuthError(await dcr(allowList, 'https://127.0.0.1/cb'), 400, 'invalid_client_metadata');
  });

  it('keeps cloud metadata addresses refused even inside an allowed range', async () => {
    const res = await dcr(allowList, 'https://169.254.169.254/latest/meta-data/');
    expectOAuthError(res, 400, 'invalid_client_metadata');
    expect(res.json.error_description).toContain('a cloud metadata service address');
    expect((await dcr(allowList, 'https://169.254.10.10/cb')).status).toBe(201);
  });

  it('accepts loopback with ALLOW_LOOPBACK_HTTP_NOTIFICATIONS, but not its mapped or private neighbours', async () => {
    expect((await dcr(loopback, 'http://127.0.0.1:9/cb')).status).toBe(201);
    expect((await dcr(loopback, 'https://localhost:9/cb')).status).toBe(201);
    expectOAuthError(await dcr(loopback, 'https://[::ffff:127.0.0.1]:9/cb'), 400, 'invalid_client_metadata');
    expectOAuthError(await dcr(loopback, 'https://192.168.1.1/cb'), 400, 'invalid_client_metadata');
  });
});

describe('connect-time refusal of names that resolve inward (DNS rebinding)', () => {
  let p: TestProvider;
  let target: Server;
  let port: number;
  let connections = 0;
  const logs: string[] = [];

  beforeAll(async () => {
    // Where a rebinding name leads: a listener on this machine that must never see a connection.
    target = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    port = (target.address() as AddressInfo).port;
    p = await startProvider({
      inMemory: true,
      env: { ALLOW_LOOPBACK_HTTP_NOTIFICATIONS: 'false', LOG_LEVEL: 'warn' },
      // 'rebind.example' passed registration as a name; by the time the provider connects, it resolves here.
      resolve: async (name) => {
        if (name === 'rebind.example') return [{ address: '127.0.0.1', family: 4 }];
        throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
      },
      logWrite: (line) => void logs.push(line),
    });
  });
  afterAll(async () => {
    await p?.close();
    await new Promise((resolve) => target.close(resolve));
  });

  async function auditOf(requestId: string, type: string): Promise<any> {
    for (let i = 0; i < 100; i++) {
      const res = await get(p.at(`${PATHS.admin}/audit?auth_request_id=${encodeURIComponent(requestId)}`), {
        authorization: `Bearer ${p.adminToken}`,
      });
      const event = (res.json?.events ?? []).find((e: any) => e.type === type);
      if (event) return event;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`no ${type} event for ${requestId}`);
  }

  it('records a ping to such a name as failed, names the reason, logs it, and never connects', async () => {
    const client = await registerClient(p, {
      authMethod: 'client_secret_basic',
      mode: 'ping',
      notificationEndpoint: `https://rebind.example:${port}/cb`,
    });
    const owner = await createOwner(p);
    const bm = bindingMessage();
    const notificationToken = `nt-${bm}-secret`;
    const ack = await backchannel(p, client, {
      scope: 'openid',
      login_hint: owner.email,
      binding_message: bm,
      client_notification_token: notificationToken,
    });
    expect(ack.status).toBe(200);
    const request = await owner.device.approve(bm);

    const failed = await auditOf(request.id, 'notification.failed');
    expect(failed.client_id).toBe(client.clientId);
    // refused at the first attempt, not retried
    expect(failed.data).toEqual({
      attempts: 1,
      reason: 'refused to connect to rebind.example (127.0.0.1): a loopback address',
    });
    expect(connections).toBe(0);

    const refusal = logs.map((line) => JSON.parse(line)).find((entry) => entry.msg === 'outbound request refused');
    expect(refusal).toMatchObject({ host: 'rebind.example', address: '127.0.0.1', reason: 'a loopback address' });
    const all = logs.join('\n');
    expect(all).not.toContain(notificationToken);
    expect(all).not.toContain(ack.json.auth_req_id);

    // Poll mode still works for the client: the tokens wait at the token endpoint.
    expect((await cibaToken(p, client, ack.json.auth_req_id)).status).toBe(200);
  });

  it('refuses to fetch a jwks_uri whose name resolves inward: the signed request fails, nothing connects', async () => {
    const key = await generateTestKey('ES256');
    const client: TestClient = await registerClient(p, {
      authMethod: 'client_secret_basic',
      metadata: {
        jwks_uri: `https://rebind.example:${port}/jwks`,
        backchannel_authentication_request_signing_alg: 'ES256',
      },
    });
    const owner = await createOwner(p);
    const request = await requestObject(key, client.clientId, p.issuer, {
      scope: 'openid',
      login_hint: owner.email,
      binding_message: bindingMessage(),
    });
    const res = await backchannel(p, client, { request });
    expectOAuthError(res, 400, 'invalid_request');
    expect(res.json.error_description).toContain('jwks_uri refused: a loopback address');
    expect(connections).toBe(0);
  });
});
