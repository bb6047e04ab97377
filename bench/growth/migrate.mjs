// Creates the provider's schema on a database: boots the built provider on it once (its
// migrations run at start-up) and stops it. `node bench/growth/migrate.mjs <DATABASE_URL> <root>`
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

const [databaseUrl, root] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const { createProviderApp } = require(resolve(root, 'dist/apps/ciba-provider/src/bootstrap.js'));
const provider = await createProviderApp({
  env: {
    PORT: '0',
    HOST: '127.0.0.1',
    ISSUER: 'http://127.0.0.1',
    DATABASE_URL: databaseUrl,
    ADMIN_TOKEN: randomBytes(24).toString('base64url'),
    LOG_LEVEL: 'error',
  },
  shutdownHooks: false,
});
await provider.close();
