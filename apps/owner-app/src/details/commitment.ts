/**
 * The owner signs what the owner saw: before the passkey is asked, the approval's
 * commitment (what the WebAuthn challenge is the hash of) must name the same
 * client, binding message, scope and authorization details as the request on
 * screen. If the request changed meanwhile, the app reloads it instead of signing.
 * The provider checks the assertion against the commitment; this check only keeps
 * the screen and the signature in step.
 */
import type { Commitment, RequestView } from '../api/types';

/** JSON with object keys sorted at every level, so equal values compare equal. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

const scopeSet = (scope: string | string[] | undefined) =>
  (Array.isArray(scope) ? scope : (scope ?? '').split(' ')).filter(Boolean).sort().join(' ');

/** Whether the commitment covers exactly the request the owner is looking at. */
export function commitmentMatches(commitment: Commitment, view: RequestView): boolean {
  return (
    commitment.client_id === view.client_id &&
    (commitment.binding_message ?? '') === (view.binding_message ?? '') &&
    scopeSet(commitment.scope) === scopeSet(view.scope) &&
    canonical(commitment.authorization_details ?? null) === canonical(view.authorization_details ?? null)
  );
}
