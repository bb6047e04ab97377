import type { ProviderContext } from '../context';
import type { AuthRequest } from '../domain/auth-request';
import type { Client } from '../domain/client';
import { setOwnerUserCode } from '../admin/admin';
import { completeAuthRequest } from '../completion/complete-auth-request';
import { InvalidRequest, MethodNotAllowed, NotFound } from '../errors/oauth-error';
import { parseJsonBody } from '../http/parse-body';
import { WaitCancellation } from '../signals/wait-cancellation';
import { jsonNoStore, renderHttpError } from '../http/render-http';
import type { WireRequest, WireResponse } from '../wire/wire';
import { authenticateOwnerDevice } from './authenticate-owner-device';

/** Longest long poll an owner device may ask for with `?wait=` (seconds). */
export const MAX_OWNER_DEVICE_WAIT_SECONDS = 30;

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
}

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
  };
}

async function toViews(ctx: ProviderContext, requests: AuthRequest[]): Promise<OwnerRequestView[]> {
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

function parseWait(req: WireRequest): number {
  const q = req.url.indexOf('?');
  const raw = q === -1 ? [] : new URLSearchParams(req.url.slice(q + 1)).getAll('wait');
  if (raw.length === 0) return 0;
  if (raw.length > 1 || !/^\d{1,3}$/.test(raw[0])) throw new InvalidRequest('wait must be a whole number of seconds');
  return Math.min(Number(raw[0]), MAX_OWNER_DEVICE_WAIT_SECONDS);
}

/**
 * `GET {ownerDevice}/requests[?wait=N]`: the pending, unexpired requests of the
 * device's owner, oldest first, as `{requests: [...]}`. With `wait` (seconds, at most
 * 30) an empty list is held open until a request arrives or the time is up (long poll).
 *
 * @example
 * GET /owner-device/v1/requests?wait=25
 * Authorization: Bearer <device credential>
 */
export async function handleOwnerDeviceListRequests(ctx: ProviderContext, req: WireRequest): Promise<WireResponse> {
  try {
    requireMethod(req, 'GET');
    const { owner } = await authenticateOwnerDevice(ctx, req);
    const wait = parseWait(req);
    // Register the waiter before reading, so a request created meanwhile is not missed.
    const cancellation = wait > 0 ? new WaitCancellation() : undefined;
    const woken = cancellation ? ctx.signals.waitForOwnerRequest(owner.sub, wait * 1000, cancellation) : undefined;
    let requests = await ctx.stores.authRequests.listPendingForOwner(owner.sub, ctx.clock.now());
    if (requests.length > 0 || !woken) {
      cancellation?.cancel();
    } else {
      await woken;
      requests = await ctx.stores.authRequests.listPendingForOwner(owner.sub, ctx.clock.now());
    }
    return jsonNoStore(200, { requests: await toViews(ctx, requests) });
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
  if (!req.rawBody || req.rawBody.length === 0) return {};
  const body = parseJsonBody(req);
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

/**
 * `POST {ownerDevice}/requests/{id}/approve` and `…/deny`: the owner's answer. Optional
 * JSON body `{acr?, amr?}` (what the device verified). Answers `200 {id, status}`;
 * 404 for a request that is not the owner's, 409 when it expired or was already answered.
 */
export async function handleOwnerDeviceDecision(
  ctx: ProviderContext,
  req: WireRequest,
  id: string,
  decision: 'approve' | 'deny',
): Promise<WireResponse> {
  try {
    requireMethod(req, 'POST');
    const { device, owner } = await authenticateOwnerDevice(ctx, req);
    const { acr, amr } = decision === 'approve' ? parseDecisionBody(ctx, req) : {};
    const done = await completeAuthRequest(ctx, { id, sub: owner.sub, decision, deviceId: device.id, acr, amr });
    return jsonNoStore(200, { id: done.id, status: done.status });
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
    const userCode = parseJsonBody(req).user_code;
    if (typeof userCode !== 'string') throw new InvalidRequest('user_code must be a string');
    await setOwnerUserCode(ctx, owner.sub, userCode);
    return { status: 204, headers: { 'cache-control': 'no-store' } };
  } catch (error) {
    return renderHttpError(error, ctx.logger);
  }
}
