import type { Logger } from '@onboard/platform';
import type { Stores } from '@onboard/ciba-core';
import { openStores } from '@onboard/provider-store';

/**
 * Open the stores behind DATABASE_URL (SQLite file, SQLite in memory, PostgreSQL); runs
 * migrations. With `create` false a database that does not exist yet is refused.
 */
export function openProviderStores(databaseUrl: string, logger: Logger, create = true): Promise<Stores> {
  return openStores({ databaseUrl, logger, create });
}
