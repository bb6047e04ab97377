/** The names of the provider's guessing and flooding limits (README, "Limits"): a metric label. */
export const LIMIT_NAMES = [
  'user_code_owner',
  'user_code_client',
  'client_owner_requests',
  'owner_pending',
  'auth_client',
  'auth_owner_device',
  'auth_admin',
  'passkey_source',
  'passkey_owner',
] as const;
export type LimitName = (typeof LIMIT_NAMES)[number];
/** failure: a wrong attempt counted; locked: a key was just blocked; refused: an attempt refused; unlocked: reset by hand. */
export type LimitEvent = 'failure' | 'locked' | 'refused' | 'unlocked';
