import type { ProviderContext } from '../context';
import { readSchemaBody } from '../admin/admin-body';
import { ApproveBody, DenyBody, UserCodeBody } from './owner-device-body';
import type { AuthRequest } from '../domain/auth-request';
import type { Client } from '../domain/client';
import { setOwnerUserCode, unlockOwnerUserCode } from '../admin/admin';
import { completeAuthRequest } from '../completion/complete-auth-request';
import { AccessDenied, Conflict, InvalidRequest, MethodNotAllowed, NotFound } from '../errors/oauth-error';
import { PASSKEY_ACR, PASSKEY_AMR } from '../ports/passkey-approval.port';
import { parseJsonBody } from '../http/parse-body';
import { limitPasskeyAttempt } from '../limits/limits';
import { WaitCancellation } from '../signals/wait-cancellation';
import { jsonNoStore, renderHttpError } from '../http/render-http';
import type { WireRequest, WireResponse } from '../wire/wire';
import { authenticateOwnerDevice } from './authenticate-owner-device';

/** Longest long poll an owner device may ask for with `?wait=` (seconds). */
export const MAX_OWNER_DEVICE_WAIT_SECONDS = 30;
/** Requests per page of the owner-device list without `?limit=`, and the most `?limit=` may ask for. */
export const OWNER_DEVICE_PAGE_DEFAULT = 20;
export const OWNER_DEVICE_PAGE_MAX = 100;

/**
 * A pending request as the owner's device sees it. Times are ISO 8601 UTC strings;
 * `expires_in` is whole seconds left. Internal ids only: the client's auth_req_id
 * never reaches the owner device.
 */
export interface OwnerRequestView {
  id: string;
  status: AuthRequest['status'];
  client_id: string;
  client_name?: string;
  binding_message?: string;
  scope: string[];
  acr_values?: string[];
  authorization_details?: unknown[];
  created_at: string;
  expires_at: string;
  expires_in: number;
  /** Who asks, as the client registered it (`client_name`, `logo_uri`, `onboard_branding`). */
  client?: { name?: string; logo_uri?: string; branding?: Record<string, unknown> };
  /** For a head-unit: its nickname and model (`onboard_vehicle` metadata), never a VIN. */
  vehicle?: { nickname?: string; model?: string };
}

/** What the owner app shows of a client: its name, logo, branding and vehicle description. */
export function clientPresentation(client: Client | undefined): Pick<OwnerRequestView, 'client' | 'vehicle'> {
  if (!client) return {};
  const metadata = client.metadata ?? {};
  const logo = typeof metadata.logo_uri === 'string' ? metadata.logo_uri : undefined;
  const branding = isObject(metadata.onboard_branding) ? metadata.onboard_branding : undefined;
  const vehicle = isObject(metadata.onboard_vehicle) ? metadata.onboard_vehicle : undefined;
  return {
    client: {
      ...(client.clientName !== undefined ? { name: client.clientName } : {}),
      ...(logo !== undefined ? { logo_uri: logo } : {}),
      ...(branding !== undefined ? { branding } : {}),
    },
    ...(vehicle
      ? {
          vehicle: {
            ...(typeof vehicle.nickname === 'string' ? { nickname: vehicle.nickname } : {}),
            ...(typeof vehicle.model === 'string' ? { model: vehicle.model } : {}),
          },
        }
      : {}),
  };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function toView(request: AuthRequest, client: Client | undefined, now: number): OwnerRequestView {
  return {
    id: request.id,
    status: request.status,
    client_id: request.clientId,
    client_name: client?.clientName,
    binding_message: request.bindingMessage,
    scope: request.scope.split(' ').filter(Boolean),
    acr_values: request.acrValues,
    authorization_details: request.authorizationDetails,
    created_at: new Date(request.createdAt).toISOString(),
    expires_at: new Date(request.expiresAt).toISOString(),
    expires_in: Math.max(0, Math.ceil((request.expiresAt - now) / 1000)),
    ...clientPresentation(client),
  };
}

export async function toViews(ctx: ProviderContext, requests: AuthRequest[]): Promise<OwnerRequestView[]> {
  const clients = new Map<string, Promise<Client | undefined>>();
  const now = ctx.clock.now();
  return Promise.all(
    requests.map(async (request) => {
      let client = clients.get(request.clientId);
      if (!client) clients.set(request.clientId, (client = ctx.stores.clients.find(request.clientId)));
      return toView(request, await client, now);
    }),
  );
}

function requireMethod(req: WireRequest, method: 'GET' | 'POST' | 'PUT'): void {
  if (req.method !== method) {
    const error = new MethodNotAllowed(`use ${method}`);
    error.headers['allow'] = method;
    throw error;
  }
}

function query(req: WireRequest): URLSearchParams {
  const q = req.url.indexOf('?');
  return new URLSearchParams(q === -1 ? '' : req.url.slice(q + 1));
}

/** The one value of query parameter `name`, if given; twice is an error. */
function single(params: URLSearchParams, name: string): string | undefined {
  const raw = params.getAll(name);
  if (raw.length > 1) throw new InvalidRequest(`${name} is given more than once`);
  return raw[0];
}

function parseWait(params: URLSearchParams): number {
  const raw = single(params, 'wait');
  if (raw === undefined) return 0;
  if (!/^\d{1,3}$/.test(raw)) throw new InvalidRequest('wait must be a whole number of seconds');
  return Math.min(Number(raw), MAX_OWNER_DEVICE_WAIT_SECONDS);
}

function parseLimit(params: URLSearchParams): number {
  const raw = single(params, 'limit');
  if (raw === undefined) return OWNER_DEVICE_PAGE_DEFAULT;
  const limit = /^\d{1,3}$/.test(raw) ? Number(raw) : 0;
  if (limit < 1 || limit > OWNER_DEVICE_PAGE_MAX) {
    throw new InvalidRequest(`limit must be a whole number from 1 to ${OWNER_DEVICE_PAGE_MAX}`);
  }
  return limit;
}

/** The opaque cursor: where the previous page ended (base64url JSON `[createdAt, id]`). */
const encodeCursor = (request: AuthRequest) =>
  Buffer.from(JSON.stringify([request.createdAt, request.id])).toString('base64url');

function parseCursor(params: URLSearchParams): { createdAt: number; id: string } | undefined {
  const raw = single(params, 'cursor');
  if (raw === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      Number.isSafeInteger(value[0]) &&
      typeof value[1] === 'string' &&
      value[1].length <= 200
    ) {
      return { createdAt: value[0] as number, id: value[1] };
    }
  } catch {
    // falls through to the error below
  }
  throw new InvalidRequest('cursor is not valid: pass next_cursor of the previous page unchanged');
}

/**
 * `GET {ownerDevice}/requests[?limit=N][&cursor=C][&wait=S]`: the pending, unexpired
 * requests of the device's owner, newest first, a page at a time, as
 * `{requests: [...], next_cursor?}`. `limit` is 1 to 100 (default 20); `next_cursor` is
 * there when more requests may follow, and `?cursor=` with it returns them. With `wait`
 * (seconds, at most 30) an empty first page is held open until a request arrives or the
 * time is up (long poll).
 *
 * @example
 * GET /owner-device/v1/requests?wait=25
 * Authorization: Bearer <device credential>
 */
export async function handleOwnerDeviceListRequests(ctx: ProviderContext, req: WireRequest): Promise<WireResponse> {
  try {
    requireMethod(req, 'GET');
    const { owner } = await authenticateOwnerDevice(ctx, req);
    const params = query(req);
    const wait = parseWait(params);
    const limit = parseLimit(params);
    const before = parseCursor(params);
    // One more than asked for tells whether a next page exists.
    const page = () =>
      ctx.stores.authRequests.pagePendingForOwner(owner.sub, ctx.clock.now(), { limit: limit + 1, before });
    // Register the waiter before reading, so a request created meanwhile is not missed.
    const cancellation = wait > 0 && !before ? new WaitCancellation() : undefined;
    const woken = cancellation ? ctx.signals.waitForOwnerRequest(owner.sub, wait * 1000, cancellation) : undefined;
    let requests = await page();
    if (requests.length > 0 || !woken) {
      cancellation?.cancel();
    } else {
      await woken;
      requests = await page();
    }
    const more = requests.length > limit;
    if (more) requests = requests.slice(0, limit);
    const body: Record<string, unknown> = { requests: await toViews(ctx, requests) };
    if (more) body.next_cursor = encodeCursor(requests[requests.length - 1]);
    return jsonNoStore(200, body);
  } catch (error) {
    return renderHttpError(error, ctx.logger);
  }
}

/**
 * `GET {ownerDevice}/history[?limit=N][&cursor=C]`: the owner's past requests (approved,
 * denied, consumed, or expired unanswered), newest first, paginated like the request list
 * (`{requests: [...], next_cursor?}`, `limit` 1 to 100, default 20). Expired requests show
 * status `expired` even before the expiry sweep has marked them.
 */
export async function handleOwnerDeviceHistory(ctx: ProviderContext, req: WireRequest): Promise<WireResponse> {
  try {
    requireMethod(req, 'GET');
    const { owner } = await authenticateOwnerDevice(ctx, req);
    const params = query(req);
    const limit = parseLimit(params);
    const before = parseCursor(params);
    const now = ctx.clock.now();
    let requests = await ctx.stores.authRequests.pageHistoryForOwner(owner.sub, now, { limit: limit + 1, before });
    const more = requests.length > limit;
    if (more) requests = requests.slice(0, limit);
    const views = (await toViews(ctx, requests)).map((view) =>
      view.status === 'pending' ? { ...view, status: 'expired' as const } : view,
    );
    const body: Record<string, unknown> = { requests: views };
    if (more) body.next_cursor = encodeCursor(requests[requests.length - 1]);
    return jsonNoStore(200, body);
  } catch (error) {
    return renderHttpError(error, ctx.logger);
  }
}

/** `GET {ownerDevice}/requests/{id}`: one request of the owner, in any state; 404 otherwise. */
export async function handleOwnerDeviceGetRequest(
  ctx: ProviderContext,
  req: WireRequest,
  id: string,
): Promise<WireResponse> {
  try {
    requireMethod(req, 'GET');
    const { owner } = await authenticateOwnerDevice(ctx, req);
    const request = await ctx.stores.authRequests.find(id);
    if (!request || request.sub !== owner.sub) throw new NotFound('no such authentication request');
    const [view] = await toViews(ctx, [request]);
    return jsonNoStore(200, view);
  } catch (error) {
    return renderHttpError(error, ctx.logger);
  }
}

const AMR_VALUE = /^[A-Za-z0-9_.:-]{1,32}$/;

function parseDecisionBody(ctx: ProviderContext, req: WireRequest): { acr?: string; amr?: string[] } {
  const body = readSchemaBody(req, ApproveBody, true);
  const out: { acr?: string; amr?: string[] } = {};
  if (body.acr !== undefined) {
    if (typeof body.acr !== 'string' || !ctx.settings.acrValuesSupported.includes(body.acr)) {
      throw new InvalidRequest('acr must be one of the supported acr values');
    }
    out.acr = body.acr;
  }
  if (body.amr !== undefined) {
    // RFC 8176 method names.
    if (
      !Array.isArray(body.amr) ||
      body.amr.length > 10 ||
      !body.amr.every((m) => typeof m === 'string' && AMR_VALUE.test(m))
    ) {
      throw new InvalidRequest('amr must be an array of at most 10 method names');
    }
    out.amr = body.amr as string[];
  }
  return out;
}

function parseDenyBody(req: WireRequest): { reason?: 'not_me' } {
  const body = readSchemaBody(req, DenyBody, true);
  if (body.reason === undefined || body.reason === null) return {};
  if (body.reason !== 'not_me') throw new InvalidRequest('reason must be "not_me" when given');
  return { reason: 'not_me' };
}

/**
 * `POST {ownerDevice}/requests/{id}/approve` and `…/deny`: the owner's answer. Answers
 * `200` with the request as the device sees it; 404 for a request that is not the owner's,
 * 409 when it expired or was already answered.
 *
 * - A signed-in owner app (passkey session) approves with `{credential}`: a WebAuthn
 *   assertion over the challenge of `…/approval/options`, verified by the provider
 *   ({@link PasskeyApprovalVerifier}) before the request completes; the approval then
 *   carries `acr` `urn:onboard:acr:passkey`.
 * - A bearer-credential device approves with an optional `{acr?, amr?}`; it may not claim
 *   `urn:onboard:acr:passkey`, which only the provider's own verification sets.
 * - Deny takes an optional `{reason: "not_me"}` ("This wasn't me").
 */
export async function handleOwnerDeviceDecision(
  ctx: ProviderContext,
  req: WireRequest,
  id: string,
  decision: 'approve' | 'deny',
): Promise<WireResponse> {
  try {
    requireMethod(req, 'POST');
    const authenticated = await authenticateOwnerDevice(ctx, req);
    const { device, owner } = authenticated;
    let done: AuthRequest;
    if (decision === 'deny') {
      const { reason } = parseDenyBody(req);
      done = await completeAuthRequest(ctx, { id, sub: owner.sub, decision, deviceId: device.id, reason });
    } else if (authenticated.kind === 'passkey') {
      const body = parseJsonBody(req);
      await limitPasskeyAttempt(ctx, { source: req.ip, sub: owner.sub });
      const request = await ctx.stores.authRequests.find(id);
      if (!request || request.sub !== owner.sub) throw new NotFound('no such authentication request');
      if (request.status !== 'pending') throw new Conflict(`the authentication request is already ${request.status}`);
      if (!ctx.passkeyApprovals) throw new AccessDenied('passkey approvals are not enabled');
      const assertion = await ctx.passkeyApprovals.verifyApproval(request, device, body);
      done = await completeAuthRequest(ctx, {
        id,
        sub: owner.sub,
        decision,
        deviceId: device.id,
        acr: PASSKEY_ACR,
        amr: PASSKEY_AMR,
        assertion,
      });
    } else {
      const { acr, amr } = parseDecisionBody(ctx, req);
      if (acr === PASSKEY_ACR) {
        throw new InvalidRequest(`${PASSKEY_ACR} is set only when the provider verified a passkey assertion`);
      }
      done = await completeAuthRequest(ctx, { id, sub: owner.sub, decision, deviceId: device.id, acr, amr });
    }
    const [view] = await toViews(ctx, [done]);
    return jsonNoStore(200, view);
  } catch (error) {
    return renderHttpError(error, ctx.logger);
  }
}

/**
 * `PUT {ownerDevice}/user-code` with JSON `{"user_code": "…"}`: the owner sets or changes
 * their CIBA user code from their own authentication device (CIBA §7.1.2: users need a
 * way to set and change it). It is stored hashed; answers `204`.
 */
export async function handleOwnerDeviceSetUserCode(ctx: ProviderContext, req: WireRequest): Promise<WireResponse> {
  try {
    requireMethod(req, 'PUT');
    const { owner } = await authenticateOwnerDevice(ctx, req);
    const userCode = readSchemaBody(req, UserCodeBody).user_code;
    if (typeof userCode !== 'string') throw new InvalidRequest('user_code must be a string');
    await setOwnerUserCode(ctx, owner.sub, userCode);
    return { status: 204, headers: { 'cache-control': 'no-store' } };
  } catch (error) {
    return renderHttpError(error, ctx.logger);
  }
}

/**
 * `POST {ownerDevice}/user-code/unlock`: the owner unlocks their user code, locked after
 * too many wrong attempts (README, "Limits"), from their own authentication device.
 * Answers `204`, whether or not it was locked.
 */
export async function handleOwnerDeviceUnlockUserCode(ctx: ProviderContext, req: WireRequest): Promise<WireResponse> {
  try {
    requireMethod(req, 'POST');
    const { owner } = await authenticateOwnerDevice(ctx, req);
    await unlockOwnerUserCode(ctx, owner.sub);
    return { status: 204, headers: { 'cache-control': 'no-store' } };
  } catch (error) {
    return renderHttpError(error, ctx.logger);
  }
}
