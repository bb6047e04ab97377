import type { Commitment, RequestView } from '../api/types';
import { commitmentMatches } from './commitment';

const view: RequestView = {
  id: 'r1',
  status: 'pending',
  client_id: 'bank',
  binding_message: 'BLUE-42',
  scope: ['openid', 'email'],
  authorization_details: [{ type: 'payment', amount: { value: 50, currency: 'EUR' }, merchant: 'Store 12' }],
  created_at: '2025-01-01T00:00:00Z',
  expires_at: '2025-01-01T00:05:00Z',
  expires_in: 300,
};
const commitment: Commitment = {
  auth_req_id_sha256: 'x',
  client_id: 'bank',
  binding_message: 'BLUE-42',
  scope: 'email openid',
  authorization_details: [{ merchant: 'Store 12', amount: { currency: 'EUR', value: 50 }, type: 'payment' }],
  nonce: 'n',
};

describe('the approval commitment', () => {
  it('matches the request on screen whatever the key order or scope form', () => {
    expect(commitmentMatches(commitment, view)).toBe(true);
    expect(commitmentMatches({ ...commitment, scope: ['openid', 'email'] }, view)).toBe(true);
  });

  it('does not match when the binding message, client, scope or details differ', () => {
    expect(commitmentMatches({ ...commitment, binding_message: 'BLUE-43' }, view)).toBe(false);
    expect(commitmentMatches({ ...commitment, client_id: 'other' }, view)).toBe(false);
    expect(commitmentMatches({ ...commitment, scope: 'openid' }, view)).toBe(false);
    expect(
      commitmentMatches(
        { ...commitment, authorization_details: [{ type: 'payment', amount: { value: 500, currency: 'EUR' } }] },
        view,
      ),
    ).toBe(false);
  });

  it('treats a missing binding message or details the same on both sides', () => {
    const bare = { ...view, binding_message: undefined, authorization_details: undefined };
    expect(
      commitmentMatches({ ...commitment, binding_message: undefined, authorization_details: undefined }, bare),
    ).toBe(true);
    expect(commitmentMatches({ ...commitment, binding_message: undefined }, view)).toBe(false);
  });
});
