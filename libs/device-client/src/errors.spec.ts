import { PROTOCOL_ERROR_CODES, RESULT_ERROR_CODES } from '@onboard/mqtt-contract';
import { DeviceClientError, codeForWireError, errorFromWire } from './errors';

describe('device client errors', () => {
  it('maps every wire error code of the protocol to a library code', () => {
    for (const code of [...PROTOCOL_ERROR_CODES, ...RESULT_ERROR_CODES]) {
      expect(typeof codeForWireError(code)).toBe('string');
    }
  });

  it.each([
    ['access_denied', 'access_denied'],
    ['expired_token', 'expired_token'],
    ['transaction_failed', 'transaction_failed'],
    ['invalid_request_object', 'invalid_request'],
    ['invalid_scope', 'invalid_request'],
    ['unknown_user_id', 'unknown_user'],
    ['expired_login_hint_token', 'unknown_user'],
    ['missing_user_code', 'invalid_user_code'],
    ['unauthorized_client', 'invalid_client'],
    ['invalid_grant', 'invalid_grant'],
    ['invalid_dpop_proof', 'invalid_dpop_proof'],
    ['request_id_reused', 'protocol_error'],
    ['payload_too_large', 'protocol_error'],
    ['unknown_request', 'unknown_request'],
    ['temporarily_unavailable', 'temporarily_unavailable'],
    ['server_error', 'bridge_error'],
  ] as const)('maps %s to %s', (wire, code) => {
    expect(codeForWireError(wire)).toBe(code);
  });

  it('keeps the wire code, the request id and the description in an error from the wire', () => {
    const err = errorFromWire('access_denied', 'the owner denied the request', 'r1');
    expect(err).toBeInstanceOf(DeviceClientError);
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ code: 'access_denied', protocolCode: 'access_denied', requestId: 'r1' });
    expect(err.message).toContain('the owner denied the request');
    expect(err.name).toBe('DeviceClientError');
  });

  it('says which errors are worth retrying', () => {
    expect(new DeviceClientError('timeout', 'x').retryable).toBe(true);
    expect(new DeviceClientError('temporarily_unavailable', 'x').retryable).toBe(true);
    expect(new DeviceClientError('access_denied', 'x').retryable).toBe(false);
    expect(new DeviceClientError('invalid_id_token', 'x').retryable).toBe(false);
  });
});
