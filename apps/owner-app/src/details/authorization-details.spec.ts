import { createI18n } from '../i18n/i18n';
import { describeAuthorizationDetails, describeScopes, formatAmount } from './authorization-details';

const en = createI18n('en');
const ja = createI18n('ja');

describe('authorization_details in plain words', () => {
  it('renders vehicle_pairing as pairing the vehicle with the account', () => {
    expect(describeAuthorizationDetails([{ type: 'vehicle_pairing' }], en)).toEqual([
      { title: 'Pair this vehicle with your account', lines: [] },
    ]);
    expect(describeAuthorizationDetails([{ type: 'vehicle_pairing' }], ja)[0].title).toBe(
      'この車両をあなたのアカウントとペアリング',
    );
  });

  it('renders a payment as "Pay up to €50 at Store 12"', () => {
    const payment = { type: 'payment', amount: { value: 50, currency: 'EUR' }, merchant: 'Store 12' };
    expect(describeAuthorizationDetails([payment], en)).toEqual([{ title: 'Pay up to €50 at Store 12', lines: [] }]);
    expect(describeAuthorizationDetails([payment], ja)[0].title).toBe('Store 12 で上限 €50 のお支払い');
  });

  it('names the creditor when there is no merchant, and adds the location on its own line', () => {
    const payment = {
      type: 'payment',
      amount: { value: '1250.5', currency: 'jpy' },
      creditor: { name: 'Sakura Pharmacy' },
      location: 'Shibuya',
    };
    const [described] = describeAuthorizationDetails([payment], en);
    expect(described.title).toBe('Pay up to ¥1,251 at Sakura Pharmacy');
    expect(described.lines).toEqual(['Location: Shibuya']);
  });

  it('uses the location as the place when the payment names no payee', () => {
    const payment = { type: 'payment', amount: { value: 50, currency: 'EUR' }, location: 'Store 12' };
    expect(describeAuthorizationDetails([payment], en)[0].title).toBe('Pay up to €50 at Store 12');
    const bare = { type: 'payment', amount: { value: 9.99, currency: 'USD' } };
    expect(describeAuthorizationDetails([bare], en)[0].title).toBe('Pay up to $9.99');
  });

  it('renders an order pick-up with its store and items', () => {
    const order = {
      type: 'order_pickup',
      order_id: 'A-1042',
      store: { name: 'Store 12', id: 's12' },
      items: [{ name: 'Ibuprofen 200 mg', quantity: 2 }, 'Bandages', { sku: 'X9' }, 42, null],
    };
    expect(describeAuthorizationDetails([order], en)).toEqual([
      { title: 'Pick up order A-1042 at Store 12', lines: ['2 × Ibuprofen 200 mg', 'Bandages', 'X9', '42'] },
    ]);
    expect(describeAuthorizationDetails([order], ja)[0].lines[0]).toBe('Ibuprofen 200 mg × 2');
    expect(describeAuthorizationDetails([{ type: 'order_pickup', order_id: 7 }], en)[0].title).toBe('Pick up order 7');
  });

  it('falls back to listing the fields for an unknown type', () => {
    const detail = {
      type: 'hospital_check_in',
      department: 'Radiology',
      appointment_at: '10:30',
      actions: ['check_in', 'share_record'],
      extra: { nested: true },
      empty: '',
    };
    expect(describeAuthorizationDetails([detail], en)).toEqual([
      {
        title: 'Access of type “hospital_check_in”',
        lines: [
          'department: Radiology',
          'appointment at: 10:30',
          'actions: check_in and share_record',
          'extra: {"nested":true}',
        ],
      },
    ]);
  });

  it('falls back to the field list when a known type lacks what its sentence needs', () => {
    const [described] = describeAuthorizationDetails([{ type: 'payment', amount: 'lots' }], en);
    expect(described).toEqual({ title: 'Access of type “payment”', lines: ['amount: lots'] });
  });

  it('shows RFC 9396 actions and locations of a known type', () => {
    const [described] = describeAuthorizationDetails(
      [{ type: 'vehicle_pairing', actions: ['unlock', 'start'], locations: ['https://car.example'] }],
      en,
    );
    expect(described.lines).toEqual(['Actions: unlock and start', 'Where: https://car.example']);
  });

  it('bounds what a client can put on screen', () => {
    const detail = {
      type: 'x'.repeat(500),
      ...Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`f${i}`, 'v'.repeat(500)])),
    };
    const [described] = describeAuthorizationDetails([detail], en);
    expect(described.title.length).toBeLessThan(150);
    expect(described.lines).toHaveLength(12);
    expect(Math.max(...described.lines.map((l) => l.length))).toBeLessThan(140);
  });

  it('skips entries that are not objects and accepts a missing array', () => {
    expect(describeAuthorizationDetails(['payment', null, [1]], en)).toEqual([]);
    expect(describeAuthorizationDetails(undefined, en)).toEqual([]);
  });
});

describe('amounts', () => {
  it('are formatted by Intl in the owner’s language, whole amounts without decimals', () => {
    expect(formatAmount('en', { value: 50, currency: 'EUR' })).toBe('€50');
    expect(formatAmount('en', { value: 49.5, currency: 'EUR' })).toBe('€49.50');
    expect(formatAmount('ja', { value: 5000, currency: 'JPY' })).toBe('￥5,000');
  });

  it('show an unknown currency code as given rather than failing', () => {
    expect(formatAmount('en', { value: 5, currency: 'POINTS' })).toBe('5 POINTS');
    expect(formatAmount('en', { value: 'abc', currency: 'EUR' })).toBeUndefined();
    expect(formatAmount('en', undefined)).toBeUndefined();
  });
});

describe('scopes in plain words', () => {
  it('describes the standard scopes and names unknown ones', () => {
    expect(describeScopes(['openid', 'email', 'vehicle:unlock'], en)).toEqual([
      'Confirm it’s you',
      'Your e-mail address',
      'Access: vehicle:unlock',
    ]);
    expect(describeScopes(['profile'], ja)).toEqual(['お名前とプロフィール']);
  });
});
