import { isResultErrorCode, isProtocolErrorCode, type ProtocolErrorCode } from './error-codes';
import {
  COMPACT_JWE_PATTERN,
  COMPACT_JWS_PATTERN,
  MAX_AUTH_REQ_ID_LENGTH,
  MAX_CLIENT_NOTIFICATION_TOKEN_LENGTH,
  MAX_ENCRYPTED_TOKEN_RESPONSE_LENGTH,
  MAX_ERROR_DESCRIPTION_LENGTH,
  MAX_PAYLOAD_BYTES,
  MAX_REQUEST_OBJECT_LENGTH,
  MAX_TOKEN_LENGTH,
  REQUEST_ID_PATTERN,
  REQUEST_OBJECT_PATTERN,
} from './limits';
import {
  RESULT_ERROR_STATUSES,
  RESULT_TOKEN_STATUSES,
  VERIFICATION_STATUSES,
  type BridgeMessage,
  type DeviceMessage,
  type ResultErrorStatus,
  type ResultTokenStatus,
  type VerificationStatus,
} from './messages';
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

const utf8 = new TextDecoder('utf-8', { fatal: true });
const statuses: ReadonlySet<string> = new Set(VERIFICATION_STATUSES);
const tokenStatuses: ReadonlySet<string> = new Set(RESULT_TOKEN_STATUSES);
const errorStatuses: ReadonlySet<string> = new Set(RESULT_ERROR_STATUSES);

/**
 * Decodes and validates a payload a device published on `requests/{type}`. Unknown members are
 * ignored (forward compatibility within v1); missing, mistyped or oversized members are
 * `invalid_message`; a payload over {@link MAX_PAYLOAD_BYTES} is `payload_too_large`.
 * @example
 * const r = decodeDeviceMessage('cancel', Buffer.from('{"request_id":"r1"}'));
 * if (r.ok) r.message; // { type: 'cancel', requestId: 'r1' }
 */
export function decodeDeviceMessage(type: DeviceMessageType, payload: Uint8Array): DecodeResult<DeviceMessage> {
  return decodeWith(payload, (f) => {
    switch (type) {
      case 'verification':
        return {
          type,
          requestId: f.requestId(),
          request: f.string('request', MAX_REQUEST_OBJECT_LENGTH, REQUEST_OBJECT_PATTERN),
          clientAssertion: f.string('client_assertion', MAX_TOKEN_LENGTH, COMPACT_JWS_PATTERN),
          ...optional(
            'clientNotificationToken',
            f.optionalString('client_notification_token', MAX_CLIENT_NOTIFICATION_TOKEN_LENGTH),
          ),
        };
      case 'cancel':
      case 'result-ack':
        return { type, requestId: f.requestId() };
      case 'refresh':
        return {
          type,
          requestId: f.requestId(),
          refreshToken: f.string('refresh_token', MAX_TOKEN_LENGTH),
          clientAssertion: f.string('client_assertion', MAX_TOKEN_LENGTH, COMPACT_JWS_PATTERN),
          ...optional('dpop', f.optionalString('dpop', MAX_TOKEN_LENGTH, COMPACT_JWS_PATTERN)),
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
  return decodeWith(payload, (f): BridgeMessage | undefined => {
    switch (type) {
      case 'ack':
        return {
          type,
          requestId: f.requestId(),
          authReqId: f.string('auth_req_id', MAX_AUTH_REQ_ID_LENGTH),
          expiresIn: f.positiveInteger('expires_in'),
        };
      case 'status': {
        const status = f.string('status', 32);
        if (!f.failed && !statuses.has(status)) f.fail('status is not a known status');
        return {
          type,
          requestId: f.requestId(),
          status: status as VerificationStatus,
          ...optional('authReqId', f.optionalString('auth_req_id', MAX_AUTH_REQ_ID_LENGTH)),
        };
      }
      case 'result': {
        const requestId = f.requestId();
        const authReqId = optional('authReqId', f.optionalString('auth_req_id', MAX_AUTH_REQ_ID_LENGTH));
        const status = f.string('status', 32);
        if (f.failed) return undefined;
        if (tokenStatuses.has(status)) {
          const encrypted = f.string(
            'encrypted_token_response',
            MAX_ENCRYPTED_TOKEN_RESPONSE_LENGTH,
            COMPACT_JWE_PATTERN,
          );
          if (f.own('error') !== undefined) f.fail(`a result with status ${status} carries no error`);
          if (f.failed) return undefined;
          return {
            type,
            requestId,
            ...authReqId,
            status: status as ResultTokenStatus,
            encryptedTokenResponse: encrypted,
          };
        }
        if (!errorStatuses.has(status)) return f.fail('status is not a known result status');
        if (f.own('encrypted_token_response') !== undefined) {
          return f.fail(`a result with status ${status} carries no encrypted_token_response`);
        }
        const error = f.string('error', 64);
        if (f.failed) return undefined;
        if (!isResultErrorCode(error)) return f.fail('error is not a known result error code');
        const description = f.optionalString('error_description', MAX_ERROR_DESCRIPTION_LENGTH);
        return {
          type,
          requestId,
          ...authReqId,
          status: status as ResultErrorStatus,
          error,
          ...optional('errorDescription', description),
        };
      }
      case 'error': {
        const requestId = f.nullableRequestId();
        const error = f.string('error', 64);
        if (!f.failed && !isProtocolErrorCode(error)) return f.fail('error is not a known protocol error code');
        return {
          type,
          requestId,
          error: error as ProtocolErrorCode,
          errorDescription: f.string('error_description', MAX_ERROR_DESCRIPTION_LENGTH),
        };
      }
    }
  });
}

function decodeWith<T>(payload: Uint8Array, build: (fields: FieldReader) => T | undefined): DecodeResult<T> {
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
  const fields = new FieldReader(parsed as Record<string, unknown>);
  const message = build(fields);
  if (fields.failed || message === undefined) {
    return {
      ok: false,
      error: 'invalid_message',
      description: fields.problem ?? 'invalid message',
      requestId: fields.readableRequestId(),
    };
  }
  return { ok: true, message };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** Reads wire members one by one and remembers the first problem. */
class FieldReader {
  problem: string | undefined;

  constructor(private readonly obj: Record<string, unknown>) {}

  get failed(): boolean {
    return this.problem !== undefined;
  }

  fail(problem: string): undefined {
    this.problem ??= problem;
    return undefined;
  }

  requestId(): string {
    return this.string('request_id', 64, REQUEST_ID_PATTERN);
  }

  nullableRequestId(): string | null {
    if (this.own('request_id') === null) return null;
    return this.requestId();
  }

  /** The request id if the payload has a well-formed one, so an error can be correlated. */
  readableRequestId(): string | null {
    const value = this.own('request_id');
    return typeof value === 'string' && REQUEST_ID_PATTERN.test(value) ? value : null;
  }

  string(name: string, maxLength: number, pattern?: RegExp): string {
    const value = this.own(name);
    if (value === undefined) return this.fail(`${name} is required`) ?? '';
    return this.checkString(name, value, maxLength, pattern) ?? '';
  }

  optionalString(name: string, maxLength: number, pattern?: RegExp): string | undefined {
    const value = this.own(name);
    if (value === undefined) return undefined;
    return this.checkString(name, value, maxLength, pattern);
  }

  positiveInteger(name: string): number {
    const value = this.own(name);
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
      return this.fail(`${name} must be a positive integer`) ?? 0;
    }
    return value;
  }

  private checkString(name: string, value: unknown, maxLength: number, pattern?: RegExp): string | undefined {
    if (typeof value !== 'string') return this.fail(`${name} must be a string`);
    if (value.length === 0) return this.fail(`${name} must not be empty`);
    if (value.length > maxLength) return this.fail(`${name} exceeds ${maxLength} characters`);
    if (pattern && !pattern.test(value)) return this.fail(`${name} is malformed`);
    return value;
  }

  own(name: string): unknown {
    return Object.hasOwn(this.obj, name) ? this.obj[name] : undefined;
  }
}
