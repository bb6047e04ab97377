/**
 * The CIBA flow of a desk or kiosk, with openid-client only: start a backchannel
 * authentication request (CIBA §7), poll the token endpoint until the customer answers on
 * the phone (CIBA §10.1, openid-client waits `interval` and honours slow_down), then read the
 * verified identity from the ID token and the UserInfo endpoint. Every change is told to
 * the subscribers (the page, over Server-Sent Events).
 */
import { randomInt, randomUUID } from 'node:crypto';
import * as oidc from 'openid-client';

export type VerificationStatus = 'pending' | 'verified' | 'denied' | 'expired' | 'failed';

/** What the page shows of one verification. Never a token. */
export interface Verification {
  id: string;
  status: VerificationStatus;
  /** What was asked for, in the desk's words ("Pharmacy pick-up"). */
  label: string;
  binding_message: string;
  expires_at: string;
  /** The verified identity: claims of the ID token and UserInfo. */
  identity?: {
    sub: string;
    name?: string;
    email?: string;
    phone_number?: string;
    acr?: string;
    amr?: string[];
    auth_time?: number;
  };
  /** What the approval receipt says, when the provider offers one. */
  receipt?: { verdict: 'valid' | 'invalid' | 'unchecked' | 'not_offered'; detail: string };
  /** What the page says once verified ("Locker 7 is open"). */
  verified_message?: string;
  /** The provider's error code and description (denied, expired or failed). */
  error?: { code: string; description?: string };
}

export interface StartVerification {
  loginHint: string;
  label: string;
  bindingMessage?: string;
  authorizationDetails?: unknown[];
  scope?: string;
  /** Shown once the customer approved. */
  verifiedMessage?: string;
}

/** Words easy to read out over the phone and to compare on a small screen. */
const WORDS = [
  'AMBER',
  'BIRCH',
  'CEDAR',
  'DELTA',
  'EMBER',
  'FJORD',
  'GROVE',
  'HAVEN',
  'IVORY',
  'JADE',
  'KOALA',
  'LEMON',
  'MAPLE',
  'NORTH',
  'OLIVE',
  'PEARL',
  'QUARTZ',
  'RIVER',
  'SOLAR',
  'TULIP',
  'UMBER',
  'VIOLA',
  'WILLOW',
  'ZEBRA',
];

/** A binding message to read out: a word and two digits, e.g. "MAPLE-42" (CIBA §7.1 binding_message). */
export function generateBindingMessage(): string {
  return `${WORDS[randomInt(WORDS.length)]}-${String(randomInt(100)).padStart(2, '0')}`;
}

type Listener = (verification: Verification) => void;

export class VerificationDesk {
  private readonly verifications = new Map<string, Verification>();
  private readonly listeners = new Set<Listener>();
  private readonly polls = new AbortController();

  constructor(
    private readonly config: oidc.Configuration,
    private readonly defaultScope = 'openid profile email',
  ) {}

  /** Asks the provider (CIBA §7.1); the customer's phone is notified. Rejects with the provider's error. */
  async start(input: StartVerification): Promise<Verification> {
    const bindingMessage = input.bindingMessage ?? generateBindingMessage();
    const params: Record<string, string> = {
      scope: input.scope ?? this.defaultScope,
      login_hint: input.loginHint,
      binding_message: bindingMessage,
    };
    if (input.authorizationDetails) params.authorization_details = JSON.stringify(input.authorizationDetails);
    const started = await oidc.initiateBackchannelAuthentication(this.config, params);
    const verification: Verification = {
      id: randomUUID(),
      status: 'pending',
      label: input.label,
      binding_message: bindingMessage,
      expires_at: new Date(Date.now() + started.expires_in * 1000).toISOString(),
    };
    this.verifications.set(verification.id, verification);
    this.emit(verification);
    void this.await(verification, started, input.verifiedMessage);
    return verification;
  }

  get(id: string): Verification | undefined {
    return this.verifications.get(id);
  }

  list(): Verification[] {
    return [...this.verifications.values()];
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops every poll still running. */
  close(): void {
    this.polls.abort();
  }

  private async await(
    verification: Verification,
    started: oidc.BackchannelAuthenticationResponse,
    verifiedMessage?: string,
  ) {
    try {
      const tokens = await oidc.pollBackchannelAuthenticationGrant(this.config, started, undefined, {
        signal: this.polls.signal,
      });
      const claims = tokens.claims();
      if (!claims) throw new Error('the token response carries no ID token');
      const userInfo = await oidc.fetchUserInfo(this.config, tokens.access_token, claims.sub).catch(() => undefined);
      verification.identity = {
        sub: claims.sub,
        name: str(userInfo?.name ?? claims.name),
        email: str(userInfo?.email ?? claims.email),
        phone_number: str(userInfo?.phone_number ?? claims.phone_number),
        acr: str(claims.acr),
        amr: Array.isArray(claims.amr) ? claims.amr.map(String) : undefined,
        auth_time: typeof claims.auth_time === 'number' ? claims.auth_time : undefined,
      };
      verification.receipt = receiptVerdict(tokens);
      verification.verified_message = verifiedMessage;
      verification.status = 'verified';
    } catch (error) {
      if (this.polls.signal.aborted) return;
      if (error instanceof oidc.ResponseBodyError) {
        // CIBA §11: access_denied (the customer declined, or reported it), expired_token
        verification.status =
          error.error === 'access_denied' ? 'denied' : error.error === 'expired_token' ? 'expired' : 'failed';
        verification.error = { code: error.error, description: error.error_description };
      } else {
        verification.status = 'failed';
        verification.error = { code: 'client_error', description: (error as Error).message };
      }
    }
    this.emit(verification);
  }

  private emit(verification: Verification) {
    for (const listener of this.listeners) listener(verification);
  }
}

const str = (value: unknown) => (typeof value === 'string' ? value : undefined);

/**
 * The approval receipt's verdict. A provider that offers approval receipts sends one with the
 * tokens (for clients registered for it); without one there is nothing to check.
 */
function receiptVerdict(tokens: oidc.TokenEndpointResponse): Verification['receipt'] {
  if (tokens.approval_receipt === undefined) {
    return { verdict: 'not_offered', detail: 'The provider sent no approval receipt with the tokens.' };
  }
  return { verdict: 'unchecked', detail: 'This example does not check receipts of this format.' };
}
