import { InvalidClientMetadata } from '../errors/oauth-error';
import type { ProviderSettings } from '../settings';
import { optionalString, outboundTargetProblem, urlProblem, type RawMetadata } from './metadata-values';

/** Owner notification metadata, as registered (wire form). */
export interface OwnerNotificationMetadata {
  onboard_owner_notification_uri?: string;
}

/**
 * Onboard's extension `onboard_owner_notification_uri` (docs/notifications.md): the client's
 * own app back-end, which receives a signed notification (`onboard-owner-notification+jwt`)
 * for each new request of this client, to forward to the owner's phone through its own push
 * service. https, not a refused outbound target (like a CIBA notification endpoint).
 */
export function checkOwnerNotificationMetadata(
  metadata: RawMetadata,
  settings: ProviderSettings,
): OwnerNotificationMetadata {
  const uri = optionalString(metadata, 'onboard_owner_notification_uri');
  if (uri === undefined) return {};
  // The provider POSTs to it: no target inside the deployment's network (SSRF).
  const problem = outboundTargetProblem(uri, settings) ?? urlProblem(uri, settings);
  if (problem) throw new InvalidClientMetadata(`onboard_owner_notification_uri ${problem}`);
  return { onboard_owner_notification_uri: uri };
}
