// An in-memory mock of the owner-device API contract for developing the app
// without a provider: `npm run dev:owner-app` (Vite dev server) and the preview of
// the built app. Real WebAuthn (@simplewebauthn/server), so a phone, a desktop
// passkey or Chromium's virtual authenticator works against it. Never part of the
// build output, never used by the provider.
import { createHash, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type WebAuthnCredential,
} from '@simplewebauthn/server';
import type { Plugin, PreviewServer, ViteDevServer } from 'vite';
import type { Commitment, Device, RequestStatus, RequestView, Vehicle } from '../src/api/types.ts';
import { CLIENTS, TEMPLATES, type RequestTemplate } from './mock-data.mts';

const API = '/owner-device/v1';
const COOKIE = 'onboard_session';
const DEFAULT_TTL = 600;

interface StoredRequest extends RequestTemplate {
  id: string;
  status: RequestStatus;
  created_at: number;
  expires_at: number;
  not_me?: boolean;
}

interface StoredDevice extends Device {
  credential?: WebAuthnCredential;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    description: string,
  ) {
    super(description);
  }
}

const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const sha256 = (data: string) => createHash('sha256').update(data).digest();
const iso = (ms: number) => new Date(ms).toISOString();

/** JSON with sorted keys: what the approval challenge hashes (the contract's "canonical JSON"). */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A VAPID-shaped public key (uncompressed P-256 point): the mock sends no pushes. */
function vapidPublicKey(): string {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  return b64url(Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]));
}

function createState() {
  const now = Date.now();
  const owner = { sub: 'owner-1', display_name: 'Alex Morgan' };
  const userId = randomBytes(16);
  const devices: StoredDevice[] = [
    {
      id: 'dev-desk',
      name: 'Service desk tablet',
      kind: 'credential',
      created_at: iso(now - 40 * 86_400_000),
      last_used_at: iso(now - 3 * 86_400_000),
      current: false,
    },
  ];
  const vehicles: Vehicle[] = [
    {
      client_id: 'acme-head-unit-7',
      nickname: 'Family car',
      model: 'Aster EV',
      paired_at: iso(now - 20 * 86_400_000),
      last_active_at: iso(now - 3_600_000),
    },
    { client_id: 'fleet-van-2', nickname: 'Delivery van', model: 'Cargo 3', paired_at: iso(now - 90 * 86_400_000) },
  ];
  const requests: StoredRequest[] = [];
  const add = (kind: string, status: RequestStatus, ageMs: number, ttl = DEFAULT_TTL, notMe = false) => {
    const created = now - ageMs;
    const request: StoredRequest = {
      ...structuredClone(TEMPLATES[kind]),
      id: randomUUID(),
      status,
      created_at: created,
      expires_at: created + ttl * 1000,
      not_me: notMe,
    };
    requests.push(request);
    return request;
  };
  add('checkin', 'approved', 5 * 86_400_000);
  add('pickup', 'denied', 2 * 86_400_000);
  add('vehicle', 'expired', 86_400_000, 120);
  add('payment', 'consumed', 3 * 3_600_000);
  add('checkin', 'pending', 60_000);
  add('pickup', 'pending', 30_000);
  add('vehicle', 'pending', 15_000);
  add('payment', 'pending', 5_000);
  return {
    owner,
    userId,
    devices,
    vehicles,
    requests,
    sessions: new Map<string, string>(),
    invitations: new Map<string, { expires: number; used: boolean }>(),
    enrolments: new Map<string, { challenge: string; token: string }>(),
    signIns: new Map<string, string>(),
    approvals: new Map<string, string>(),
    subscriptions: new Map<string, unknown>(),
    streams: new Set<ServerResponse>(),
    vapid: vapidPublicKey(),
  };
}

type State = ReturnType<typeof createState>;

function view(state: State, r: StoredRequest): RequestView {
  const client = CLIENTS.find((c) => c.id === r.client_id);
  return {
    id: r.id,
    status: r.status,
    client_id: r.client_id,
    client_name: client?.name,
    binding_message: r.binding_message,
    scope: r.scope,
    authorization_details: r.authorization_details,
    created_at: iso(r.created_at),
    expires_at: iso(r.expires_at),
    expires_in: Math.max(0, Math.ceil((r.expires_at - Date.now()) / 1000)),
    client: client && { name: client.name, logo_uri: client.logo_uri, branding: client.branding },
    ...(client?.vehicle ? { vehicle: client.vehicle } : {}),
  };
}

function broadcast(state: State, event: string, data: unknown) {
  for (const res of state.streams) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/** Pending requests past their expiry become expired (and the open apps hear it). */
function sweep(state: State) {
  const now = Date.now();
  for (const r of state.requests) {
    if (r.status === 'pending' && r.expires_at <= now) {
      r.status = 'expired';
      broadcast(state, 'request.updated', { id: r.id, status: 'expired' });
    }
  }
}

function createRequest(state: State, kind: string, ttl = DEFAULT_TTL): RequestView {
  const template = TEMPLATES[kind] ?? TEMPLATES.payment;
  const now = Date.now();
  const r: StoredRequest = {
    ...structuredClone(template),
    id: randomUUID(),
    status: 'pending',
    created_at: now,
    expires_at: now + ttl * 1000,
  };
  state.requests.push(r);
  const v = view(state, r);
  broadcast(state, 'request.created', v);
  return v;
}

function newInvitation(state: State, origin: string) {
  const token = randomBytes(24).toString('base64url');
  const expires = Date.now() + 86_400_000;
  state.invitations.set(token, { expires, used: false });
  return { invitation_id: randomUUID(), url: `${origin}/app/#/enrol/${token}`, expires_at: iso(expires), token };
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  if (!raw) return {};
  try {
    const value = JSON.parse(raw);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value;
  } catch {
    // falls through
  }
  throw new HttpError(400, 'invalid_request', 'the body must be a JSON object');
}

function send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, {
    'cache-control': 'no-store',
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    ...headers,
  });
  res.end(body === undefined ? undefined : JSON.stringify(body));
}

function cookie(req: IncomingMessage): string | undefined {
  const header = req.headers.cookie ?? '';
  const match = new RegExp(`(?:^|;\\s*)${COOKIE}=([^;]+)`).exec(header);
  return match?.[1];
}

function startSession(state: State, res: ServerResponse, deviceId: string, secure: boolean) {
  const token = randomBytes(24).toString('base64url');
  state.sessions.set(token, deviceId);
  res.setHeader(
    'set-cookie',
    `${COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200${secure ? '; Secure' : ''}`,
  );
}

export function createMockHandler(state: State = createState()) {
  setInterval(() => sweep(state), 1000).unref();

  const deviceOf = (req: IncomingMessage): StoredDevice => {
    const id = state.sessions.get(cookie(req) ?? '');
    const device = state.devices.find((d) => d.id === id);
    if (!device) throw new HttpError(401, 'login_required', 'sign in with your passkey');
    return device;
  };
  const sessionOf = (req: IncomingMessage) => {
    const device = deviceOf(req);
    return { owner: state.owner, device: { ...strip(device), current: true } };
  };
  const strip = ({ credential: _c, ...device }: StoredDevice): Device => device;

  async function route(req: IncomingMessage, res: ServerResponse, path: string, origin: string, rpID: string) {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && !(req.headers['content-type'] ?? '').startsWith('application/json')) {
      throw new HttpError(400, 'invalid_request', 'content-type must be application/json');
    }
    const body = method === 'GET' ? {} : await readJson(req);
    const secure = origin.startsWith('https:');
    let m: RegExpExecArray | null;

    // Enrolment
    if (method === 'POST' && path === '/enrolment/options') {
      const token = String(body.invitation ?? '');
      const invitation = state.invitations.get(token);
      if (!invitation || invitation.used || invitation.expires < Date.now()) {
        throw new HttpError(400, 'invalid_request', 'the invitation is expired or already used');
      }
      const options = await generateRegistrationOptions({
        rpName: 'Onboard',
        rpID,
        userID: state.userId,
        userName: 'a***@example.com',
        userDisplayName: state.owner.display_name,
        attestationType: 'none',
        supportedAlgorithmIDs: [-7, -8],
        authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
        excludeCredentials: state.devices.flatMap((d) => (d.credential ? [{ id: d.credential.id }] : [])),
      });
      const enrolmentId = randomUUID();
      state.enrolments.set(enrolmentId, { challenge: options.challenge, token });
      return send(res, 200, {
        enrolment_id: enrolmentId,
        owner: { display_name: state.owner.display_name },
        public_key: options,
      });
    }
    if (method === 'POST' && path === '/enrolment/verify') {
      const enrolment = state.enrolments.get(String(body.enrolment_id ?? ''));
      const invitation = enrolment && state.invitations.get(enrolment.token);
      if (!enrolment || !invitation || invitation.used) {
        throw new HttpError(400, 'invalid_request', 'the invitation is expired or already used');
      }
      state.enrolments.delete(String(body.enrolment_id));
      const result = await verifyRegistrationResponse({
        response: body.credential as never,
        expectedChallenge: enrolment.challenge,
        expectedOrigin: origin,
        expectedRPID: rpID,
        requireUserVerification: true,
      }).catch((e: Error) => {
        throw new HttpError(400, 'invalid_request', e.message);
      });
      if (!result.verified) throw new HttpError(400, 'invalid_request', 'the passkey could not be verified');
      invitation.used = true;
      const device: StoredDevice = {
        id: randomUUID(),
        name: String(body.device_name ?? 'Phone').slice(0, 64),
        kind: 'passkey',
        created_at: iso(Date.now()),
        last_used_at: iso(Date.now()),
        current: false,
        credential: result.registrationInfo.credential,
      };
      state.devices.push(device);
      startSession(state, res, device.id, secure);
      return send(res, 201, { device: { ...strip(device), current: true } });
    }

    // Sign-in with a discoverable passkey
    if (method === 'POST' && path === '/session/options') {
      const options = await generateAuthenticationOptions({ rpID, userVerification: 'required' });
      const challengeId = randomUUID();
      state.signIns.set(challengeId, options.challenge);
      return send(res, 200, { challenge_id: challengeId, public_key: options });
    }
    if (method === 'POST' && path === '/session/verify') {
      const challenge = state.signIns.get(String(body.challenge_id ?? ''));
      state.signIns.delete(String(body.challenge_id ?? ''));
      const credential = body.credential as { id?: string } | undefined;
      const device = state.devices.find((d) => d.credential?.id === credential?.id);
      if (!challenge || !device?.credential) throw new HttpError(400, 'invalid_request', 'unknown passkey');
      await verifyPasskey(device, body.credential, challenge, origin, rpID);
      startSession(state, res, device.id, secure);
      return send(res, 200, { owner: state.owner, device: { ...strip(device), current: true } });
    }
    if (method === 'GET' && path === '/session') return send(res, 200, sessionOf(req));
    if (method === 'DELETE' && path === '/session') {
      state.sessions.delete(cookie(req) ?? '');
      return send(res, 204, undefined, { 'set-cookie': `${COOKIE}=; Path=/; Max-Age=0` });
    }

    const current = deviceOf(req);

    // Requests
    if (method === 'GET' && path === '/requests') {
      sweep(state);
      const pending = state.requests.filter((r) => r.status === 'pending').sort((a, b) => b.created_at - a.created_at);
      return send(res, 200, { requests: pending.map((r) => view(state, r)) });
    }
    if (method === 'GET' && path === '/history') {
      const past = state.requests.filter((r) => r.status !== 'pending').sort((a, b) => b.created_at - a.created_at);
      return send(res, 200, { requests: past.map((r) => view(state, r)) });
    }
    if ((m = /^\/requests\/([^/]+)(\/approval\/options|\/approve|\/deny)?$/.exec(path))) {
      sweep(state);
      const r = state.requests.find((x) => x.id === decodeURIComponent(m![1]));
      if (!r) throw new HttpError(404, 'not_found', 'no such request');
      const action = m[2];
      if (!action && method === 'GET') return send(res, 200, view(state, r));
      if (method !== 'POST') throw new HttpError(404, 'not_found', 'no such route');
      if (r.status !== 'pending') throw new HttpError(409, 'conflict', `the request is ${r.status}`);
      if (action === '/approval/options') {
        const commitment: Commitment = {
          auth_req_id_sha256: sha256(`auth-req-${r.id}`).toString('base64url'),
          client_id: r.client_id,
          binding_message: r.binding_message,
          scope: r.scope.join(' '),
          authorization_details: r.authorization_details,
          nonce: randomBytes(16).toString('base64url'),
        };
        const challenge = new Uint8Array(sha256(canonical(commitment)));
        const options = await generateAuthenticationOptions({
          rpID,
          challenge,
          userVerification: 'required',
          allowCredentials: state.devices.flatMap((d) => (d.credential ? [{ id: d.credential.id }] : [])),
        });
        state.approvals.set(r.id, options.challenge);
        return send(res, 200, { public_key: options, commitment });
      }
      if (action === '/approve') {
        const challenge = state.approvals.get(r.id);
        state.approvals.delete(r.id);
        const credential = body.credential as { id?: string } | undefined;
        const device = state.devices.find((d) => d.credential?.id === credential?.id);
        if (!challenge) throw new HttpError(400, 'invalid_request', 'ask for approval options first');
        if (!device || device.id !== current.id) {
          throw new HttpError(403, 'access_denied', 'this passkey may not approve this request');
        }
        await verifyPasskey(device, body.credential, challenge, origin, rpID);
        r.status = 'approved';
      } else {
        r.status = 'denied';
        r.not_me = body.reason === 'not_me';
      }
      const v = view(state, r);
      broadcast(state, 'request.updated', { id: r.id, status: r.status });
      return send(res, 200, v);
    }

    // Live channel (Server-Sent Events)
    if (method === 'GET' && path === '/events') {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      res.write('retry: 3000\n\n');
      state.streams.add(res);
      const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), 15_000);
      req.on('close', () => {
        clearInterval(heartbeat);
        state.streams.delete(res);
      });
      return;
    }

    // Devices, invitations, vehicles, push
    if (method === 'GET' && path === '/devices') {
      return send(res, 200, { devices: state.devices.map((d) => ({ ...strip(d), current: d.id === current.id })) });
    }
    if (method === 'DELETE' && (m = /^\/devices\/([^/]+)$/.exec(path))) {
      const index = state.devices.findIndex((d) => d.id === decodeURIComponent(m![1]));
      if (index < 0) throw new HttpError(404, 'not_found', 'no such device');
      const [removed] = state.devices.splice(index, 1);
      for (const [token, id] of state.sessions) if (id === removed.id) state.sessions.delete(token);
      return send(res, 204);
    }
    if (method === 'POST' && path === '/invitations') {
      const { token: _t, ...invitation } = newInvitation(state, origin);
      return send(res, 201, invitation);
    }
    if (method === 'GET' && path === '/vehicles') return send(res, 200, { vehicles: state.vehicles });
    if (method === 'POST' && (m = /^\/vehicles\/([^/]+)\/unpair$/.exec(path))) {
      const index = state.vehicles.findIndex((v) => v.client_id === decodeURIComponent(m![1]));
      if (index < 0) throw new HttpError(404, 'not_found', 'no such vehicle');
      state.vehicles.splice(index, 1);
      return send(res, 204);
    }
    if (method === 'GET' && path === '/push/key') return send(res, 200, { vapid_public_key: state.vapid });
    if (method === 'POST' && path === '/push/subscriptions') {
      const subscription = body.subscription as { endpoint?: string } | undefined;
      if (!subscription?.endpoint) throw new HttpError(400, 'invalid_request', 'subscription.endpoint is missing');
      state.subscriptions.set(subscription.endpoint, subscription);
      return send(res, 201);
    }
    if (method === 'DELETE' && path === '/push/subscriptions') {
      state.subscriptions.delete(String(body.endpoint ?? ''));
      return send(res, 204);
    }
    throw new HttpError(404, 'not_found', 'no such route');
  }

  async function verifyPasskey(
    device: StoredDevice,
    response: unknown,
    challenge: string,
    origin: string,
    rpID: string,
  ) {
    const result = await verifyAuthenticationResponse({
      response: response as never,
      expectedChallenge: challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      credential: device.credential!,
      requireUserVerification: true,
    }).catch((e: Error) => {
      throw new HttpError(400, 'invalid_request', e.message);
    });
    if (!result.verified) throw new HttpError(400, 'invalid_request', 'the passkey could not be verified');
    device.credential!.counter = result.authenticationInfo.newCounter;
    device.last_used_at = iso(Date.now());
  }

  /** Helpers for developers and screenshots, under /__mock/ (not part of the contract). */
  async function mockRoute(req: IncomingMessage, res: ServerResponse, path: string, origin: string) {
    if (req.method === 'POST' && path === '/invitations') {
      return send(res, 201, newInvitation(state, origin));
    }
    if (req.method === 'POST' && path === '/requests') {
      const body = await readJson(req);
      return send(res, 201, createRequest(state, String(body.kind ?? 'payment'), Number(body.expires_in) || undefined));
    }
    let m: RegExpExecArray | null;
    if (req.method === 'POST' && (m = /^\/requests\/([^/]+)\/status$/.exec(path))) {
      const r = state.requests.find((x) => x.id === m![1]);
      const body = await readJson(req);
      if (!r) throw new HttpError(404, 'not_found', 'no such request');
      r.status = String(body.status) as RequestStatus;
      broadcast(state, 'request.updated', { id: r.id, status: r.status });
      return send(res, 200, view(state, r));
    }
    // Signs this browser in as the seeded service-desk device, to look around without a passkey.
    if (req.method === 'GET' && path === '/sign-in') {
      startSession(state, res, 'dev-desk', origin.startsWith('https:'));
      return send(res, 302, undefined, { location: '/app/#/requests' });
    }
    throw new HttpError(404, 'not_found', 'no such mock route');
  }

  const handler = async (req: IncomingMessage, res: ServerResponse, next: () => void) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const isApi = url.pathname.startsWith(`${API}/`);
    const isMock = url.pathname.startsWith('/__mock/');
    if (!isApi && !isMock) return next();
    const host = req.headers.host ?? 'localhost';
    const origin = `${(req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http'}://${host}`;
    const rpID = host.replace(/:\d+$/, '');
    try {
      if (isApi) await route(req, res, url.pathname.slice(API.length), origin, rpID);
      else await mockRoute(req, res, url.pathname.slice('/__mock'.length), origin);
    } catch (e) {
      const error = e instanceof HttpError ? e : new HttpError(500, 'server_error', 'mock failure');
      if (!(e instanceof HttpError)) console.error(e);
      if (!res.headersSent) send(res, error.status, { error: error.error, error_description: error.message });
    }
  };
  return { handler, state, newInvitation: (origin: string) => newInvitation(state, origin) };
}

/**
 * The Vite plugin: mounts the mock on the dev server and on `vite preview`, and
 * prints a fresh invitation link once the server listens.
 */
export function mockProvider(): Plugin {
  const mount = (server: ViteDevServer | PreviewServer) => {
    const mock = createMockHandler();
    server.middlewares.use((req, res, next) => void mock.handler(req, res, next));
    server.httpServer?.once('listening', () => {
      setTimeout(() => {
        const local = server.resolvedUrls?.local[0] ?? 'http://localhost:5173/app/';
        const origin = new URL(local).origin;
        const { url } = mock.newInvitation(origin);
        server.config.logger.info(
          [
            '',
            `  Owner-device API mock. Enrol this browser: ${url}`,
            `  Another invitation:  curl -X POST ${origin}/__mock/invitations`,
            `  A new request:       curl -X POST -H 'content-type: application/json' -d '{"kind":"payment"}' ${origin}/__mock/requests`,
            '                       (kinds: payment, vehicle, pickup, checkin)',
            `  Look around without a passkey: ${origin}/__mock/sign-in`,
            '',
          ].join('\n'),
        );
      });
    });
  };
  return {
    name: 'onboard-owner-device-mock',
    configureServer: mount,
    configurePreviewServer: mount,
  };
}
