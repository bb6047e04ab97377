import { ApiError, toApiError } from './api-error';
import type {
  ApprovalOptions,
  AuthenticationResponseJSON,
  Device,
  EnrolmentOptions,
  Invitation,
  RegistrationResponseJSON,
  RequestPage,
  RequestView,
  Session,
  SignInOptions,
  Vehicle,
} from './types';

/** Base path of the owner-device API on the provider (same origin as the app). */
export const API_BASE = '/owner-device/v1';

export interface ApiOptions {
  /** Origin of the provider; empty for the page's own origin. */
  origin?: string;
  fetch?: typeof fetch;
  /** Called on every 401, before the error is thrown (the app shows sign-in). */
  onSignedOut?: () => void;
}

type Method = 'GET' | 'POST' | 'DELETE';

/**
 * A thin client of the owner-device API. The session is the `onboard_session`
 * cookie, so calls carry credentials and nothing else. State-changing calls always
 * send `content-type: application/json` and a JSON body (`{}` when there is nothing
 * to say): the provider requires it (a CORS preflight for any cross-site caller).
 */
export function createApi(options: ApiOptions = {}) {
  const origin = options.origin ?? '';
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));

  async function call<T>(method: Method, path: string, body?: unknown): Promise<T> {
    const init: RequestInit = {
      method,
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { accept: 'application/json' },
    };
    if (method !== 'GET') {
      init.headers = { ...init.headers, 'content-type': 'application/json' };
      init.body = JSON.stringify(body ?? {});
    }
    let response: Response;
    try {
      response = await doFetch(`${origin}${API_BASE}${path}`, init);
    } catch {
      throw new ApiError('offline', 0);
    }
    if (response.status === 204) return undefined as T;
    const text = await response.text().catch(() => '');
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const error = toApiError(response.status, parsed, response.headers.get('retry-after'));
      if (error.kind === 'signed_out') options.onSignedOut?.();
      throw error;
    }
    if (parsed === undefined && text) throw new ApiError('server', response.status, undefined, 'not JSON');
    return parsed as T;
  }

  const page = (limit?: number, cursor?: string) => {
    const q = new URLSearchParams();
    if (limit) q.set('limit', String(limit));
    if (cursor) q.set('cursor', cursor);
    const s = q.toString();
    return s ? `?${s}` : '';
  };
  const id = (value: string) => encodeURIComponent(value);

  return {
    enrolmentOptions: (invitation: string) => call<EnrolmentOptions>('POST', '/enrolment/options', { invitation }),
    enrolmentVerify: (enrolmentId: string, credential: RegistrationResponseJSON, deviceName?: string) =>
      call<{ device: Device }>('POST', '/enrolment/verify', {
        enrolment_id: enrolmentId,
        ...(deviceName ? { device_name: deviceName } : {}),
        credential,
      }),
    signInOptions: () => call<SignInOptions>('POST', '/session/options', {}),
    signInVerify: (challengeId: string, credential: AuthenticationResponseJSON) =>
      call<Session>('POST', '/session/verify', { challenge_id: challengeId, credential }),
    session: () => call<Session>('GET', '/session'),
    signOut: () => call<void>('DELETE', '/session'),

    requests: (limit?: number, cursor?: string) => call<RequestPage>('GET', `/requests${page(limit, cursor)}`),
    request: (requestId: string) => call<RequestView>('GET', `/requests/${id(requestId)}`),
    approvalOptions: (requestId: string) =>
      call<ApprovalOptions>('POST', `/requests/${id(requestId)}/approval/options`, {}),
    approve: (requestId: string, credential: AuthenticationResponseJSON) =>
      call<RequestView>('POST', `/requests/${id(requestId)}/approve`, { credential }),
    deny: (requestId: string, notMe = false) =>
      call<RequestView>('POST', `/requests/${id(requestId)}/deny`, notMe ? { reason: 'not_me' } : {}),
    history: (limit?: number, cursor?: string) => call<RequestPage>('GET', `/history${page(limit, cursor)}`),

    devices: () => call<{ devices: Device[] }>('GET', '/devices'),
    removeDevice: (deviceId: string) => call<void>('DELETE', `/devices/${id(deviceId)}`),
    createInvitation: () => call<Invitation>('POST', '/invitations', {}),

    vehicles: () => call<{ vehicles: Vehicle[] }>('GET', '/vehicles'),
    unpairVehicle: (clientId: string) => call<void>('POST', `/vehicles/${id(clientId)}/unpair`, {}),

    pushKey: () => call<{ vapid_public_key: string }>('GET', '/push/key'),
    addPushSubscription: (subscription: PushSubscriptionJSON) =>
      call<void>('POST', '/push/subscriptions', { subscription }),
    removePushSubscription: (endpoint: string) => call<void>('DELETE', '/push/subscriptions', { endpoint }),
  };
}

export type Api = ReturnType<typeof createApi>;

/** URL of the live channel (Server-Sent Events). */
export const EVENTS_URL = `${API_BASE}/events`;
