import type { ProviderSettings } from './settings';
import { createOutboundGuard, type OutboundGuard, type OutboundPolicy } from '@onboard/platform';

/**
 * The outbound request policy of a deployment: loopback allowed with
 * `allowLoopbackHttpNotifications` (ALLOW_LOOPBACK_HTTP_NOTIFICATIONS), and the operator's
 * own ranges in `outboundAllowCidrs` (OUTBOUND_ALLOW_CIDRS).
 */
export function outboundPolicy(settings: ProviderSettings): OutboundPolicy {
  return { allowLoopback: settings.allowLoopbackHttpNotifications, allowCidrs: settings.outboundAllowCidrs };
}

const guards = new WeakMap<ProviderSettings, { loopback: boolean; cidrs: string[]; guard: OutboundGuard }>();

/**
 * The guard of `settings`' policy without a resolver's say: what registration checks a
 * client's URLs with. Built once per settings object (again if its policy fields change).
 */
export function outboundGuardFor(settings: ProviderSettings): OutboundGuard {
  const hit = guards.get(settings);
  if (hit && hit.loopback === settings.allowLoopbackHttpNotifications && hit.cidrs === settings.outboundAllowCidrs) {
    return hit.guard;
  }
  const guard = createOutboundGuard(outboundPolicy(settings));
  guards.set(settings, {
    loopback: settings.allowLoopbackHttpNotifications,
    cidrs: settings.outboundAllowCidrs,
    guard,
  });
  return guard;
}
