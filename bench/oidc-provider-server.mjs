// node-oidc-provider 9 with its CIBA feature, run as the comparison provider of the
// benchmark, in a process of its own (forked by bench/run.mjs).
//
// Besides the provider itself this process serves a small owner-device API shaped like
// Onboard's (/owner-device/v1/requests?wait=N, /owner-device/v1/requests/{id}/approve),
// so the simulated owner device of the load generator drives both providers the same way.
// node-oidc-provider leaves the authentication device to the deployment: the
// `triggerAuthenticationDevice` hook queues the request for the owner's device, and the
// approve route finishes it with `provider.backchannelResult(request, grant)`.
//
// Protocol with the parent (IPC): the parent sends `{ type: 'configure', config }`; this
// process answers `{ type: 'ready', issuer }`; after that `{ type: 'stats' }` and
// `{ type: 'stop' }` are served by lib/child-stats.mjs.
import { generateKeyPairSync, timingSafeEqual } from 'node:crypto';
import http from 'node:http';

import Provider, { errors } from 'oidc-provider';

import { UnboundedMemoryAdapter } from './lib/unbounded-memory-adapter.mjs';
import { serveStats } from './lib/child-stats.mjs';

const OWNER_DEVICE_PREFIX = '/owner-device/v1/requests';
const BINDING_MESSAGE_MAX = 120;

/**
 * @param {{
 *   clients: { clientId: string, clientSecret: string, mode: 'poll'|'ping', notificationEndpoint?: string }[],
 *   owners: { sub: string, email: string, deviceCredential: string }[],
 * }} config
 */
async function start(config) {
  const accounts = new Map(config.owners.map((o) => [o.sub, o]));
  const subByEmail = new Map(config.owners.map((o) => [o.email, o.sub]));
  const subByCredential = new Map(config.owners.map((o) => [o.deviceCredential, o.sub]));

  /** Pending requests per account, in arrival order, and the device long-polls waiting on them. */
  const pendingByAccount = new Map();
  const waitersByAccount = new Map();
  const pendingOf = (sub) => {
    let pending = pendingByAccount.get(sub);
    if (!pending) pendingByAccount.set(sub, (pending = new Map()));
    return pending;
  };
  const wake = (sub) => {
    const waiters = waitersByAccount.get(sub);
    if (!waiters) return;
    waitersByAccount.delete(sub);
    for (const resolve of waiters) resolve();
  };

  // One ES256 signing key, the algorithm Onboard signs ID tokens with by default.
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signingJwk = { ...privateKey.export({ format: 'jwk' }), kid: 'bench-es256', use: 'sig', alg: 'ES256' };

  // node-oidc-provider only accepts https notification endpoints and, through its SSRF
  // guard (a dispatcher of its own), refuses loopback addresses. The load generator's
  // listener is plain HTTP on 127.0.0.1, as it is for Onboard, so the registered https://
  // URL is mapped back to http:// and sent through Node's default keep-alive dispatcher:
  // the same fetch stack, minus the guard and TLS.
  const loopbackFetch = async (url, options) => {
    const target = new URL(url);
    target.protocol = 'http:';
    const { dispatcher: _guarded, ...rest } = options;
    return fetch(target, rest);
  };

  const server = http.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${server.address().port}`;

  const provider = new Provider(issuer, {
    adapter: UnboundedMemoryAdapter,
    jwks: { keys: [signingJwk] },
    clients: config.clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      client_name: `bench ${c.mode}`,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['urn:openid:params:grant-type:ciba'],
      response_types: [],
      redirect_uris: [],
      backchannel_token_delivery_mode: c.mode,
      ...(c.mode === 'ping' ? { backchannel_client_notification_endpoint: c.notificationEndpoint } : {}),
      id_token_signed_response_alg: 'ES256',
    })),
    fetch: loopbackFetch,
    cookies: { keys: ['bench-cookie-key-not-used-by-ciba'] },
    findAccount: async (_ctx, sub) => {
      const owner = accounts.get(sub);
      if (!owner) return undefined;
      return { accountId: sub, claims: async () => ({ sub, email: owner.email }) };
    },
    // Lifetimes aligned with Onboard's defaults (300 s requests, 600 s tokens).
    ttl: {
      BackchannelAuthenticationRequest: 300,
      AccessToken: 600,
      IdToken: 600,
      Grant: 600,
    },
    features: {
      devInteractions: { enabled: false },
      ciba: {
        enabled: true,
        deliveryModes: ['poll', 'ping'],
        // CIBA §7.1: login_hint names the owner; here by email, as the bench sends it.
        processLoginHint: async (_ctx, loginHint) => subByEmail.get(loginHint),
        processLoginHintToken: async () => {
          throw new errors.InvalidRequest('login_hint_token is not supported by this deployment');
        },
        // CIBA §7.1: no user_code is registered for the bench owners; a sent one cannot match.
        verifyUserCode: async (_ctx, _account, userCode) => {
          if (userCode !== undefined) throw new errors.InvalidUserCode('user_code is not registered for this user');
        },
        // Same policy as Onboard's default: at most 120 characters, no control characters.
        validateBindingMessage: async (_ctx, bindingMessage) => {
          if (bindingMessage === undefined) return;
          // eslint-disable-next-line no-control-regex
          if (bindingMessage.length > BINDING_MESSAGE_MAX || /[\u0000-\u001f\u007f]/.test(bindingMessage)) {
            throw new errors.InvalidBindingMessage('binding_message is too long or has control characters');
          }
        },
        validateRequestContext: async () => undefined,
        triggerAuthenticationDevice: async (_ctx, request, account, client) => {
          pendingOf(account.accountId).set(request.jti, {
            id: request.jti,
            client_name: client.clientName,
            binding_message: request.params.binding_message,
            scope: request.scope,
            expires_at: request.exp,
          });
          wake(account.accountId);
        },
      },
    },
  });

  provider.on('server_error', (_ctx, err) => console.error('[oidc-provider] server_error', err));
  provider.on('backchannel.error', (_ctx, err) => console.error('[oidc-provider] backchannel.error', err?.message));

  const oidc = provider.callback();

  // The owner-device routes: the device credential is a bearer token naming one owner.
  const deviceOwner = (req) => {
    const header = req.headers.authorization ?? '';
    if (!header.startsWith('Bearer ')) return undefined;
    const presented = Buffer.from(header.slice(7));
    for (const [credential, sub] of subByCredential) {
      const expected = Buffer.from(credential);
      if (expected.length === presented.length && timingSafeEqual(expected, presented)) return sub;
    }
    return undefined;
  };
  const send = (res, status, body) => {
    const payload = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(payload);
  };

  const listRequests = async (req, res, sub, url) => {
    const waitSeconds = Math.min(Number(url.searchParams.get('wait') ?? 0) || 0, 30);
    const pending = pendingOf(sub);
    if (pending.size === 0 && waitSeconds > 0) {
      await new Promise((resolve) => {
        const timer = setTimeout(done, waitSeconds * 1000);
        let waiters = waitersByAccount.get(sub);
        if (!waiters) waitersByAccount.set(sub, (waiters = new Set()));
        waiters.add(done);
        res.on('close', done);
        function done() {
          clearTimeout(timer);
          waitersByAccount.get(sub)?.delete(done);
          resolve();
        }
      });
    }
    if (res.destroyed) return;
    send(res, 200, { requests: [...pending.values()] });
  };

  const approve = async (res, sub, id) => {
    const request = await provider.BackchannelAuthenticationRequest.find(id);
    if (!request || request.accountId !== sub) return send(res, 404, { error: 'not_found' });
    if (request.grantId || request.error) return send(res, 409, { error: 'already_decided' });
    const grant = new provider.Grant({ accountId: request.accountId, clientId: request.clientId });
    grant.addOIDCScope(request.scope);
    await grant.save();
    pendingOf(sub).delete(id);
    await provider.backchannelResult(request, grant, {
      acr: 'urn:onboard:acr:device',
      amr: ['hwk'],
      authTime: Math.floor(Date.now() / 1000),
    });
    send(res, 200, { id, status: 'approved' });
  };

  server.on('request', (req, res) => {
    if (!req.url.startsWith(OWNER_DEVICE_PREFIX)) return oidc(req, res);
    const sub = deviceOwner(req);
    if (!sub) return send(res, 401, { error: 'invalid_token' });
    const url = new URL(req.url, issuer);
    const rest = url.pathname.slice(OWNER_DEVICE_PREFIX.length);
    req.resume();
    let work;
    if (req.method === 'GET' && rest === '') work = listRequests(req, res, sub, url);
    else if (req.method === 'POST' && /^\/[^/]+\/approve$/.test(rest)) {
      work = approve(res, sub, decodeURIComponent(rest.split('/')[1]));
    } else work = Promise.resolve(send(res, 404, { error: 'not_found' }));
    work.catch((err) => {
      console.error('[owner-device]', err);
      if (!res.headersSent) send(res, 500, { error: 'server_error' });
    });
  });
  server.keepAliveTimeout = 60_000;

  return { issuer, close: () => new Promise((resolve) => server.close(resolve)) };
}

let running;
serveStats(async () => running?.close());
process.on('message', async (message) => {
  if (message?.type !== 'configure') return;
  try {
    running = await start(message.config);
    process.send({ type: 'ready', issuer: running.issuer });
  } catch (err) {
    process.send({ type: 'failed', error: String(err?.stack ?? err) });
  }
});
