import Type, { type Static, type TSchema } from 'typebox';
import { PROTOCOL_ERROR_CODES, RESULT_ERROR_CODES } from './error-codes';
import {
  COMPACT_JWE_PATTERN,
  COMPACT_JWS_PATTERN,
  MAX_AUTH_REQ_ID_LENGTH,
  MAX_CLIENT_NOTIFICATION_TOKEN_LENGTH,
  MAX_ENCRYPTED_TOKEN_RESPONSE_LENGTH,
  MAX_ERROR_DESCRIPTION_LENGTH,
  MAX_REQUEST_OBJECT_LENGTH,
  MAX_TOKEN_LENGTH,
  REQUEST_ID_PATTERN,
  REQUEST_OBJECT_PATTERN,
} from './limits';
import { RESULT_ERROR_STATUSES, RESULT_TOKEN_STATUSES, VERIFICATION_STATUSES } from './messages';
import { MAX_SEALED_PAYLOAD_BYTES } from './sealed-payload';
import type { BridgeMessageType, DeviceMessageType } from './topics';

/**
 * The wire payloads of the device protocol (docs/protocol.md §6), declared once, as JSON Schemas
 * built with TypeBox. `decode.ts` validates every payload against them, and docs/asyncapi.yaml
 * takes its payload schemas from them (`npm run docs:asyncapi`), so the code, the AsyncAPI document
 * and the checks of real messages cannot drift apart.
 *
 * Members are snake_case as on the wire. Unknown members are allowed (forward compatibility within
 * v1, docs/protocol.md §1). Every string member must not be empty.
 */

/** A phrase for the value set of an enumeration: `{name} is not a known {title}` in decode errors. */
const enumeration = <T extends readonly string[]>(values: T, title: string, description: string) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    { title, description },
  );

const nonEmpty = (maxLength: number, description: string, pattern?: RegExp) =>
  Type.String({ minLength: 1, maxLength, ...(pattern ? { pattern: pattern.source } : {}), description });

/** Device-chosen request id (docs/protocol.md §5). */
export const RequestIdSchema = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: REQUEST_ID_PATTERN.source,
  description:
    'Device-chosen id of the request: 1 to 64 characters from A-Z a-z 0-9 _ - (a UUID or 16 random bytes in base64url).',
});

const clientAssertion = nonEmpty(
  MAX_TOKEN_LENGTH,
  'A private_key_jwt client assertion (RFC 7523 §2.2), a compact JWS signed with the device key.',
  COMPACT_JWS_PATTERN,
);
const authReqId = nonEmpty(MAX_AUTH_REQ_ID_LENGTH, "The provider's id of the request (CIBA §7.3).");
const errorDescription = nonEmpty(MAX_ERROR_DESCRIPTION_LENGTH, 'Text for logs, not a stable interface.');

/** `requests/verification`, the plaintext of the sealed payload (docs/protocol.md §6.1). */
export const VerificationRequestSchema = Type.Object(
  {
    request_id: RequestIdSchema,
    request: nonEmpty(
      MAX_REQUEST_OBJECT_LENGTH,
      'The signed authentication request object (CIBA §7.1.1), a compact JWS, or that JWS encrypted to the provider (a compact JWE, RFC 9101 §6.1).',
      REQUEST_OBJECT_PATTERN,
    ),
    client_assertion: clientAssertion,
    client_notification_token: Type.Optional(
      nonEmpty(
        MAX_CLIENT_NOTIFICATION_TOKEN_LENGTH,
        "The request object's client_notification_token (CIBA §7.1), repeated; required when request is encrypted.",
      ),
    ),
  },
  { title: 'Verification request', description: "Asks for the owner's approval (docs/protocol.md §6.1)." },
);

/** `requests/cancel` (docs/protocol.md §6.2). */
export const CancelSchema = Type.Object(
  { request_id: RequestIdSchema },
  {
    title: 'Cancellation',
    description: 'Stops waiting for one of the device’s verification requests (docs/protocol.md §6.2).',
  },
);

/** `requests/refresh`, the plaintext of the sealed payload (docs/protocol.md §6.3). */
export const RefreshRequestSchema = Type.Object(
  {
    request_id: RequestIdSchema,
    refresh_token: nonEmpty(MAX_TOKEN_LENGTH, 'The refresh token from an earlier result.'),
    client_assertion: clientAssertion,
    dpop: Type.Optional(
      nonEmpty(MAX_TOKEN_LENGTH, 'A DPoP proof for the token endpoint (RFC 9449 §4).', COMPACT_JWS_PATTERN),
    ),
  },
  { title: 'Token refresh', description: 'Exchanges a refresh token over MQTT (RFC 6749 §6, docs/protocol.md §6.3).' },
);

/** `requests/result-ack` (docs/protocol.md §6.8). */
export const ResultAckSchema = Type.Object(
  { request_id: RequestIdSchema },
  {
    title: 'Result confirmation',
    description:
      'The device processed the result of request_id; the bridge stops redelivering it (docs/protocol.md §6.8).',
  },
);

/** `replies/ack` (docs/protocol.md §6.4). */
export const AckSchema = Type.Object(
  {
    request_id: RequestIdSchema,
    auth_req_id: authReqId,
    expires_in: Type.Integer({
      minimum: 1,
      maximum: Number.MAX_SAFE_INTEGER,
      description: 'Seconds until the request expires.',
    }),
  },
  {
    title: 'Acknowledgement',
    description: 'The provider accepted the verification request (CIBA §7.3, docs/protocol.md §6.4).',
  },
);

/** `replies/status` (docs/protocol.md §6.5). */
export const StatusSchema = Type.Object(
  {
    request_id: RequestIdSchema,
    status: enumeration(VERIFICATION_STATUSES, 'status', "The request's new state."),
    auth_req_id: Type.Optional(authReqId),
  },
  {
    title: 'Status change',
    description: 'The verification request changed state; information only (docs/protocol.md §6.5).',
  },
);

const resultBase = {
  request_id: RequestIdSchema,
  auth_req_id: Type.Optional(authReqId),
};

/** A result carrying tokens: `approved` or `refreshed` (docs/protocol.md §6.6). */
export const TokenResultSchema = Type.Object(
  {
    ...resultBase,
    status: enumeration(RESULT_TOKEN_STATUSES, 'result status', 'A verification approved, or a refresh done.'),
    encrypted_token_response: nonEmpty(
      MAX_ENCRYPTED_TOKEN_RESPONSE_LENGTH,
      "The provider's token response as a compact JWE (RFC 7516) encrypted to the device's encryption key.",
      COMPACT_JWE_PATTERN,
    ),
    error: Type.Optional(Type.Never({ description: 'Absent: a result with tokens carries no error.' })),
  },
  { title: 'Result with tokens' },
);

/** A result carrying an error: `denied`, `expired` or `failed` (docs/protocol.md §6.6). */
export const ErrorResultSchema = Type.Object(
  {
    ...resultBase,
    status: enumeration(RESULT_ERROR_STATUSES, 'result status', 'The owner denied, the request expired, or it failed.'),
    encrypted_token_response: Type.Optional(
      Type.Never({ description: 'Absent: a result with an error carries no tokens.' }),
    ),
    error: enumeration(
      RESULT_ERROR_CODES,
      'result error code',
      "The provider's OAuth error code (docs/protocol.md §7).",
    ),
    error_description: Type.Optional(errorDescription),
  },
  { title: 'Result with an error' },
);

/** `replies/result` (docs/protocol.md §6.6): its `status` says which members it carries. */
export const ResultSchema = Type.Union([TokenResultSchema, ErrorResultSchema], {
  title: 'Result',
  description: 'The final outcome of a verification request or a refresh (docs/protocol.md §6.6).',
});

/** `replies/error` (docs/protocol.md §6.7). */
export const ProtocolErrorSchema = Type.Object(
  {
    request_id: Type.Union([RequestIdSchema, Type.Null()], {
      description: "The offending message's request_id, if it had a well-formed one; otherwise null.",
    }),
    error: enumeration(
      PROTOCOL_ERROR_CODES,
      'protocol error code',
      'One of the protocol error codes (docs/protocol.md §7).',
    ),
    error_description: errorDescription,
  },
  { title: 'Protocol error', description: 'The bridge could not process a message (docs/protocol.md §6.7).' },
);

/**
 * A sealed payload (docs/protocol.md §5a): the whole MQTT payload is a compact JWE to the bridge's
 * key, `ECDH-ES+A256KW` / `A256GCM`, whose plaintext is one of the JSON messages above.
 */
export const SealedPayloadSchema = Type.String({
  title: 'Sealed payload',
  maxLength: MAX_SEALED_PAYLOAD_BYTES,
  pattern: COMPACT_JWE_PATTERN.source,
  description:
    "A compact JWE (RFC 7516) to the bridge's encryption key, alg ECDH-ES+A256KW, enc A256GCM, cty onboard-message+json; its plaintext is the JSON message.",
});

/** The schema of each payload a device publishes, by message type (the plaintext, for sealed ones). */
export const DEVICE_PAYLOAD_SCHEMAS = {
  verification: VerificationRequestSchema,
  cancel: CancelSchema,
  refresh: RefreshRequestSchema,
  'result-ack': ResultAckSchema,
} as const satisfies Record<DeviceMessageType, TSchema>;

/** The schema of each payload the bridge publishes, by message type. */
export const BRIDGE_PAYLOAD_SCHEMAS = {
  ack: AckSchema,
  status: StatusSchema,
  result: ResultSchema,
  error: ProtocolErrorSchema,
} as const satisfies Record<BridgeMessageType, TSchema>;

/** Wire types (snake_case), as the schemas define them. */
export type VerificationRequestPayload = Static<typeof VerificationRequestSchema>;
export type RefreshRequestPayload = Static<typeof RefreshRequestSchema>;
export type AckPayload = Static<typeof AckSchema>;
export type StatusPayload = Static<typeof StatusSchema>;
export type ResultPayload = Static<typeof ResultSchema>;
export type ProtocolErrorPayload = Static<typeof ProtocolErrorSchema>;
