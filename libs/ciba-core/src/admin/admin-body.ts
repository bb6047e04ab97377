import type { TObject } from 'typebox';
import { SchemaValidationError, Type, validate, type TSchema } from '@onboard/platform';
import { InvalidRequest } from '../errors/oauth-error';
import { parseJsonBody } from '../http/parse-body';
import { ADMIN_CLIENT_FIELDS } from '../registration/register-client';
import { MAX_CLIENT_IMPORT } from './import-clients';
import type { WireRequest } from '../wire/wire';

const text = (description: string) => Type.Optional(Type.String({ description }));

/** `POST /owners`: a new owner. Formats are checked by `createOwner`, which names what it expected. */
export const CreateOwnerBody = Type.Object(
  {
    sub: text('subject identifier; 1 to 255 printable ASCII characters (default: a random one)'),
    username: text('1 to 64 characters of A-Z a-z 0-9 . _ -'),
    email: text('e-mail address (a login hint)'),
    phone_number: text('E.164 phone number, e.g. +4915112345678 (a login hint)'),
    name: text('display name, 1 to 200 characters without control characters'),
    user_code: text('CIBA user code, 4 to 64 printable characters (stored as an scrypt hash)'),
  },
  { title: 'AdminOwnerInput' },
);

/** `PUT /owners/{sub}/user-code`. */
export const SetUserCodeBody = Type.Object(
  { user_code: Type.String({ description: 'the new user code, 4 to 64 printable characters' }) },
  { title: 'AdminUserCodeInput' },
);

/** `POST /owners/{sub}/devices`: the body may be absent. */
export const CreateOwnerDeviceBody = Type.Object(
  { name: text('a name for the device, e.g. "Alice\'s phone"') },
  { title: 'AdminOwnerDeviceInput' },
);

/**
 * `POST /clients`: the RFC 7591 / CIBA §4 metadata this provider reads, and `client_id` (an
 * operator may choose it). Values are checked by registration, which answers
 * `invalid_client_metadata` as RFC 7591 §3.2.2 asks; the schema refuses unknown fields.
 */
export const RegisterClientBody = Type.Object(
  Object.fromEntries(
    ADMIN_CLIENT_FIELDS.map((field) => [
      field,
      field === 'client_id'
        ? text('the client_id to register under (default: a random one)')
        : Type.Optional(Type.Unknown({ description: `RFC 7591 / CIBA client metadata \`${field}\`` })),
    ]),
  ) as unknown as Record<(typeof ADMIN_CLIENT_FIELDS)[number], TSchema>,
  { title: 'AdminClientInput' },
);

/**
 * `PUT /clients/{id}/branding`: what the owner app shows of a client. A field replaces the
 * registered value, `null` removes it, an absent field stays; values are checked as at
 * registration (docs/owner-app.md "Branding").
 */
export const ClientBrandingBody = Type.Object(
  {
    client_name: Type.Optional(
      Type.Union([Type.String({ description: 'display name, 1 to 256 characters' }), Type.Null()]),
    ),
    logo_uri: Type.Optional(
      Type.Union([
        Type.String({ description: 'an https URL or a data:image/… base64 URI, at most 32 KiB' }),
        Type.Null(),
      ]),
    ),
    onboard_branding: Type.Optional(
      Type.Union([
        Type.Unknown({
          description:
            'colours {primary_color, background_color, text_color} and strings {<language>: {request_title, approve_label, deny_label}}',
        }),
        Type.Null(),
      ]),
    ),
    onboard_vehicle: Type.Optional(
      Type.Union([Type.Unknown({ description: "a head-unit's {nickname, model}, never its VIN" }), Type.Null()]),
    ),
    onboard_approval_receipts: Type.Optional(
      Type.Union([
        Type.Boolean({ description: 'approval receipts in token responses and push payloads' }),
        Type.Null(),
      ]),
    ),
  },
  { title: 'AdminClientBrandingInput' },
);

/**
 * `POST /clients:import`: up to {@link MAX_CLIENT_IMPORT} clients, each as `POST /clients` takes
 * it; a field of one of them outside that metadata is refused naming the field and its index.
 */
export const ImportClientsBody = Type.Object(
  {
    clients: Type.Array(RegisterClientBody, {
      minItems: 1,
      maxItems: MAX_CLIENT_IMPORT,
      description: `1 to ${MAX_CLIENT_IMPORT} clients, registered in this order`,
    }),
  },
  { title: 'AdminClientImportInput' },
);

/** The actions (`…/disable`, `…/enable`, `…/unlock`): no body, or an empty object. */
export const NoFieldsBody = Type.Object({}, { title: 'NoFields' });

/**
 * The body schema of each admin endpoint that takes one: the one place that says what a body
 * is made of. It validates at run time ({@link readAdminBody}) and is the request body of the
 * API description (docs/openapi.yaml is generated from it).
 */
export const ADMIN_BODIES = {
  createOwner: CreateOwnerBody,
  setUserCode: SetUserCodeBody,
  createOwnerDevice: CreateOwnerDeviceBody,
  registerClient: RegisterClientBody,
  clientBranding: ClientBrandingBody,
  importClients: ImportClientsBody,
  none: NoFieldsBody,
} as const satisfies Record<string, TObject>;

export type AdminBody = keyof typeof ADMIN_BODIES;

/** The fields each admin API body may hold, by endpoint (from {@link ADMIN_BODIES}). */
export const ADMIN_BODY_FIELDS = Object.fromEntries(
  Object.entries(ADMIN_BODIES).map(([name, schema]) => [name, Object.keys(schema.properties)]),
) as unknown as { readonly [name in AdminBody]: readonly string[] };

/**
 * A schema validation failure in the JSON APIs' words: every unknown field named with the
 * fields the request takes, else the first other issue naming its field.
 */
export function bodyRefusal(error: SchemaValidationError, allowed: readonly string[]): InvalidRequest {
  const unknown = error.issues
    .map((issue) => /^unknown field '(.*)'$/.exec(issue.field)?.[1])
    .filter((name): name is string => name !== undefined);
  if (unknown.length > 0) {
    const names = unknown.map((name) => `'${name}'`).join(', ');
    const takes = allowed.length === 0 ? 'this request takes no fields' : `this request takes ${allowed.join(', ')}`;
    return new InvalidRequest(`unknown field${unknown.length > 1 ? 's' : ''} ${names}: ${takes}`);
  }
  const [first] = error.issues;
  return new InvalidRequest(first ? `${first.field} ${first.message}` : error.message);
}

/**
 * The JSON object body of a request checked against `schema` (absent: `{}` when `optional`); a
 * `null` counts as an absent field. Failures are `invalid_request` ({@link bodyRefusal}).
 */
export function readSchemaBody(req: WireRequest, schema: TObject, optional = false): Record<string, unknown> {
  const empty = !req.rawBody || req.rawBody.length === 0;
  if (empty && optional) return {};
  const value = parseJsonBody(req);
  const present = Object.fromEntries(Object.entries(value).filter(([, field]) => field !== null));
  try {
    validate(schema, present);
  } catch (error) {
    if (error instanceof SchemaValidationError) throw bodyRefusal(error, Object.keys(schema.properties));
    throw error;
  }
  return value;
}

/**
 * The JSON object body of an admin request, checked against the endpoint's schema
 * ({@link ADMIN_BODIES}); an absent body is `{}` when `optional`. Unknown fields are
 * `invalid_request` naming each of them and the fields the endpoint takes; a field of the wrong
 * type or a missing one is `invalid_request` naming it. A `null` counts as an absent field.
 *
 * @example
 * const body = readAdminBody(req, 'createOwner'); // {"mail": "…"} → invalid_request: unknown field 'mail'
 */
export function readAdminBody(req: WireRequest, body: AdminBody, optional = false): Record<string, unknown> {
  return readSchemaBody(req, ADMIN_BODIES[body], optional);
}
