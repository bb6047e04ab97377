import { jsonNoStore, type ProviderContext, type WireResponse } from '@onboard/ciba-core';

/**
 * GET /health: 200 `{status: 'ok'}` when the database answers a query, else 503
 * `{status: 'unavailable'}` (the cause is logged, not shown). The signing-key table
 * is read because it is tiny and every working provider has rows in it.
 */
export async function checkHealth(ctx: ProviderContext): Promise<WireResponse> {
  try {
    await ctx.stores.signingKeys.list();
    return jsonNoStore(200, { status: 'ok' });
  } catch (error) {
    ctx.logger.error('health check failed', { errorMessage: (error as Error).message });
    return jsonNoStore(503, { status: 'unavailable' });
  }
}
