import { createHash, timingSafeEqual } from 'node:crypto';
import { DEVICE_STATUSES, MAX_DEVICE_PAGE, type DeviceRecord, type DeviceStatus } from '@onboard/bridge-core';
import { SourceFailures, createMemoryLimitStore, silentLogger, type Logger } from '@onboard/platform';
import { HttpError, json, type BridgeHttpRequest, type BridgeHttpServer } from '../infra/http-server';
import { checkAdminBody, type BridgeAdminBody } from './admin-body';
import { DeviceAdminError, type DeviceAdmin, type ImportEntry, type ImportLineResult } from './device-admin';

/** Path prefix of the bridge admin API. */
export const ADMIN_DEVICES_PATH = '/admin/v1/devices';

const MAX_REGISTRATION_BYTES = 64 * 1024;
/** The body of a status change (`…/disable`, `…/revoke`): none, or an empty object. */
const MAX_ACTION_BYTES = 1024;

/** A fleet file of some 100,000 devices. */
const MAX_IMPORT_BYTES = 64 * 1024 * 1024;

/**
 * The bridge admin HTTP API (Bearer `BRIDGE_ADMIN_TOKEN`, compared in constant time):
 * - `POST /admin/v1/devices` `{device_id, jwks, name?}` → 201 (registered) or 200 (unchanged);
 * - `POST /admin/v1/devices:import`, a JSON-lines body, one registration per line → 200 with a
 *   result per line;
 * - `GET /admin/v1/devices[?status=&after=&limit=]`, `GET /admin/v1/devices/{id}`;
 * - `POST /admin/v1/devices/{id}/disable`, `POST /admin/v1/devices/{id}/revoke`.
 * Bodies hold only the fields their TypeBox schema declares (`BRIDGE_ADMIN_BODIES`, also the
 * bridge's OpenAPI document); an unknown one is 400 `invalid_request` naming it. Errors are `{error, error_description}`; snake_case on the wire, as in the provider's admin API.
 * Wrong admin tokens are counted per remote address (`failures`); an address over the limit gets
 * 429 `slow_down` with `Retry-After` until its block ends, whatever token it sends.
 */
export function registerDeviceAdminRoutes(
  http: BridgeHttpServer,
  admin: DeviceAdmin,
  adminToken: string,
  options: { failures?: SourceFailures; logger?: Logger } = {},
): void {
  const expected = digest(adminToken);
  const failures =
    options.failures ??
    new SourceFailures(
      createMemoryLimitStore().limiter({
        name: 'bridge_auth_admin',
        points: 20,
        windowSeconds: 300,
        blockSeconds: 900,
      }),
    );
  const logger = options.logger ?? silentLogger;
  const guarded =
    (handler: (req: BridgeHttpRequest) => Promise<ReturnType<typeof json>>) => async (req: BridgeHttpRequest) => {
      await authenticate(req, expected, failures, logger);
      try {
        return await handler(req);
      } catch (err) {
        if (err instanceof DeviceAdminError) throw new HttpError(err.status, err.code, err.message);
        throw err;
      }
    };

  http.route(
    'POST',
    ADMIN_DEVICES_PATH,
    guarded(async (req) => {
      const body = parseObject((await req.body(MAX_REGISTRATION_BYTES)).toString('utf8'), 'registration');
      if (typeof body === 'string') throw new HttpError(400, 'invalid_request', body);
      const { outcome, device } = await admin.register(registrationOf(body));
      return json(outcome === 'registered' ? 201 : 200, { outcome, ...deviceView(device) });
    }),
  );
  http.route(
    'POST',
    `${ADMIN_DEVICES_PATH}:import`,
    guarded(async (req) => {
      const results = await admin.import(parseJsonLines((await req.body(MAX_IMPORT_BYTES)).toString('utf8')));
      return json(200, importView(results));
    }),
  );
  http.route(
    'GET',
    ADMIN_DEVICES_PATH,
    guarded(async (req) => {
      const status = req.query.get('status') ?? undefined;
      if (status !== undefined && !(DEVICE_STATUSES as readonly string[]).includes(status))
        throw new HttpError(400, 'invalid_request', `status must be one of ${DEVICE_STATUSES.join(', ')}`);
      const rawLimit = req.query.get('limit');
      const limit = rawLimit === null ? 100 : Number(rawLimit);
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_DEVICE_PAGE)
        throw new HttpError(400, 'invalid_request', `limit must be an integer from 1 to ${MAX_DEVICE_PAGE}`);
      const devices = await admin.list({
        status: status as DeviceStatus | undefined,
        after: req.query.get('after') ?? undefined,
        limit,
      });
      const last = devices.length === limit ? devices[devices.length - 1].deviceId : undefined;
      return json(200, { devices: devices.map(deviceView), ...(last ? { next_after: last } : {}) });
    }),
  );
  http.route(
    'GET',
    `${ADMIN_DEVICES_PATH}/:id`,
    guarded(async (req) => json(200, deviceView(await admin.get(req.params.id)))),
  );
  http.route(
    'POST',
    `${ADMIN_DEVICES_PATH}/:id/disable`,
    guarded(async (req) => {
      await readAction(req);
      return json(200, deviceView(await admin.disable(req.params.id)));
    }),
  );
  http.route(
    'POST',
    `${ADMIN_DEVICES_PATH}/:id/revoke`,
    guarded(async (req) => {
      await readAction(req);
      return json(200, deviceView(await admin.revoke(req.params.id)));
    }),
  );
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** RFC 6750 §2.1 bearer token, compared in constant time (hashes of equal length). */
async function authenticate(
  req: BridgeHttpRequest,
  expected: Buffer,
  failures: SourceFailures,
  logger: Logger,
): Promise<void> {
  const header = req.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer ([^\s]+)$/i.exec(header) : null;
  const source = req.remoteAddress;
  if (match && source !== undefined) {
    const state = await failures.check(source);
    if (!state.allowed) {
      const seconds = Math.max(1, Math.ceil(state.retryAfterMs / 1000));
      throw new HttpError(
        429,
        'slow_down',
        `too many wrong admin tokens from this address; try again in ${seconds} seconds`,
        {
          'retry-after': String(seconds),
        },
      );
    }
  }
  if (match && timingSafeEqual(digest(match[1]), expected)) return;
  // A wrong token (never a missing one) counts against the address; the token is not logged.
  if (match) {
    const state = source !== undefined ? await failures.fail(source) : undefined;
    logger.warn('bridge admin authentication failed', { source, blocked: state ? !state.allowed : undefined });
  }
  throw new HttpError(401, 'invalid_token', 'admin credential required', {
    'www-authenticate': match ? 'Bearer realm="bridge-admin", error="invalid_token"' : 'Bearer realm="bridge-admin"',
  });
}

/** A JSON object holding only the fields its schema declares, or why it is not one. */
function parseObject(text: string, body: BridgeAdminBody): Record<string, unknown> | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'body is not JSON';
  }
  return checkAdminBody(value, body) ?? (value as Record<string, unknown>);
}

/** The body of a status change: absent, or a JSON object without fields. */
async function readAction(req: BridgeHttpRequest): Promise<void> {
  const text = (await req.body(MAX_ACTION_BYTES)).toString('utf8');
  if (text.trim() === '') return;
  const body = parseObject(text, 'action');
  if (typeof body === 'string') throw new HttpError(400, 'invalid_request', body);
}

function registrationOf(body: Record<string, unknown>) {
  return { deviceId: body.device_id, jwks: body.jwks, name: body.name };
}

/** One registration per non-empty line; line numbers start at 1. */
function parseJsonLines(text: string): ImportEntry[] {
  const entries: ImportEntry[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    const parsed = parseObject(line, 'registration');
    entries.push(
      typeof parsed === 'string'
        ? { line: index + 1, problem: parsed.replace('body', 'line') }
        : { line: index + 1, registration: registrationOf(parsed) },
    );
  });
  return entries;
}

function deviceView(device: DeviceRecord) {
  return {
    device_id: device.deviceId,
    status: device.status,
    jwks: { keys: device.publicJwks },
    created_at: new Date(device.createdAt).toISOString(),
    updated_at: new Date(device.updatedAt).toISOString(),
  };
}

function importView(results: ImportLineResult[]) {
  const count = (outcome: string) => results.filter((r) => r.outcome === outcome).length;
  return {
    registered: count('registered'),
    unchanged: count('unchanged'),
    failed: count('failed'),
    results: results.map((r) =>
      r.outcome === 'failed'
        ? {
            line: r.line,
            device_id: r.deviceId,
            outcome: r.outcome,
            error: r.error,
            error_description: r.errorDescription,
          }
        : { line: r.line, device_id: r.deviceId, outcome: r.outcome },
    ),
  };
}
