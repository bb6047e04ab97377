import type { ProviderContext } from '../context';
import type { Client } from '../domain/client';
import type { Owner } from '../domain/owner';
import { AccessDenied, InvalidBindingMessage } from '../errors/oauth-error';
import { isFapiClient } from '../client-auth/algorithms';
import { verifyUserCode } from './user-code';

/**
 * A validated authentication request, as the access policy sees it: every §7.1
 * parameter has passed its check and nothing is stored yet.
 */
export interface RequestToAuthorize {
  scope: string;
  acrValues?: string[];
  bindingMessage?: string;
  authorizationDetails?: unknown[];
  /** Lifetime the request would get (seconds): requested_expiry or the default. */
  expiresIn: number;
}

/**
 * Deployment policy hooks of the backchannel authentication endpoint (CIBA §7.1, §7.2, §13).
 * Pass a replacement to handleBackchannelAuthentication; unspecified hooks keep
 * the defaults of defaultBackchannelPolicy.
 *
 * @example
 * // refuse requests for vehicle unlocks outside the fleet's own clients
 * const policy: Partial<BackchannelPolicy> = {
 *   async authorizeRequest(ctx, owner, client, request) {
 *     await defaultBackchannelPolicy.authorizeRequest(ctx, owner, client, request);
 *     if (request.scope.split(' ').includes('vehicle:unlock') && !client.clientId.startsWith('fleet-')) {
 *       throw new AccessDenied('this client may not ask for vehicle:unlock');
 *     }
 *   },
 * };
 * await handleBackchannelAuthentication(ctx, wireRequest, policy);
 */
export interface BackchannelPolicy {
  /**
   * Resolve a `login_hint` (CIBA §7.1) to an owner. Runs after the request is
   * validated and before user_code / binding_message checks. Return undefined when
   * no owner matches (the endpoint answers unknown_user_id; disabled owners are
   * treated the same by the endpoint). Default: email (case-insensitive), phone
   * number, username or sub via ctx.stores.owners.findByHint.
   */
  resolveLoginHint(ctx: ProviderContext, loginHint: string, client: Client): Promise<Owner | undefined>;
  /**
   * Validate `binding_message` (CIBA §7.1; undefined when absent). Runs after the
   * user_code check. Throw InvalidBindingMessage to refuse. Default: required under
   * FAPI-CIBA (§5.2.2-2), at most settings.bindingMessageMaxLength characters, no
   * control or bidirectional-override characters (it is shown to a human on two devices).
   */
  validateBindingMessage(ctx: ProviderContext, bindingMessage: string | undefined, client: Client): void;
  /**
   * Verify a `user_code` (CIBA §7.1.2) for a client registered with
   * backchannel_user_code_parameter. Runs after the hint is resolved. Return true when
   * it matches (the endpoint answers invalid_user_code otherwise). Default: scrypt
   * check against owner.userCodeHash; an owner without a code never matches.
   */
  verifyUserCode(ctx: ProviderContext, userCode: string, owner: Owner, client: Client): Promise<boolean>;
  /**
   * Decide whether the OpenID Provider takes the request at all (CIBA §13 access_denied:
   * "the resource owner or OpenID Provider denied the CIBA request"). Runs last, after the
   * hint is resolved and user_code and binding_message are checked, and before the auth
   * request is created and the owner's device is notified. Return to accept; throw
   * AccessDenied (403) to refuse. Default: the owner needs at least one enabled
   * authentication device, since only an owner device can approve a request; a request
   * nobody could approve is refused at once instead of leaving the client waiting until
   * it expires.
   */
  authorizeRequest(ctx: ProviderContext, owner: Owner, client: Client, request: RequestToAuthorize): Promise<void>;
}

// C0/C1 controls and the Unicode bidirectional embedding/override/isolate characters.
const FORBIDDEN_IN_BINDING_MESSAGE = /[\p{Cc}\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;

/** The documented default policy. */
export const defaultBackchannelPolicy: BackchannelPolicy = {
  resolveLoginHint: (ctx, loginHint) => ctx.stores.owners.findByHint(loginHint),

  validateBindingMessage(ctx, bindingMessage, client) {
    if (bindingMessage === undefined) {
      if (isFapiClient(ctx.settings, client)) throw new InvalidBindingMessage('binding_message is required');
      return;
    }
    let length = 0;
    for (const _ of bindingMessage) length++;
    if (length > ctx.settings.bindingMessageMaxLength) {
      throw new InvalidBindingMessage(
        `binding_message is longer than ${ctx.settings.bindingMessageMaxLength} characters`,
      );
    }
    if (bindingMessage.trim() === '') throw new InvalidBindingMessage('binding_message is blank');
    if (FORBIDDEN_IN_BINDING_MESSAGE.test(bindingMessage)) {
      throw new InvalidBindingMessage('binding_message contains control characters');
    }
  },

  verifyUserCode: async (_ctx, userCode, owner) =>
    owner.userCodeHash !== undefined && verifyUserCode(userCode, owner.userCodeHash),

  async authorizeRequest(ctx, owner) {
    // an enabled device credential, or a passkey enrolled in the owner app and not removed
    const devices = await ctx.stores.owners.listDevices(owner.sub);
    if (devices.some((device) => !device.disabled)) return;
    const passkeys = await ctx.stores.passkeys.listPasskeys(owner.sub);
    if (passkeys.some((passkey) => passkey.removedAt === undefined)) return;
    throw new AccessDenied('the user has no authentication device that could approve the request');
  },
};
