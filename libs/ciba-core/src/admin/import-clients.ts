import type { ProviderContext } from '../context';
import { InvalidClientMetadata, OAuthError } from '../errors/oauth-error';
import { registerClient } from '../registration/register-client';
import type { RawMetadata } from '../registration/metadata-values';

/** Clients per `POST /admin/v1/clients:import` call at most (a bridge sends its fleet in such chunks). */
export const MAX_CLIENT_IMPORT = 1000;

/** One client of an import, in body order: registered (with its client information response) or why not. */
export type ClientImportResult =
  | { index: number; clientId: string; outcome: 'registered'; response: Record<string, unknown> }
  | { index: number; clientId?: string; outcome: 'failed'; error: string; errorDescription: string };

/**
 * Registers many clients as `POST /admin/v1/clients` registers one (the same checks of RFC 7591
 * and CIBA §4 metadata, {@link registerClient}), in one store transaction: one commit for the
 * whole batch instead of one HTTP call and one commit per client, which is what registering a
 * fleet of head-units through the bridge cost. A client whose metadata is refused does not stop
 * the others: each gets its own result, in body order. A `client_id` repeated in the body fails
 * on its later entries.
 *
 * @example
 * const results = await importClients(ctx, [{ client_id: 'hu-1', jwks, token_endpoint_auth_method: 'private_key_jwt', … }]);
 * results[0].outcome; // 'registered'
 */
export function importClients(ctx: ProviderContext, list: readonly RawMetadata[]): Promise<ClientImportResult[]> {
  return ctx.stores.transaction(async (stores) => {
    const inTransaction: ProviderContext = { ...ctx, stores };
    const seen = new Set<string>();
    const results: ClientImportResult[] = [];
    for (const [index, metadata] of list.entries()) {
      const chosen = metadata.client_id;
      const clientId = typeof chosen === 'string' ? chosen : undefined;
      try {
        if (chosen !== undefined && clientId === undefined)
          throw new InvalidClientMetadata('client_id must be a string');
        if (clientId !== undefined && seen.has(clientId))
          throw new InvalidClientMetadata('client_id is repeated in this import');
        if (clientId !== undefined) seen.add(clientId);
        const { response } = await registerClient(inTransaction, metadata, { skipInitialAccessToken: true, clientId });
        results.push({ index, clientId: response.client_id as string, outcome: 'registered', response });
      } catch (error) {
        // metadata refused: this entry fails, the others go on; anything else ends the batch
        if (!(error instanceof OAuthError)) throw error;
        results.push({ index, clientId, outcome: 'failed', error: error.code, errorDescription: error.message });
      }
    }
    return results;
  });
}
