import Type, { type TSchema } from 'typebox';
import { Value } from 'typebox/value';
import type { ProtocolErrorCode } from './error-codes';
import { MAX_PAYLOAD_BYTES, REQUEST_ID_PATTERN } from './limits';
import type { BridgeMessage, DeviceMessage, ResultErrorStatus, ResultTokenStatus } from './messages';
import {
  BRIDGE_PAYLOAD_SCHEMAS,
  DEVICE_PAYLOAD_SCHEMAS,
  ErrorResultSchema,
  TokenResultSchema,
  type AckPayload,
  type ProtocolErrorPayload,
  type StatusPayload,
} from './payload-schemas';
import { describeProblem } from './schema-problems';
import { RESULT_ERROR_STATUSES, RESULT_TOKEN_STATUSES } from './messages';
import type { BridgeMessageType, DeviceMessageType } from './topics';

/** Outcome of decoding a payload: the typed message, or the protocol error to answer with. */
export type DecodeResult<T> =
  | { ok: true; message: T }
  | {
      ok: false;
      error: Extract<ProtocolErrorCode, 'invalid_message' | 'payload_too_large'>;
      description: string;
      requestId: string | null;
    };

type Wire = Record<string, unknown>;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const tokenStatuses: ReadonlySet<unknown> = new Set(RESULT_TOKEN_STATUSES);
const errorStatuses: ReadonlySet<unknown> = new Set(RESULT_ERROR_STATUSES);

/** What a result must have before its status tells which variant it is. */
const ResultHeadSchema = Type.Object({
  request_id: TokenResultSchema.properties.request_id,
  auth_req_id: TokenResultSchema.properties.auth_req_id,
  status: Type.Union([...TokenResultSchema.properties.status.anyOf, ...ErrorResultSchema.properties.status.anyOf], {
    title: 'result status',
  }),
});

/**
 * Decodes and validates a payload a device published on `requests/{type}` against its schema
 * (payload-schemas.ts). Unknown members are ignored (forward compatibility within v1); missing,
 * mistyped or oversized members are `invalid_message`; a payload over {@link MAX_PAYLOAD_BYTES}
 * is `payload_too_large`.
 * @example
 * const r = decodeDeviceMessage('cancel', Buffer.from('{"request_id":"r1"}'));
 * if (r.ok) r.message; // { type: 'cancel', requestId: 'r1' }
 */
export function decodeDeviceMessage(type: DeviceMessageType, payload: Uint8Array): DecodeResult<DeviceMessage> {
  return decodeWith(payload, (wire) => {
    const problem = check(DEVICE_PAYLOAD_SCHEMAS[type], wire);
    if (problem) return problem;
    const requestId = wire.request_id as string;
    switch (type) {
      case 'verification':
        return {
          type,
          requestId,
          request: wire.request as string,
          clientAssertion: wire.client_assertion as string,
          ...optional('clientNotificationToken', wire.client_notification_token as string | undefined),
        };
      case 'cancel':
      case 'result-ack':
        return { type, requestId };
      case 'refresh':
        return {
          type,
          requestId,
          refreshToken: wire.refresh_token as string,
          clientAssertion: wire.client_assertion as string,
          ...optional('dpop', wire.dpop as string | undefined),
        };
    }
  });
}

/**
 * Decodes and validates a payload the bridge published on `replies/{type}`; the device side's
 * counterpart of {@link decodeDeviceMessage}, with the same rules.
 * @example
 * const r = decodeBridgeMessage('ack', payload);
 * if (r.ok && r.message.type === 'ack') r.message.authReqId;
 */
export function decodeBridgeMessage(type: BridgeMessageType, payload: Uint8Array): DecodeResult<BridgeMessage> {
  return decodeWith(payload, (wire): BridgeMessage | Problem => {
    switch (type) {
      case 'ack': {
        const w = wire as AckPayload;
        return (
          check(BRIDGE_PAYLOAD_SCHEMAS.ack, wire) ?? {
            type,
            requestId: w.request_id,
            authReqId: w.auth_req_id,
            expiresIn: w.expires_in,
          }
        );
      }
      case 'status': {
        const w = wire as StatusPayload;
        return (
          check(BRIDGE_PAYLOAD_SCHEMAS.status, wire) ?? {
            type,
            requestId: w.request_id,
            status: w.status,
            ...optional('authReqId', w.auth_req_id),
          }
        );
      }
      case 'result':
        return decodeResult(wire);
      case 'error': {
        const w = wire as ProtocolErrorPayload;
        return (
          check(BRIDGE_PAYLOAD_SCHEMAS.error, wire) ?? {
            type,
            requestId: w.request_id,
            error: w.error,
            errorDescription: w.error_description,
          }
        );
      }
    }
  });
}

/** A result's status says which of the two variants of its schema applies (docs/protocol.md §6.6). */
function decodeResult(wire: Wire): BridgeMessage | Problem {
  const status = wire.status;
  const head = {
    requestId: wire.request_id as string,
    ...optional('authReqId', wire.auth_req_id as string | undefined),
  };
  const subject = `a result with status ${String(status)}`;
  if (tokenStatuses.has(status)) {
    return (
      check(TokenResultSchema, wire, subject) ?? {
        type: 'result',
        ...head,
        status: status as ResultTokenStatus,
        encryptedTokenResponse: wire.encrypted_token_response as string,
      }
    );
  }
  if (errorStatuses.has(status)) {
    return (
      check(ErrorResultSchema, wire, subject) ?? {
        type: 'result',
        ...head,
        status: status as ResultErrorStatus,
        error: wire.error as never,
        ...optional('errorDescription', wire.error_description as string | undefined),
      }
    );
  }
  return check(ResultHeadSchema, wire) ?? { problem: 'status is not a known result status' };
}

/** A payload that failed its schema, with the first problem in words. */
interface Problem {
  problem: string;
}

function check(schema: TSchema, wire: Wire, subject?: string): Problem | undefined {
  if (Value.Check(schema, wire)) return undefined;
  return { problem: describeProblem(schema, wire, subject) };
}

function decodeWith<T>(payload: Uint8Array, build: (wire: Wire) => T | Problem): DecodeResult<T> {
  if (payload.byteLength > MAX_PAYLOAD_BYTES) {
    return {
      ok: false,
      error: 'payload_too_large',
      description: `payload exceeds ${MAX_PAYLOAD_BYTES} bytes`,
      requestId: null,
    };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8.decode(payload));
  } catch {
    return { ok: false, error: 'invalid_message', description: 'payload is not UTF-8 JSON', requestId: null };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { ok: false, error: 'invalid_message', description: 'payload is not a JSON object', requestId: null };
  }
  const wire = parsed as Wire;
  const message = build(wire);
  if (typeof message === 'object' && message !== null && 'problem' in message) {
    return { ok: false, error: 'invalid_message', description: message.problem, requestId: readableRequestId(wire) };
  }
  return { ok: true, message: message as T };
}

/** The request id if the payload has a well-formed one, so an error can be correlated. */
function readableRequestId(wire: Wire): string | null {
  const value = Object.hasOwn(wire, 'request_id') ? wire.request_id : undefined;
  return typeof value === 'string' && REQUEST_ID_PATTERN.test(value) ? value : null;
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
