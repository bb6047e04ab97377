// Public API of @onboard/receipts: approval receipts, framework-free. A receipt is a JWS by the
// provider embedding the owner's WebAuthn assertion, the credential's public key and the
// committed fields; anyone verifies it offline with the provider's JWKS (docs/receipts.md).
export * from './receipt';
