import { Type } from 'typebox';

/**
 * Bodies of the owner app's endpoints (owner-device API), as TypeBox schemas validated at
 * run time (unknown fields refused as `invalid_request`, naming the field). A WebAuthn
 * response object is open (`additionalProperties: true`): browsers add fields over time and
 * WebAuthn L3 §5.1 asks relying parties to ignore those they do not know.
 */
const WebAuthnResponse = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 1400 }),
    rawId: Type.String({ minLength: 1, maxLength: 1400 }),
    type: Type.Literal('public-key'),
    response: Type.Object({}, { additionalProperties: true }),
  },
  { additionalProperties: true },
);

export const EnrolmentOptionsBody = Type.Object({ invitation: Type.String({ minLength: 1, maxLength: 200 }) });
export const EnrolmentVerifyBody = Type.Object({
  enrolment_id: Type.String({ minLength: 1, maxLength: 100 }),
  device_name: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  credential: WebAuthnResponse,
});
export const EmptyBody = Type.Object({});
export const SessionVerifyBody = Type.Object({
  challenge_id: Type.String({ minLength: 1, maxLength: 100 }),
  credential: WebAuthnResponse,
});
export const ApproveBody = Type.Object({ credential: WebAuthnResponse });
export const PushSubscriptionBody = Type.Object({
  subscription: Type.Object(
    {
      endpoint: Type.String({ format: 'uri', maxLength: 2048 }),
      expirationTime: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
      keys: Type.Object({
        p256dh: Type.String({ minLength: 1, maxLength: 200 }),
        auth: Type.String({ minLength: 1, maxLength: 100 }),
      }),
    },
    { additionalProperties: true },
  ),
});
export const PushUnsubscribeBody = Type.Object({ endpoint: Type.String({ minLength: 1, maxLength: 2048 }) });
