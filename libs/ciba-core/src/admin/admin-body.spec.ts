import { testContext } from '../delivery/testing.helper';
import { InvalidRequest } from '../errors/oauth-error';
import { ADMIN_CLIENT_FIELDS, registerClient } from '../registration/register-client';
import type { WireRequest } from '../wire/wire';
import { readAdminBody } from './admin-body';

const post = (body?: string): WireRequest => ({
  method: 'POST',
  url: '/admin/v1/owners',
  headers: { 'content-type': 'application/json' },
  ...(body === undefined ? {} : { rawBody: Buffer.from(body) }),
});

describe('readAdminBody', () => {
  it('returns a body made of declared fields', () => {
    expect(readAdminBody(post('{"email":"a@example.com","name":null}'), 'createOwner')).toEqual({
      email: 'a@example.com',
      name: null,
    });
  });

  it('refuses an unknown field, naming it and the fields the request takes', () => {
    expect(() => readAdminBody(post('{"mail":"a@example.com"}'), 'createOwner')).toThrow(
      new InvalidRequest(
        "unknown field 'mail': this request takes sub, username, email, phone_number, name, user_code",
      ),
    );
  });

  it('names every unknown field, each cut to 64 characters', () => {
    const long = 'x'.repeat(100);
    expect(() => readAdminBody(post(JSON.stringify({ a: 1, [long]: 2 })), 'setUserCode')).toThrow(
      `unknown fields 'a', '${'x'.repeat(64)}': this request takes user_code`,
    );
  });

  it('takes no fields for an action, and no body when the body is optional', () => {
    expect(() => readAdminBody(post('{"reason":"x"}'), 'none', true)).toThrow(
      "unknown field 'reason': this request takes no fields",
    );
    expect(readAdminBody(post(), 'none', true)).toEqual({});
    expect(readAdminBody(post('{}'), 'none', true)).toEqual({});
    expect(() => readAdminBody(post(), 'createOwner')).toThrow(InvalidRequest);
  });

  it('declares every client metadata field registration reads', async () => {
    const read = new Set<string>();
    const metadata = new Proxy({ backchannel_token_delivery_mode: 'poll' } as Record<string, unknown>, {
      get: (target, key) => (typeof key === 'string' && read.add(key), Reflect.get(target, key)),
    });
    await registerClient(testContext(), metadata, { skipInitialAccessToken: true });
    // `client_id` is read by the admin route, not by registration
    expect([...read].filter((key) => !(ADMIN_CLIENT_FIELDS as readonly string[]).includes(key))).toEqual([]);
    expect(read.size).toBeGreaterThan(10);
  });
});
