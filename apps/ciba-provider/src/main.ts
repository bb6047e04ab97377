import { ConfigError } from '@onboard/config';
import { createProviderApp } from './bootstrap';

/** `node dist/apps/ciba-provider/src/main.js`: configure from the environment, listen, log the URL. */
async function main(): Promise<void> {
  const provider = await createProviderApp({ processMetrics: true });
  provider.ctx.logger.info('provider listening', {
    url: provider.url,
    issuer: provider.issuer,
    ...(provider.adminUrl ? { adminUrl: provider.adminUrl } : {}),
  });
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`configuration error: ${error.message}\n`);
  } else {
    process.stderr.write(`start-up failed: ${(error as Error)?.stack ?? String(error)}\n`);
  }
  process.exit(1);
});
