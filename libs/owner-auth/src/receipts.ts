import { createHash } from 'node:crypto';
import {
  InvalidRequest,
  NotFound,
  authenticateClient,
  jsonNoStore,
  parseForm,
  relyingParty,
  renderHttpError,
  type ApprovalAssertion,
  type ProviderContext,
  type WireRequest,
  type WireResponse,
} from '@onboard/ciba-core';
import { RECEIPT_TYPE, type ReceiptPayload } from '@onboard/receipts';

/** Path of the receipt endpoint (client-authenticated, like the token endpoint). */
export const RECEIPTS_PATH = '/receipts';

/**
 * The approval receipt of a stored passkey approval: a JWS by the provider (ES256, `typ`
 * `onboard-approval-receipt+jwt`) over the owner's assertion, the credential's public key
 * and the committed fields (docs/receipts.md).
 */
export async function issueReceipt(
  ctx: ProviderContext,
  assertion: ApprovalAssertion,
  clientId: string,
): Promise<string> {
  const payload: ReceiptPayload = {
    iss: ctx.settings.issuer,
    sub: assertion.sub,
    aud: clientId,
    iat: Math.floor(ctx.clock.now() / 1000),
    approved_at: Math.floor(assertion.createdAt / 1000),
    commitment: JSON.parse(assertion.commitment) as Record<string, unknown>,
    assertion: {
      credential_id: assertion.credentialId,
      authenticator_data: assertion.authenticatorData,
      client_data_json: assertion.clientDataJSON,
      signature: assertion.signature,
      ...(assertion.userHandle ? { user_handle: assertion.userHandle } : {}),
    },
    credential_public_key: assertion.publicKey,
    rp_id: relyingParty(ctx.settings).rpId,
  };
  return ctx.keys.sign({ ...payload }, { alg: 'ES256', typ: RECEIPT_TYPE });
}

/**
 * `POST /receipts` (form: `auth_req_id`, client authentication as at the token endpoint):
 * the receipt of a request the owner approved with a passkey, for the client that asked.
 * 404 when the request was not approved with a passkey (or is not this client's).
 */
export async function handleReceipt(ctx: ProviderContext, req: WireRequest): Promise<WireResponse> {
  try {
    const form = parseForm(req);
    const client = await authenticateClient(ctx, req, form, RECEIPTS_PATH);
    const authReqId = form.get('auth_req_id');
    if (!authReqId) throw new InvalidRequest('auth_req_id is required');
    const hash = createHash('sha256').update(authReqId).digest('base64url');
    const request = await ctx.stores.authRequests.findByAuthReqIdHash(hash);
    const assertion =
      request && request.clientId === client.clientId ? await ctx.stores.passkeys.findAssertion(request.id) : undefined;
    if (!assertion) throw new NotFound('no passkey approval for this auth_req_id');
    return jsonNoStore(200, { receipt: await issueReceipt(ctx, assertion, client.clientId) });
  } catch (error) {
    return renderHttpError(error, ctx.logger);
  }
}
