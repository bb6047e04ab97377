import { PATHS } from '@onboard/ciba-core';
import { SoftAuthenticator, type SoftAlgorithm } from '@onboard/soft-authenticator';
import { send, sendJson, type HttpResult } from './http';
import type { TestProvider } from './provider';

const adminHeaders = (p: TestProvider) => ({ authorization: `Bearer ${p.adminToken}` });

/** A one-time enrolment invitation from the admin API; `token` is the link's fragment part. */
export async function inviteOwner(p: TestProvider, sub: string): Promise<{ url: string; token: string }> {
  const res = await sendJson(
    'POST',
    p.at(`${PATHS.admin}/owners/${encodeURIComponent(sub)}/invitations`),
    {},
    adminHeaders(p),
  );
  if (res.status !== 201) throw new Error(`invitation failed: ${res.status} ${res.text}`);
  const url: string = res.json.url;
  return { url, token: url.slice(url.indexOf('#/enrol/') + '#/enrol/'.length) };
}

/**
 * The owner app as the provider sees it: a browser origin with a cookie jar and a passkey
 * authenticator (libs/soft-authenticator), calling the owner-device API exactly as
 * apps/owner-app/src/api/client.ts does.
 */
export class OwnerAppSession {
  cookie?: string;
  readonly origin: string;

  constructor(
    readonly p: TestProvider,
    readonly phone = new SoftAuthenticator({ algorithms: ['ES256', 'EdDSA'] }),
  ) {
    this.origin = new URL(p.issuer).origin;
  }

  static withAlgorithms(p: TestProvider, algorithms: SoftAlgorithm[]): OwnerAppSession {
    return new OwnerAppSession(p, new SoftAuthenticator({ algorithms }));
  }

  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
    const res = await send({
      method,
      url: this.p.at(`${PATHS.ownerDevice}${path}`),
      headers: {
        accept: 'application/json',
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(method !== 'GET' ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(method !== 'GET' ? { body: JSON.stringify(body ?? {}) } : {}),
    });
    const setCookie = res.headers['set-cookie']?.[0];
    if (setCookie) {
      const value = setCookie.split(';')[0];
      this.cookie = value.endsWith('=') ? undefined : value;
    }
    return res;
  }

  /** Enrols this phone's passkey from an invitation token; signs in on success. */
  async enrol(token: string, deviceName = 'Test phone'): Promise<HttpResult> {
    const options = await this.call('POST', '/enrolment/options', { invitation: token });
    if (options.status !== 200) return options;
    const credential = await this.phone.register(options.json.public_key, { origin: this.origin });
    return this.call('POST', '/enrolment/verify', {
      enrolment_id: options.json.enrolment_id,
      device_name: deviceName,
      credential,
    });
  }

  /** Signs in with a discoverable passkey. */
  async signIn(): Promise<HttpResult> {
    const options = await this.call('POST', '/session/options', {});
    const credential = await this.phone.authenticate(options.json.public_key, { origin: this.origin });
    return this.call('POST', '/session/verify', { challenge_id: options.json.challenge_id, credential });
  }

  async pending(): Promise<any[]> {
    const res = await this.call('GET', '/requests');
    if (res.status !== 200) throw new Error(`listing failed: ${res.status} ${res.text}`);
    return res.json.requests;
  }

  /** Asks for the approval options, signs their challenge, and approves. */
  async approve(
    requestId: string,
    faults?: Parameters<SoftAuthenticator['authenticate']>[1]['faults'],
  ): Promise<HttpResult & { commitment?: any }> {
    const options = await this.call('POST', `/requests/${encodeURIComponent(requestId)}/approval/options`, {});
    if (options.status !== 200) return options;
    const credential = await this.phone.authenticate(options.json.public_key, { origin: this.origin, faults });
    const res = await this.call('POST', `/requests/${encodeURIComponent(requestId)}/approve`, { credential });
    return { ...res, commitment: options.json.commitment };
  }
}
