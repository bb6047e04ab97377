import type { ProviderContext } from '../context';
import { MethodNotAllowed } from '../errors/oauth-error';
import { renderHttpError } from '../http/render-http';
import type { ProviderSettings } from '../settings';
import type { WireRequest, WireResponse } from '../wire/wire';
import { providerMetadata } from './provider-metadata';

// Settings are immutable after boot: build the document once per settings object.
const documents = new WeakMap<ProviderSettings, Record<string, unknown>>();

/**
 * The OpenID Provider configuration (OIDC Discovery §4, CIBA §4), served at
 * PATHS.discovery. Public metadata: cacheable for a few minutes. Never throws.
 *
 * @example const res = await handleDiscovery(ctx, { method: 'GET', url, headers: {} });
 */
export async function handleDiscovery(ctx: ProviderContext, req: WireRequest): Promise<WireResponse> {
  try {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new MethodNotAllowed('only GET is supported');
    let document = documents.get(ctx.settings);
    if (!document) {
      document = providerMetadata(ctx.settings);
      documents.set(ctx.settings, document);
    }
    return {
      status: 200,
      headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'public, max-age=300' },
      body: document,
    };
  } catch (err) {
    return renderHttpError(err, ctx.logger);
  }
}
