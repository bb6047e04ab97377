/**
 * The stable error codes of the soft authenticator. Callers `switch` on them. Each one names the
 * `DOMException` a browser would raise from `navigator.credentials.create()` / `.get()` in the
 * same situation, so a simulator can treat both alike:
 *
 * | Code | Browser equivalent | Meaning |
 * | --- | --- | --- |
 * | `invalid_options` | `TypeError` | The options JSON is malformed (a missing or non-base64url field, an oversized user id). |
 * | `security_error` | `SecurityError` | The origin is not a secure context, or the RP ID is neither its host nor a parent domain of it. |
 * | `not_supported` | `NotSupportedError` | None of `pubKeyCredParams` is an algorithm this authenticator supports. |
 * | `credential_excluded` | `InvalidStateError` | The authenticator already holds a credential listed in `excludeCredentials`. |
 * | `no_credential` | `NotAllowedError` | No stored credential matches the RP ID (and `allowCredentials`, when given). |
 * | `ambiguous_credential` | (account chooser) | Several discoverable credentials match and the call did not pick one. |
 * | `invalid_import` | – | A credential export could not be read (a field named in the message is missing or invalid). |
 * | `invalid_argument` | – | The caller passed an invalid option (an origin that is not an origin, an unknown algorithm). |
 */
export type SoftAuthenticatorErrorCode =
  | 'invalid_options'
  | 'security_error'
  | 'not_supported'
  | 'credential_excluded'
  | 'no_credential'
  | 'ambiguous_credential'
  | 'invalid_import'
  | 'invalid_argument';

/**
 * The one error class of the soft authenticator. Switch on {@link SoftAuthenticatorError.code}; the
 * message names what was wrong and what was expected, and never contains key material.
 * @example
 * try {
 *   await authenticator.authenticate(optionsJSON, { origin });
 * } catch (err) {
 *   if (err instanceof SoftAuthenticatorError && err.code === 'no_credential') enrolFirst();
 *   else throw err;
 * }
 */
export class SoftAuthenticatorError extends Error {
  /** The stable code. */
  readonly code: SoftAuthenticatorErrorCode;

  constructor(code: SoftAuthenticatorErrorCode, message: string) {
    super(message);
    this.name = 'SoftAuthenticatorError';
    this.code = code;
  }
}
