import type { RequestView } from '../api/types';

/**
 * Who asks, as the owner reads it: the client's display name, else the vehicle's nickname,
 * else `fallback`. Never the client id: a head-unit's id may be its VIN.
 */
export function clientLabel(r: Pick<RequestView, 'client' | 'client_name' | 'vehicle'>, fallback: string): string {
  return r.client?.name ?? r.client_name ?? r.vehicle?.nickname ?? fallback;
}
