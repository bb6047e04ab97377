import type { TObject } from 'typebox';
import { SchemaValidationError, Type, validate } from '@onboard/platform';

/**
 * A device registration: the body of `POST /admin/v1/devices` and each line of
 * `POST /admin/v1/devices:import`. Values are checked by the device admin, which names what it
 * expected; the schema refuses fields it does not declare.
 */
export const DeviceRegistrationBody = Type.Object(
  {
    device_id: Type.Unknown({
      description: 'the device id (MQTT client id), 1 to 128 characters of A-Z a-z 0-9 . _ : -',
    }),
    jwks: Type.Unknown({
      description: 'the device\'s public keys as a JWK set `{"keys": [...]}` (EC P-256 or Ed25519, no private parts)',
    }),
    name: Type.Optional(Type.Unknown({ description: 'a display name for the device' })),
  },
  { title: 'DeviceRegistration' },
);

/** The actions (`…/disable`, `…/revoke`): no body, or an empty object. */
export const NoFieldsBody = Type.Object({}, { title: 'NoFields' });

/**
 * The body schema of each bridge admin endpoint that takes one: validated at run time
 * ({@link checkAdminBody}) and the request bodies of the bridge's OpenAPI document.
 */
export const BRIDGE_ADMIN_BODIES = {
  registration: DeviceRegistrationBody,
  action: NoFieldsBody,
} as const satisfies Record<string, TObject>;

export type BridgeAdminBody = keyof typeof BRIDGE_ADMIN_BODIES;

/** The field sets alone (every field optional): a missing field is named by the device admin. */
const FIELD_SETS = {
  registration: Type.Partial(DeviceRegistrationBody),
  action: NoFieldsBody,
} as const satisfies Record<BridgeAdminBody, TObject>;

/**
 * Why `value` is not a body of kind `body` (undefined when it is): not a JSON object, or holding
 * a field its schema does not declare (each named, cut to 64 characters, then the fields it takes).
 * The values of declared fields are left to the device admin.
 *
 * @example
 * checkAdminBody({ device_id: 'hu-1', jwks, vin: 'X' }, 'registration');
 * // "unknown field 'vin': this request takes device_id, jwks, name"
 */
export function checkAdminBody(value: unknown, body: BridgeAdminBody): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'body must be a JSON object';
  const schema = BRIDGE_ADMIN_BODIES[body];
  try {
    validate(FIELD_SETS[body], value);
    return undefined;
  } catch (error) {
    if (!(error instanceof SchemaValidationError)) throw error;
    const unknown = error.issues
      .map((issue) => /^unknown field '(.*)'/.exec(issue.field)?.[1])
      .filter((name): name is string => name !== undefined);
    const allowed = Object.keys(schema.properties);
    const takes = allowed.length === 0 ? 'this request takes no fields' : `this request takes ${allowed.join(', ')}`;
    const names = unknown.map((name) => `'${name}'`).join(', ');
    return `unknown field${unknown.length > 1 ? 's' : ''} ${names}: ${takes}`;
  }
}
