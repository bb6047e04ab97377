import { randomBytes, randomUUID } from 'node:crypto';
import { PATHS } from '@onboard/ciba-core';
import { basicAuth, get, postForm, send, sendJson, type HttpResult } from './http';
import { clientAssertion, generateTestKey, type TestKey } from './jose-helpers';
import type { TestProvider } from './provider';

export const CIBA_GRANT = 'urn:openid:params:grant-type:ciba';
export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export type AuthMethod = 'private_key_jwt' | 'client_secret_basic' | 'client_secret_post';
export type Mode = 'poll' | 'ping' | 'push';

/** A registered client and the secrets a real client would hold. */
export interface TestClient {
  clientId: string;
  clientSecret?: string;
  authMethod: AuthMethod;
  mode: Mode;
  /** Signing key registered in `jwks` (private_key_jwt clients, or any client asked to have one). */
  key?: TestKey;
  notificationEndpoint?: string;
  registration: Record<string, any>;
}

export interface ClientOptions {
  authMethod?: AuthMethod;
  mode?: Mode;
  notificationEndpoint?: string;
  /** Register a key even for secret clients (signed request objects). */
  withKey?: boolean;
  keyAlg?: string;
  /** Extra RFC 7591 / CIBA §4 metadata. */
  metadata?: Record<string, unknown>;
  /** Register through DCR (default) or the admin API. */
  via?: 'dcr' | 'admin';
}

const adminHeaders = (p: TestProvider) => ({ authorization: `Bearer ${p.adminToken}` });

/** Metadata for a CIBA client (RFC 7591 §2 + CIBA §4). */
export async function clientMetadata(
  options: ClientOptions = {},
): Promise<{ metadata: Record<string, unknown>; key?: TestKey }> {
  const authMethod = options.authMethod ?? 'private_key_jwt';
  const mode = options.mode ?? 'poll';
  const key =
    authMethod === 'private_key_jwt' || options.withKey ? await generateTestKey(options.keyAlg ?? 'ES256') : undefined;
  const metadata: Record<string, unknown> = {
    client_name: `test ${authMethod} ${mode} ${randomUUID().slice(0, 8)}`,
    token_endpoint_auth_method: authMethod,
    grant_types: [CIBA_GRANT, 'refresh_token'],
    backchannel_token_delivery_mode: mode,
    ...(key ? { jwks: { keys: [key.publicJwk] } } : {}),
    ...(mode !== 'poll' ? { backchannel_client_notification_endpoint: options.notificationEndpoint } : {}),
    ...options.metadata,
  };
  return { metadata, key };
}

/** Register a client; throws with the provider's answer if registration fails. */
export async function registerClient(p: TestProvider, options: ClientOptions = {}): Promise<TestClient> {
  const { metadata, key } = await clientMetadata(options);
  const res =
    options.via === 'admin'
      ? await sendJson('POST', p.at(`${PATHS.admin}/clients`), metadata, adminHeaders(p))
      : await sendJson('POST', p.at(PATHS.registration), metadata, { authorization: `Bearer ${p.initialAccessToken}` });
  if (res.status !== 201 && res.status !== 200) {
    throw new Error(`client registration failed: ${res.status} ${res.text}`);
  }
  return {
    clientId: res.json.client_id,
    clientSecret: res.json.client_secret,
    authMethod: metadata.token_endpoint_auth_method as AuthMethod,
    mode: metadata.backchannel_token_delivery_mode as Mode,
    key,
    notificationEndpoint: metadata.backchannel_client_notification_endpoint as string | undefined,
    registration: res.json,
  };
}

/** Client authentication for a request to `endpointPath` (RFC 6749 §2.3, RFC 7523 §3). */
export async function clientAuth(
  p: TestProvider,
  client: TestClient,
  endpointPath: string = PATHS.token,
): Promise<{ form: Record<string, string>; headers: Record<string, string> }> {
  switch (client.authMethod) {
    case 'client_secret_basic':
      return { form: {}, headers: { authorization: basicAuth(client.clientId, client.clientSecret ?? '') } };
    case 'client_secret_post':
      return { form: { client_id: client.clientId, client_secret: client.clientSecret ?? '' }, headers: {} };
    case 'private_key_jwt':
      return {
        form: {
          client_id: client.clientId,
          client_assertion_type: ASSERTION_TYPE,
          // Both audiences RFC 7523 §3 allows: the token endpoint URL there, the issuer elsewhere.
          client_assertion: await clientAssertion(
            client.key!,
            client.clientId,
            endpointPath === PATHS.token ? p.issuer + PATHS.token : p.issuer,
          ),
        },
        headers: {},
      };
  }
}

/** POST a client-authenticated form to `endpointPath`. */
export async function authedPost(
  p: TestProvider,
  client: TestClient,
  endpointPath: string,
  form: Record<string, string | undefined>,
  headers: Record<string, string> = {},
): Promise<HttpResult> {
  const auth = await clientAuth(p, client, endpointPath);
  return postForm(p.at(endpointPath), { ...auth.form, ...form }, { ...auth.headers, ...headers });
}

/** CIBA §7.1 backchannel authentication request. */
export function backchannel(
  p: TestProvider,
  client: TestClient,
  params: Record<string, string | undefined>,
  headers: Record<string, string> = {},
): Promise<HttpResult> {
  return authedPost(p, client, PATHS.backchannel, params, headers);
}

/** CIBA §10.1 token request for `authReqId`. */
export function cibaToken(
  p: TestProvider,
  client: TestClient,
  authReqId: string,
  headers: Record<string, string> = {},
  extra: Record<string, string> = {},
): Promise<HttpResult> {
  return authedPost(p, client, PATHS.token, { grant_type: CIBA_GRANT, auth_req_id: authReqId, ...extra }, headers);
}

/** RFC 6749 §6 refresh. */
export function refresh(
  p: TestProvider,
  client: TestClient,
  refreshToken: string,
  headers: Record<string, string> = {},
): Promise<HttpResult> {
  return authedPost(p, client, PATHS.token, { grant_type: 'refresh_token', refresh_token: refreshToken }, headers);
}

/** An owner with one authentication device. */
export interface TestOwner {
  sub: string;
  email: string;
  username: string;
  phoneNumber: string;
  device: OwnerDeviceApi;
  created: Record<string, any>;
}

let ownerCounter = 0;

/** Create an owner (admin API) and register one owner device for them. */
export async function createOwner(p: TestProvider, extra: Record<string, unknown> = {}): Promise<TestOwner> {
  const n = `${Date.now().toString(36)}${(ownerCounter++).toString(36)}${randomBytes(3).toString('hex')}`;
  const email = `owner-${n}@example.test`;
  const username = `owner_${n}`;
  const phoneNumber = `+4915${String(parseInt(randomBytes(4).toString('hex'), 16))
    .padStart(9, '0')
    .slice(0, 9)}`;
  const res = await sendJson(
    'POST',
    p.at(`${PATHS.admin}/owners`),
    { email, username, phone_number: phoneNumber, name: `Owner ${n}`, ...extra },
    adminHeaders(p),
  );
  if (res.status !== 201 && res.status !== 200) throw new Error(`owner creation failed: ${res.status} ${res.text}`);
  const sub: string = res.json.sub;
  const device = await addOwnerDevice(p, sub);
  return { sub, email, username, phoneNumber, device, created: res.json };
}

/** Register an authentication device for `sub`; returns its API wrapper. */
export async function addOwnerDevice(p: TestProvider, sub: string, name = 'phone'): Promise<OwnerDeviceApi> {
  const res = await sendJson(
    'POST',
    p.at(`${PATHS.admin}/owners/${encodeURIComponent(sub)}/devices`),
    { name },
    adminHeaders(p),
  );
  if (res.status !== 201 && res.status !== 200) throw new Error(`device creation failed: ${res.status} ${res.text}`);
  return new OwnerDeviceApi(p, res.json.credential, res.json);
}

/** Set an owner's CIBA user_code (CIBA §7.1.2). */
export async function setUserCode(p: TestProvider, sub: string, userCode: string): Promise<HttpResult> {
  const res = await sendJson(
    'PUT',
    p.at(`${PATHS.admin}/owners/${encodeURIComponent(sub)}/user-code`),
    { user_code: userCode },
    adminHeaders(p),
  );
  if (res.status >= 300) throw new Error(`setting user code failed: ${res.status} ${res.text}`);
  return res;
}

/** The owner-device API as a phone app would call it. */
export class OwnerDeviceApi {
  constructor(
    private readonly p: TestProvider,
    readonly credential: string,
    readonly created: Record<string, any> = {},
  ) {}

  private headers(): Record<string, string> {
    return { authorization: `Bearer ${this.credential}` };
  }

  list(waitSeconds?: number): Promise<HttpResult> {
    const q = waitSeconds === undefined ? '' : `?wait=${waitSeconds}`;
    return get(this.p.at(`${PATHS.ownerDevice}/requests${q}`), this.headers());
  }

  /** The pending requests (list body may be an array or {requests: [...]}). */
  async pending(waitSeconds?: number): Promise<any[]> {
    const res = await this.list(waitSeconds);
    if (res.status !== 200) throw new Error(`owner-device list failed: ${res.status} ${res.text}`);
    return requestsOf(res.json);
  }

  getRequest(id: string): Promise<HttpResult> {
    return get(this.p.at(`${PATHS.ownerDevice}/requests/${encodeURIComponent(id)}`), this.headers());
  }

  decide(id: string, decision: 'approve' | 'deny', body?: unknown): Promise<HttpResult> {
    return send({
      method: 'POST',
      url: this.p.at(`${PATHS.ownerDevice}/requests/${encodeURIComponent(id)}/${decision}`),
      headers: { ...this.headers(), 'content-type': 'application/json' },
      body: JSON.stringify(body ?? {}),
    });
  }

  /**
   * Find the pending request with `bindingMessage` (or the only pending one) and
   * approve/deny it; throws unless the device API accepted the decision.
   */
  async decideMatching(decision: 'approve' | 'deny', bindingMessage?: string): Promise<any> {
    const pending = await this.pending();
    const match = bindingMessage === undefined ? pending : pending.filter((r) => r.binding_message === bindingMessage);
    if (match.length !== 1) {
      throw new Error(
        `expected one pending request${bindingMessage ? ` '${bindingMessage}'` : ''}, found ${match.length}`,
      );
    }
    const res = await this.decide(match[0].id, decision);
    if (res.status >= 300) throw new Error(`${decision} failed: ${res.status} ${res.text}`);
    return match[0];
  }

  approve(bindingMessage?: string): Promise<any> {
    return this.decideMatching('approve', bindingMessage);
  }

  deny(bindingMessage?: string): Promise<any> {
    return this.decideMatching('deny', bindingMessage);
  }
}

export function requestsOf(body: any): any[] {
  if (Array.isArray(body)) return body;
  if (Array.isArray(body?.requests)) return body.requests;
  throw new Error(`unexpected owner-device list body: ${JSON.stringify(body)}`);
}

/** A unique, policy-conforming binding message. */
export const bindingMessage = () => `BM-${randomBytes(4).toString('hex').toUpperCase()}`;

/**
 * Run a poll-mode flow to the end: backchannel request, approval on the owner's
 * device, token request. Returns the token response body.
 */
export async function completePollFlow(
  p: TestProvider,
  client: TestClient,
  owner: TestOwner,
  params: Record<string, string> = {},
  tokenHeaders: () => Promise<Record<string, string>> = async () => ({}),
): Promise<{ tokens: Record<string, any>; authReqId: string; tokenResponse: HttpResult }> {
  const bm = bindingMessage();
  const ack = await backchannel(p, client, {
    scope: 'openid',
    login_hint: owner.email,
    binding_message: bm,
    ...params,
  });
  if (ack.status !== 200) throw new Error(`backchannel failed: ${ack.status} ${ack.text}`);
  await owner.device.approve(bm);
  const tokenResponse = await cibaToken(p, client, ack.json.auth_req_id, await tokenHeaders());
  if (tokenResponse.status !== 200) throw new Error(`token failed: ${tokenResponse.status} ${tokenResponse.text}`);
  return { tokens: tokenResponse.json, authReqId: ack.json.auth_req_id, tokenResponse };
}
