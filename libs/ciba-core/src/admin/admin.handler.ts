import { createInvitation } from '../owner-device/invitations';
import { hash, timingSafeEqual } from 'node:crypto';
import type { ProviderContext } from '../context';
import type { Client } from '../domain/client';
import type { Owner, OwnerDevice } from '../domain/owner';
import { InvalidRequest, InvalidToken, NotFound } from '../errors/oauth-error';
import { jsonNoStore, renderHttpError } from '../http/render-http';
import type { AuditEvent } from '../ports/stores.port';
import { countAuthFailure, refuseBlockedSource } from '../limits/limits';
import { bearerToken } from '../owner-device/authenticate-owner-device';
import { registerClient } from '../registration/register-client';
import { importClients } from './import-clients';
import type { WireRequest, WireResponse } from '../wire/wire';
import {
  createOwner,
  createOwnerDevice,
  disableClient,
  updateClientBranding,
  disableOwner,
  disableOwnerDevice,
  enableOwner,
  getClient,
  listClients,
  listOwnerDevices,
  listOwners,
  setOwnerUserCode,
  unlockOwnerUserCode,
} from './admin';
import { ADMIN_BODY_FIELDS, readAdminBody, type AdminBody } from './admin-body';

const digest = (value: string) => hash('sha256', value, 'buffer');

/**
 * Guard of the admin API: `Authorization: Bearer <adminToken>`, compared in constant
 * time (both sides hashed first, so length does not leak either). Without a configured
 * admin token the API does not exist (404).
 */
export async function authenticateAdmin(ctx: ProviderContext, req: WireRequest): Promise<void> {
  const expected = ctx.settings.adminToken;
  if (!expected) throw new NotFound('not found');
  const presented = bearerToken(req);
  // README, "Limits": wrong admin tokens are counted per source address, which is then blocked.
  if (presented) await refuseBlockedSource(ctx, 'admin', req.ip);
  if (!presented || !timingSafeEqual(digest(presented), digest(expected))) {
    if (presented) await countAuthFailure(ctx, 'admin', req.ip);
    const error = new InvalidToken('admin credential required');
    error.headers['www-authenticate'] = presented
      ? 'Bearer realm="admin", error="invalid_token"'
      : 'Bearer realm="admin"';
    throw error;
  }
}

const ownerView = (o: Owner) => ({
  sub: o.sub,
  username: o.username,
  email: o.email,
  phone_number: o.phoneNumber,
  name: o.name,
  user_code_set: o.userCodeHash !== undefined,
  disabled: o.disabled,
  created_at: new Date(o.createdAt).toISOString(),
});

const deviceView = (d: OwnerDevice) => ({
  id: d.id,
  sub: d.sub,
  name: d.name,
  disabled: d.disabled,
  created_at: new Date(d.createdAt).toISOString(),
});

function clientView(c: Client): Record<string, unknown> {
  const { client_secret: _secret, ...metadata } = c.metadata;
  return {
    ...metadata,
    client_id: c.clientId,
    client_name: c.clientName,
    backchannel_token_delivery_mode: c.backchannelTokenDeliveryMode,
    disabled: c.disabled,
    created_at: new Date(c.createdAt).toISOString(),
  };
}

const eventView = (e: AuditEvent) => ({
  id: e.id,
  at: new Date(e.at).toISOString(),
  type: e.type,
  client_id: e.clientId,
  sub: e.sub,
  auth_request_id: e.authRequestId,
  data: e.data,
});

function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new InvalidRequest(`${key} must be a string`);
  return value;
}

function auditQuery(req: WireRequest): { authRequestId?: string; sub?: string; limit: number } {
  const query = new URL(req.url, 'http://localhost').searchParams;
  const limitRaw = query.get('limit') ?? '100';
  if (!/^\d{1,4}$/.test(limitRaw)) throw new InvalidRequest('limit must be a whole number');
  const authRequestId = query.get('auth_request_id') ?? undefined;
  const sub = query.get('sub') ?? undefined;
  if (!authRequestId && !sub) throw new InvalidRequest('auth_request_id or sub is required');
  return { authRequestId, sub, limit: Math.min(Number(limitRaw), 1000) };
}

/**
 * One admin endpoint: method, path below PATHS.admin (`*` = one path parameter, in order),
 * the body it takes, and what it does. The app's router (Nest) routes to it; the endpoint
 * itself is run by {@link handleAdminEndpoint}.
 */
export interface AdminEndpoint {
  method: 'GET' | 'POST' | 'PUT';
  pattern: string;
  /** The fields its body may hold (`ADMIN_BODY_FIELDS`); `optional`: the body may be absent. GETs take none. */
  body?: { fields: AdminBody; optional?: boolean };
  run(ctx: ProviderContext, params: string[], body: Record<string, unknown>, req: WireRequest): Promise<WireResponse>;
}

/** An action on a resource: no body, or an empty object. */
const NO_BODY = { fields: 'none', optional: true } as const;

const ENDPOINTS = {
  listOwners: {
    method: 'GET',
    pattern: 'owners',
    run: async (ctx) => jsonNoStore(200, { owners: (await listOwners(ctx)).map(ownerView) }),
  },
  createOwner: {
    method: 'POST',
    pattern: 'owners',
    body: { fields: 'createOwner' },
    run: async (ctx, _params, body) => {
      const owner = await createOwner(ctx, {
        sub: optionalString(body, 'sub'),
        username: optionalString(body, 'username'),
        email: optionalString(body, 'email'),
        phoneNumber: optionalString(body, 'phone_number'),
        name: optionalString(body, 'name'),
        userCode: optionalString(body, 'user_code'),
      });
      return jsonNoStore(201, ownerView(owner));
    },
  },
  setUserCode: {
    method: 'PUT',
    pattern: 'owners/*/user-code',
    body: { fields: 'setUserCode' },
    run: async (ctx, [sub], body) => {
      const code = optionalString(body, 'user_code');
      if (code === undefined) throw new InvalidRequest('user_code is required');
      return jsonNoStore(200, ownerView(await setOwnerUserCode(ctx, sub, code)));
    },
  },
  unlockUserCode: {
    method: 'POST',
    pattern: 'owners/*/user-code/unlock',
    body: NO_BODY,
    run: async (ctx, [sub]) => jsonNoStore(200, ownerView(await unlockOwnerUserCode(ctx, sub))),
  },
  disableOwner: {
    method: 'POST',
    pattern: 'owners/*/disable',
    body: NO_BODY,
    run: async (ctx, [sub]) => jsonNoStore(200, ownerView(await disableOwner(ctx, sub))),
  },
  enableOwner: {
    method: 'POST',
    pattern: 'owners/*/enable',
    body: NO_BODY,
    run: async (ctx, [sub]) => jsonNoStore(200, ownerView(await enableOwner(ctx, sub))),
  },
  listOwnerDevices: {
    method: 'GET',
    pattern: 'owners/*/devices',
    run: async (ctx, [sub]) => jsonNoStore(200, { devices: (await listOwnerDevices(ctx, sub)).map(deviceView) }),
  },
  createOwnerDevice: {
    method: 'POST',
    pattern: 'owners/*/devices',
    body: { fields: 'createOwnerDevice', optional: true },
    run: async (ctx, [sub], body) => {
      const { device, credential } = await createOwnerDevice(ctx, { sub, name: optionalString(body, 'name') });
      // The credential is shown this once; only its hash is stored.
      return jsonNoStore(201, { ...deviceView(device), credential });
    },
  },
  disableOwnerDevice: {
    method: 'POST',
    pattern: 'owners/*/devices/*/disable',
    body: NO_BODY,
    run: async (ctx, [sub, id]) => jsonNoStore(200, deviceView(await disableOwnerDevice(ctx, sub, id))),
  },
  createInvitation: {
    method: 'POST',
    pattern: 'owners/*/invitations',
    body: NO_BODY,
    run: async (ctx, [sub]) => {
      // The link carries the one-time token: shown this once, only its hash is stored.
      const { invitation, url } = await createInvitation(ctx, sub);
      return jsonNoStore(201, {
        invitation_id: invitation.id,
        sub,
        url,
        expires_at: new Date(invitation.expiresAt).toISOString(),
      });
    },
  },
  listClients: {
    method: 'GET',
    pattern: 'clients',
    run: async (ctx) => jsonNoStore(200, { clients: (await listClients(ctx)).map(clientView) }),
  },
  registerClient: {
    method: 'POST',
    pattern: 'clients',
    body: { fields: 'registerClient' },
    run: async (ctx, _params, metadata) => {
      // RFC 7591 metadata; the admin token stands in for the initial access token.
      // An operator may choose the client_id (e.g. a head-unit's device id).
      const clientId = optionalString(metadata, 'client_id');
      const { response } = await registerClient(ctx, metadata, { skipInitialAccessToken: true, clientId });
      return jsonNoStore(201, response);
    },
  },
  importClients: {
    method: 'POST',
    pattern: 'clients:import',
    body: { fields: 'importClients' },
    run: async (ctx, _params, body) => {
      const results = await importClients(ctx, body.clients as Record<string, unknown>[]);
      const registered = results.filter((r) => r.outcome === 'registered').length;
      return jsonNoStore(200, {
        registered,
        failed: results.length - registered,
        results: results.map((r) =>
          r.outcome === 'registered'
            ? { index: r.index, client_id: r.clientId, outcome: r.outcome, client: r.response }
            : {
                index: r.index,
                ...(r.clientId !== undefined ? { client_id: r.clientId } : {}),
                outcome: r.outcome,
                error: r.error,
                error_description: r.errorDescription,
              },
        ),
      });
    },
  },
  getClient: {
    method: 'GET',
    pattern: 'clients/*',
    run: async (ctx, [id]) => jsonNoStore(200, clientView(await getClient(ctx, id))),
  },
  updateClientBranding: {
    method: 'PUT',
    pattern: 'clients/*/branding',
    body: { fields: 'clientBranding' },
    run: async (ctx, [id], body) => jsonNoStore(200, clientView(await updateClientBranding(ctx, id, body))),
  },
  disableClient: {
    method: 'POST',
    pattern: 'clients/*/disable',
    body: NO_BODY,
    run: async (ctx, [id]) => jsonNoStore(200, clientView(await disableClient(ctx, id))),
  },
  listAudit: {
    method: 'GET',
    pattern: 'audit',
    run: async (ctx, _params, _body, req) =>
      jsonNoStore(200, { events: (await ctx.stores.audit.list(auditQuery(req))).map(eventView) }),
  },
} satisfies Record<string, AdminEndpoint>;

/** The admin API, endpoint by endpoint (see {@link handleAdminEndpoint}). */
export const ADMIN_ENDPOINTS: { readonly [name in keyof typeof ENDPOINTS]: AdminEndpoint } = ENDPOINTS;

/**
 * The admin API's routes as data, for checks of its documentation (docs/openapi.yaml): the
 * method, the path below PATHS.admin with each path parameter written `{}`, and, for a route
 * that takes a body, the fields it may hold (ADMIN_BODY_FIELDS).
 *
 * @example
 * ADMIN_API_ROUTES.find((r) => r.path === '/owners/{}/enable'); // { method: 'POST', path, bodyFields: [] }
 */
export const ADMIN_API_ROUTES: readonly { method: string; path: string; bodyFields?: readonly string[] }[] =
  Object.values(ADMIN_ENDPOINTS).map((r) => ({
    method: r.method,
    path: `/${r.pattern.replace(/\*/g, '{}')}`,
    ...(r.body ? { bodyFields: ADMIN_BODY_FIELDS[r.body.fields] } : {}),
  }));

/**
 * The admin HTTP API (under PATHS.admin), for operators and the admin CLI:
 * - `GET/POST /owners`, `PUT /owners/{sub}/user-code`, `POST /owners/{sub}/user-code/unlock`,
 *   `POST /owners/{sub}/disable` (ends the owner's tokens and pending requests), `POST /owners/{sub}/enable`
 * - `GET/POST /owners/{sub}/devices` (POST returns the device credential once),
 *   `POST /owners/{sub}/devices/{id}/disable`
 * - `GET/POST /clients` (POST: RFC 7591 metadata, no initial access token needed),
 *   `GET /clients/{id}` (metadata, never secrets), `PUT /clients/{id}/branding` (what the owner app shows), `POST /clients/{id}/disable`
 *   (also revokes the client's refresh tokens)
 * - `GET /audit?auth_request_id=…|sub=…[&limit=N]`
 * Bodies hold only the fields their endpoint declares (`ADMIN_BODY_FIELDS`): anything
 * else is `invalid_request` naming the field. Guarded by {@link authenticateAdmin}, which runs
 * before the body is read; `params` are the endpoint's path parameters, decoded, in order.
 *
 * @example
 * await handleAdminEndpoint(ctx, req, ADMIN_ENDPOINTS.listOwnerDevices, ['alice']);
 */
export async function handleAdminEndpoint(
  ctx: ProviderContext,
  req: WireRequest,
  endpoint: AdminEndpoint,
  params: string[] = [],
): Promise<WireResponse> {
  try {
    await authenticateAdmin(ctx, req);
    const body = endpoint.body ? readAdminBody(req, endpoint.body.fields, endpoint.body.optional) : {};
    return await endpoint.run(ctx, params, body, req);
  } catch (error) {
    return renderHttpError(error, ctx.logger);
  }
}
