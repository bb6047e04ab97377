import type { Logger, Stores } from '@onboard/ciba-core';
import { openStores } from '@onboard/store-typeorm';

/** Open the stores behind DATABASE_URL (SQLite file, SQLite in memory, PostgreSQL); runs migrations. */
export function openProviderStores(databaseUrl: string, logger: Logger): Promise<Stores> {
  return openStores({ databaseUrl, logger });
}
