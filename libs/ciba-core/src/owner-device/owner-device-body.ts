import { Type } from '@onboard/platform';

/**
 * The owner-device API's request bodies, declared once: checked at runtime (unknown fields
 * refused naming the field and the fields the request takes) and shown in the API document.
 * Values are checked further by the handlers, which name what they expected.
 */

/** `POST …/requests/{id}/approve` from a bearer-credential device: what it verified (optional). */
export const ApproveBody = Type.Object(
  {
    acr: Type.Optional(
      Type.String({ description: 'One of the acr values the provider supports (not the passkey acr).' }),
    ),
    amr: Type.Optional(
      Type.Array(Type.String(), { maxItems: 10, description: 'RFC 8176 authentication method names.' }),
    ),
  },
  { title: 'OwnerDeviceApprove' },
);

/** `POST …/requests/{id}/deny`: optionally "This wasn't me". */
export const DenyBody = Type.Object(
  { reason: Type.Optional(Type.Literal('not_me', { description: '"This wasn\'t me": flags the request.' })) },
  { title: 'OwnerDeviceDeny' },
);

/** `PUT …/user-code`: the owner's new user code. */
export const UserCodeBody = Type.Object(
  { user_code: Type.String({ description: 'The new user code (4 to 32 characters, see docs/limits.md).' }) },
  { title: 'OwnerDeviceUserCode' },
);

export const OWNER_DEVICE_BODIES = { approve: ApproveBody, deny: DenyBody, userCode: UserCodeBody } as const;
