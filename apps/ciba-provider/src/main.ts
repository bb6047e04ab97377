import { createProviderApp } from './bootstrap';
import { startupFailure } from './startup-failure';

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
  process.stderr.write(startupFailure(error));
  process.exit(1);
});
