import type { ProviderContext } from '../context';
import type { Client } from '../domain/client';
import { InvalidClientMetadata } from '../errors/oauth-error';
import { hashClientSecret } from '../client-auth/client-secret';
import { checkBackchannelMetadata } from './check-backchannel-metadata';
import { checkBrandingMetadata } from './check-branding-metadata';
import { checkOwnerNotificationMetadata } from './check-owner-notification-metadata';
import { checkClientKeys } from './check-client-keys';
import { checkGrantTypesAndScope } from './check-grant-types';
import { checkSignedResponseAlgs } from './check-signed-response-algs';
import { checkTokenEndpointAuth } from './check-token-endpoint-auth';
import { checkTokenResponseEncryption } from './check-token-response-encryption';
import { checkInitialAccessToken } from './initial-access-token';
import { optionalBoolean, optionalString, type RawMetadata } from './metadata-values';

/**
 * The client metadata registration reads (RFC 7591 §2, CIBA §4, RFC 9449 §5.2, OIDC
 * Registration §2 signed responses, FAPI-CIBA and Onboard's token response encryption), plus
 * the `client_id` an operator may choose: what the admin API accepts. The registration
 * endpoint ignores other metadata (RFC 7591 §2). `introspection_signed_response_alg` is
 * listed so the admin API answers it as DCR does (not supported) instead of as an unknown field.
 */
export const ADMIN_CLIENT_FIELDS = [
  'client_id',
  'client_name',
  'logo_uri',
  'onboard_branding',
  'onboard_vehicle',
  'onboard_approval_receipts',
  'onboard_owner_notification_uri',
  'token_endpoint_auth_method',
  'token_endpoint_auth_signing_alg',
  'grant_types',
  'scope',
  'jwks',
  'jwks_uri',
  'redirect_uris',
  'backchannel_token_delivery_mode',
  'backchannel_client_notification_endpoint',
  'backchannel_authentication_request_signing_alg',
  'backchannel_user_code_parameter',
  'dpop_bound_access_tokens',
  'fapi_ciba_profile',
  'token_response_encryption_alg',
  'token_response_encryption_enc',
  'id_token_signed_response_alg',
  'userinfo_signed_response_alg',
  'introspection_signed_response_alg',
] as const;

/** Client ids: 16 random bytes (128 bits), base64url. Secrets: 32 random bytes. */
const CLIENT_ID_BYTES = 16;
const CLIENT_SECRET_BYTES = 32;
const MAX_CLIENT_NAME = 256;

export interface RegisterClientOptions {
  /** The admin CLI/API registers without an initial access token. */
  skipInitialAccessToken?: boolean;
  /** The Bearer token presented to the registration endpoint (RFC 7591 §3). */
  initialAccessToken?: string;
  /** A chosen client_id (admin registration of a device); default: random. */
  clientId?: string;
}

export interface RegisteredClient {
  client: Client;
  /** The clear client secret, returned once (client_secret_* methods only). */
  clientSecret?: string;
  /** The RFC 7591 §3.2.1 client information response body. */
  response: Record<string, unknown>;
}

/**
 * Validate RFC 7591 / CIBA §4 / OIDC Registration §2 client metadata, create the client
 * and store it.
 * Unknown metadata is ignored (RFC 7591 §2). Errors: invalid_client_metadata,
 * invalid_redirect_uri (RFC 7591 §3.2.2), invalid_token without a valid initial
 * access token (unless `skipInitialAccessToken`).
 *
 * @example
 *   const { client, clientSecret, response } = await registerClient(ctx, {
 *     backchannel_token_delivery_mode: 'poll', token_endpoint_auth_method: 'client_secret_basic',
 *   }, { skipInitialAccessToken: true });
 */
export async function registerClient(
  ctx: ProviderContext,
  metadata: RawMetadata,
  opts: RegisterClientOptions = {},
): Promise<RegisteredClient> {
  if (!opts.skipInitialAccessToken) checkInitialAccessToken(ctx, opts.initialAccessToken);
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new InvalidClientMetadata('client metadata must be a JSON object');
  }
  const settings = ctx.settings;
  const fapiRequested = optionalBoolean(metadata, 'fapi_ciba_profile') ?? false;
  const fapi = settings.fapiCiba || fapiRequested;

  const auth = checkTokenEndpointAuth(metadata, fapi);
  const backchannel = checkBackchannelMetadata(metadata, settings, fapi);
  const keys = checkClientKeys(
    metadata,
    settings,
    auth.method === 'private_key_jwt' || backchannel.requestSigningAlg !== undefined,
  );
  const encryption = checkTokenResponseEncryption(metadata, keys);
  const signed = checkSignedResponseAlgs(metadata, fapi);
  const { grantTypes, scope } = checkGrantTypesAndScope(metadata, settings);
  const clientName = optionalString(metadata, 'client_name');
  if (clientName !== undefined && clientName.length > MAX_CLIENT_NAME) {
    throw new InvalidClientMetadata('client_name is too long');
  }
  const dpopBound = optionalBoolean(metadata, 'dpop_bound_access_tokens') ?? false;
  const branding = checkBrandingMetadata(metadata);
  const ownerNotification = checkOwnerNotificationMetadata(metadata, settings);

  const clientId = opts.clientId ?? newClientId(ctx.random.token(CLIENT_ID_BYTES));
  if (opts.clientId !== undefined && (await ctx.stores.clients.find(clientId))) {
    throw new InvalidClientMetadata('client_id is already registered');
  }
  const clientSecret = auth.method === 'private_key_jwt' ? undefined : ctx.random.token(CLIENT_SECRET_BYTES);
  const now = ctx.clock.now();

  // The registered metadata, in wire form (returned by RFC 7591 §3.2.1 and kept on the client).
  const registered: Record<string, unknown> = {
    token_endpoint_auth_method: auth.method,
    grant_types: grantTypes,
    backchannel_token_delivery_mode: backchannel.mode,
    backchannel_user_code_parameter: backchannel.userCodeParameter,
    dpop_bound_access_tokens: dpopBound,
    fapi_ciba_profile: fapiRequested,
    // RFC 7591 §3.2.1: the response states the defaults applied, so the RP learns the alg.
    id_token_signed_response_alg: signed.idTokenAlg,
  };
  const optional: [string, unknown][] = [
    ['token_endpoint_auth_signing_alg', auth.signingAlg],
    ['jwks', keys.jwks],
    ['jwks_uri', keys.jwksUri],
    ['scope', scope],
    ['client_name', clientName],
    ['backchannel_client_notification_endpoint', backchannel.notificationEndpoint],
    ['backchannel_authentication_request_signing_alg', backchannel.requestSigningAlg],
    ['redirect_uris', backchannel.redirectUris],
    ['token_response_encryption_alg', encryption.alg],
    ['token_response_encryption_enc', encryption.enc],
    ['userinfo_signed_response_alg', signed.userinfoAlg],
  ];
  for (const [name, value] of optional) if (value !== undefined) registered[name] = value;
  Object.assign(registered, branding, ownerNotification);

  const client: Client = {
    clientId,
    tokenEndpointAuthMethod: auth.method,
    grantTypes,
    backchannelTokenDeliveryMode: backchannel.mode,
    backchannelUserCodeParameter: backchannel.userCodeParameter,
    dpopBoundAccessTokens: dpopBound,
    fapiCiba: fapiRequested,
    idTokenSignedResponseAlg: signed.idTokenAlg,
    metadata: registered,
    disabled: false,
    createdAt: now,
  };
  if (clientSecret !== undefined) client.clientSecretHash = hashClientSecret(clientSecret);
  if (clientName !== undefined) client.clientName = clientName;
  if (auth.signingAlg !== undefined) client.tokenEndpointAuthSigningAlg = auth.signingAlg;
  if (keys.jwks) client.jwks = keys.jwks;
  if (keys.jwksUri) client.jwksUri = keys.jwksUri;
  if (scope !== undefined) client.scope = scope;
  if (backchannel.notificationEndpoint) client.backchannelClientNotificationEndpoint = backchannel.notificationEndpoint;
  if (backchannel.requestSigningAlg) client.backchannelAuthenticationRequestSigningAlg = backchannel.requestSigningAlg;
  if (signed.userinfoAlg !== undefined) client.userinfoSignedResponseAlg = signed.userinfoAlg;
  if (encryption.alg !== undefined) {
    client.tokenResponseEncryptionAlg = encryption.alg;
    client.tokenResponseEncryptionEnc = encryption.enc;
  }
  await ctx.stores.clients.save(client);

  const response: Record<string, unknown> = {
    client_id: clientId,
    client_id_issued_at: Math.floor(now / 1000),
    ...registered,
  };
  if (clientSecret !== undefined) {
    response.client_secret = clientSecret;
    response.client_secret_expires_at = 0;
  }
  return { client, clientSecret, response };
}

/**
 * A generated client_id begins with a letter or digit: base64url may begin with `-`, which a
 * command line (`npm run admin -- clients disable <id>`) would read as an option.
 */
export function newClientId(token: string): string {
  return /^[-_]/.test(token) ? `c${token.slice(1)}` : token;
}
