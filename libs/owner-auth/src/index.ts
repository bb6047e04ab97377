// Public API of @onboard/owner-auth: the owner app's server side, framework-free. Passkey
// enrolment from one-time invitations, discoverable sign-in and sessions, devices, and
// approvals whose WebAuthn challenge commits to the request. Handlers are
// `(ctx, WireRequest, …params) → WireResponse`, mounted by the provider's Nest controllers.
export * from './commitment';
export * from './owner-app.handlers';
export * from './owner-app.schemas';
export * from './passkey-approvals';
export { PASSKEY_ALGORITHMS } from './webauthn';
export * from './receipts';
export * from './live-channel';
export * from './vehicles';
export * from './notify/announce-once';
export * from './notify/vapid-keys';
export * from './notify/web-push.notifier';
export * from './notify/webhook.notifier';
