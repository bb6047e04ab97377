import { decodeBridgeMessage, decodeDeviceMessage } from './decode';
import { encodeBridgeMessage, encodeDeviceMessage } from './encode';
import { MAX_PAYLOAD_BYTES } from './limits';
import type { BridgeMessage, DeviceMessage } from './messages';

const jws = 'eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJhIn0.c2ln';
const jwe = 'eyJhbGciOiJFQ0RILUVTIn0..aXY.Y2lwaGVy.dGFn';
const bytes = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));

describe('device message decoding', () => {
  it('decodes a verification request into camelCase', () => {
    const r = decodeDeviceMessage('verification', bytes({ request_id: 'r-1', request: jws, client_assertion: jws }));
    expect(r).toEqual({
      ok: true,
      message: { type: 'verification', requestId: 'r-1', request: jws, clientAssertion: jws },
    });
  });

  it('ignores unknown members for forward compatibility', () => {
    const r = decodeDeviceMessage('cancel', bytes({ request_id: 'r-1', future: { x: 1 } }));
    expect(r).toEqual({ ok: true, message: { type: 'cancel', requestId: 'r-1' } });
  });

  it('round-trips every device message through encode and decode', () => {
    const messages: DeviceMessage[] = [
      { type: 'verification', requestId: 'a', request: jws, clientAssertion: jws },
      { type: 'cancel', requestId: 'b' },
      { type: 'result-ack', requestId: 'e' },
      { type: 'refresh', requestId: 'c', refreshToken: 'rt', clientAssertion: jws, dpop: jws },
      { type: 'refresh', requestId: 'd', refreshToken: 'rt', clientAssertion: jws },
    ];
    for (const m of messages)
      expect(decodeDeviceMessage(m.type, encodeDeviceMessage(m))).toEqual({ ok: true, message: m });
  });

  it.each([
    ['not JSON', '{"request_id":', 'payload is not UTF-8 JSON'],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0x7d]), 'payload is not UTF-8 JSON'],
    ['an array', '[1]', 'payload is not a JSON object'],
    ['null', 'null', 'payload is not a JSON object'],
    ['a missing request id', { request: jws, client_assertion: jws }, 'request_id is required'],
    ['a numeric request id', { request_id: 7, request: jws, client_assertion: jws }, 'request_id must be a string'],
    [
      'a request id with a slash',
      { request_id: 'a/b', request: jws, client_assertion: jws },
      'request_id is malformed',
    ],
    ['a request that is not a JWS', { request_id: 'a', request: 'abc', client_assertion: jws }, 'request is malformed'],
    [
      'an oversized request',
      { request_id: 'a', request: 'a.b.' + 'c'.repeat(9000), client_assertion: jws },
      'request exceeds 8192 characters',
    ],
    [
      'an empty client assertion',
      { request_id: 'a', request: jws, client_assertion: '' },
      'client_assertion must not be empty',
    ],
  ])('answers invalid_message for %s', (_name, payload, description) => {
    const r = decodeDeviceMessage(
      'verification',
      typeof payload === 'object' && !Buffer.isBuffer(payload) ? bytes(payload) : Buffer.from(payload as never),
    );
    expect(r).toMatchObject({ ok: false, error: 'invalid_message', description });
  });

  it('keeps a readable request id in the error so the device can correlate it', () => {
    const r = decodeDeviceMessage('verification', bytes({ request_id: 'r-9', request: 1 }));
    expect(r).toMatchObject({ ok: false, requestId: 'r-9' });
  });

  it('does not read members inherited from the object prototype', () => {
    const r = decodeDeviceMessage('cancel', bytes('{"__proto__":{"request_id":"x"}}'));
    expect(r).toMatchObject({ ok: false, description: 'request_id is required' });
  });

  it('answers payload_too_large above the payload limit without parsing', () => {
    const r = decodeDeviceMessage('cancel', Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 0x20));
    expect(r).toMatchObject({ ok: false, error: 'payload_too_large', requestId: null });
  });

  it('survives deeply nested JSON', () => {
    const r = decodeDeviceMessage('cancel', Buffer.from('['.repeat(8000) + ']'.repeat(8000)));
    expect(r).toMatchObject({ ok: false, error: 'invalid_message' });
  });
});

describe('bridge message decoding', () => {
  it('round-trips every bridge message through encode and decode', () => {
    const messages: BridgeMessage[] = [
      { type: 'ack', requestId: 'a', authReqId: 'x1', expiresIn: 120 },
      { type: 'status', requestId: 'a', status: 'pending', authReqId: 'x1' },
      { type: 'status', requestId: 'a', status: 'cancelled' },
      { type: 'result', requestId: 'a', authReqId: 'x1', status: 'approved', encryptedTokenResponse: jwe },
      { type: 'result', requestId: 'a', status: 'refreshed', encryptedTokenResponse: jwe },
      { type: 'result', requestId: 'a', status: 'denied', error: 'access_denied', errorDescription: 'denied by owner' },
      { type: 'result', requestId: 'a', status: 'expired', error: 'expired_token' },
      { type: 'result', requestId: 'a', status: 'failed', error: 'invalid_client' },
      { type: 'error', requestId: null, error: 'invalid_message', errorDescription: 'payload is not a JSON object' },
      { type: 'error', requestId: 'a', error: 'not_implemented', errorDescription: 'later' },
    ];
    for (const m of messages)
      expect(decodeBridgeMessage(m.type, encodeBridgeMessage(m))).toEqual({ ok: true, message: m });
  });

  it('refuses a result whose members do not match its status', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [
        { request_id: 'a', status: 'approved', encrypted_token_response: jwe, error: 'access_denied' },
        'a result with status approved carries no error',
      ],
      [{ request_id: 'a', status: 'approved' }, 'encrypted_token_response is required'],
      [
        { request_id: 'a', status: 'denied', error: 'access_denied', encrypted_token_response: jwe },
        'a result with status denied carries no encrypted_token_response',
      ],
      [{ request_id: 'a', status: 'failed' }, 'error is required'],
      [{ request_id: 'a', encrypted_token_response: jwe }, 'status is required'],
      [{ request_id: 'a', status: 'pending', error: 'access_denied' }, 'status is not a known result status'],
      [
        { request_id: 'a', status: 'approved', encrypted_token_response: 'a.b.c' },
        'encrypted_token_response is malformed',
      ],
    ];
    for (const [wire, description] of cases) {
      expect(decodeBridgeMessage('result', bytes(wire))).toMatchObject({ ok: false, description });
    }
  });

  it('refuses unknown error codes and statuses', () => {
    expect(decodeBridgeMessage('result', bytes({ request_id: 'a', status: 'failed', error: 'nope' }))).toMatchObject({
      ok: false,
    });
    expect(
      decodeBridgeMessage('error', bytes({ request_id: 'a', error: 'access_denied', error_description: 'x' })),
    ).toMatchObject({ ok: false });
    expect(decodeBridgeMessage('status', bytes({ request_id: 'a', status: 'toString' }))).toMatchObject({ ok: false });
  });

  it('refuses an ack whose expires_in is not a positive integer', () => {
    for (const expires of [0, -1, 1.5, '60', 2 ** 60]) {
      expect(
        decodeBridgeMessage('ack', bytes({ request_id: 'a', auth_req_id: 'x', expires_in: expires })),
      ).toMatchObject({
        ok: false,
        description: 'expires_in must be a positive integer',
      });
    }
  });

  it('cuts an overlong error description when encoding', () => {
    const wire = JSON.parse(
      encodeBridgeMessage({
        type: 'error',
        requestId: null,
        error: 'server_error',
        errorDescription: 'x'.repeat(999),
      }).toString(),
    );
    expect(wire.error_description).toHaveLength(256);
  });
});
