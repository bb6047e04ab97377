import {
  EmptyBody,
  EnrolmentOptionsBody,
  EnrolmentVerifyBody,
  PushSubscriptionBody,
  PushUnsubscribeBody,
  SessionVerifyBody,
} from '@onboard/owner-auth';

/** One route of the owner app's part of the owner-device API, as the document shows it. */
interface OwnerAppOperation {
  method: 'get' | 'post' | 'delete';
  path: string;
  operationId: string;
  summary: string;
  /** The TypeBox schema the handler validates the JSON body with. */
  body?: object;
  /** The success status and what it carries. */
  ok: [status: string, description: string];
  /** Needs the `onboard_session` cookie of a signed-in phone. */
  session: boolean;
  /** Shared error responses (components/responses) it may answer. */
  errors: string[];
}

const OWNER_APP_OPERATIONS: OwnerAppOperation[] = [
  {
    method: 'post',
    path: '/enrolment/options',
    operationId: 'ownerAppEnrolmentOptions',
    summary: 'WebAuthn registration options for a one-time invitation',
    body: EnrolmentOptionsBody,
    ok: ['200', 'PublicKeyCredentialCreationOptions (JSON) and an `enrolment_id`.'],
    session: false,
    errors: ['InvalidRequest', 'TooManyAttempts'],
  },
  {
    method: 'post',
    path: '/enrolment/verify',
    operationId: 'ownerAppEnrolmentVerify',
    summary: 'Create the passkey (registration verified, UV required) and sign the phone in',
    body: EnrolmentVerifyBody,
    ok: ['201', 'The new device; the `onboard_session` cookie is set.'],
    session: false,
    errors: ['InvalidRequest', 'TooManyAttempts'],
  },
  {
    method: 'post',
    path: '/session/options',
    operationId: 'ownerAppSignInOptions',
    summary: 'WebAuthn authentication options for signing in with a discoverable passkey',
    body: EmptyBody,
    ok: ['200', 'PublicKeyCredentialRequestOptions (JSON) and a `challenge_id`.'],
    session: false,
    errors: ['InvalidRequest', 'TooManyAttempts'],
  },
  {
    method: 'post',
    path: '/session/verify',
    operationId: 'ownerAppSignIn',
    summary: 'Sign in with the passkey assertion',
    body: SessionVerifyBody,
    ok: ['200', 'The session; the `onboard_session` cookie is set.'],
    session: false,
    errors: ['InvalidRequest', 'OwnerDeviceUnauthorized', 'TooManyAttempts'],
  },
  {
    method: 'get',
    path: '/session',
    operationId: 'ownerAppSession',
    summary: 'The signed-in owner and device',
    ok: ['200', 'The session.'],
    session: true,
    errors: ['OwnerDeviceUnauthorized'],
  },
  {
    method: 'delete',
    path: '/session',
    operationId: 'ownerAppSignOut',
    summary: 'Sign out (the session ends, the cookie is cleared)',
    ok: ['204', 'Signed out.'],
    session: true,
    errors: ['OwnerDeviceUnauthorized'],
  },
  {
    method: 'get',
    path: '/events',
    operationId: 'ownerAppEvents',
    summary:
      "Live channel (Server-Sent Events): `request.created` for the owner's new requests, `request.updated` when one is answered or expires",
    ok: ['200', '`text/event-stream`.'],
    session: true,
    errors: ['OwnerDeviceUnauthorized'],
  },
  {
    method: 'get',
    path: '/devices',
    operationId: 'ownerAppDevices',
    summary: "The owner's passkey devices",
    ok: ['200', '`{devices}`.'],
    session: true,
    errors: ['OwnerDeviceUnauthorized'],
  },
  {
    method: 'delete',
    path: '/devices/{id}',
    operationId: 'ownerAppRemoveDevice',
    summary: 'Remove a device: its passkey can neither sign in nor approve any more',
    ok: ['204', 'Removed.'],
    session: true,
    errors: ['OwnerDeviceUnauthorized', 'NotFound'],
  },
  {
    method: 'post',
    path: '/invitations',
    operationId: 'ownerAppInvite',
    summary: '"Add a device": a one-time enrolment invitation from a signed-in phone',
    body: EmptyBody,
    ok: ['201', 'The invitation (`url`, `expires_at`).'],
    session: true,
    errors: ['OwnerDeviceUnauthorized', 'TooManyAttempts'],
  },
  {
    method: 'get',
    path: '/vehicles',
    operationId: 'ownerAppVehicles',
    summary: "The owner's paired vehicles (nickname and model, never a VIN)",
    ok: ['200', '`{vehicles}`.'],
    session: true,
    errors: ['OwnerDeviceUnauthorized'],
  },
  {
    method: 'post',
    path: '/vehicles/{clientId}/unpair',
    operationId: 'ownerAppUnpair',
    summary: 'Unpair a vehicle: its refresh tokens are revoked and its access tokens stop introspecting active',
    body: EmptyBody,
    ok: ['204', 'Unpaired.'],
    session: true,
    errors: ['OwnerDeviceUnauthorized', 'NotFound'],
  },
  {
    method: 'get',
    path: '/push/key',
    operationId: 'ownerAppPushKey',
    summary: "The provider's VAPID public key (RFC 8292), the app's `applicationServerKey`",
    ok: ['200', '`{vapid_public_key}` (base64url, uncompressed P-256 point).'],
    session: true,
    errors: ['OwnerDeviceUnauthorized', 'NotFound'],
  },
  {
    method: 'post',
    path: '/push/subscriptions',
    operationId: 'ownerAppAddPushSubscription',
    summary: "Register this browser's Web Push subscription for the signed-in device (docs/notifications.md)",
    body: PushSubscriptionBody,
    ok: ['201', '`{id}` of the stored subscription.'],
    session: true,
    errors: ['InvalidRequest', 'OwnerDeviceUnauthorized'],
  },
  {
    method: 'delete',
    path: '/push/subscriptions',
    operationId: 'ownerAppRemovePushSubscription',
    summary: "Remove this browser's Web Push subscription (by its endpoint)",
    body: PushUnsubscribeBody,
    ok: ['204', 'Removed (also when there was none).'],
    session: true,
    errors: ['InvalidRequest', 'OwnerDeviceUnauthorized'],
  },
  {
    method: 'post',
    path: '/requests/{id}/approval/options',
    operationId: 'ownerAppApprovalOptions',
    summary: 'WebAuthn options whose challenge commits to the request (docs/owner-app.md)',
    body: EmptyBody,
    ok: ['200', 'PublicKeyCredentialRequestOptions (JSON) for the approval.'],
    session: true,
    errors: ['OwnerDeviceUnauthorized', 'NotFound', 'Conflict', 'TooManyAttempts'],
  },
];

/** The path items of the owner app's routes under `ownerDevicePath`, bodies from their schemas. */
export function ownerAppPaths(ownerDevicePath: string): Record<string, Record<string, unknown>> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OWNER_APP_OPERATIONS) {
    const full = `${ownerDevicePath}${op.path}`;
    const parameters = [...op.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
      name,
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    paths[full] ??= parameters.length ? { parameters } : {};
    paths[full][op.method] = {
      tags: ['owner-device'],
      operationId: op.operationId,
      summary: op.summary,
      ...(op.session ? { security: [{ ownerSession: [] }] } : {}),
      ...(op.body
        ? {
            requestBody: {
              required: true,
              content: {
                'application/json': {
                  schema: { ...(JSON.parse(JSON.stringify(op.body)) as object), additionalProperties: false },
                },
              },
            },
          }
        : {}),
      responses: {
        [op.ok[0]]: { description: op.ok[1] },
        ...Object.fromEntries(op.errors.map((name) => [statusOf(name), { $ref: `#/components/responses/${name}` }])),
      },
    };
  }
  return paths;
}

const STATUS: Record<string, string> = {
  InvalidRequest: '400',
  OwnerDeviceUnauthorized: '401',
  NotFound: '404',
  Conflict: '409',
  TooManyAttempts: '429',
};
const statusOf = (name: string) => STATUS[name] ?? '400';
