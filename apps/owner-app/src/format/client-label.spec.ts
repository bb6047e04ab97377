import { clientLabel } from './client-label';

describe('clientLabel', () => {
  it('prefers the display name, then the vehicle nickname, and never shows the client id', () => {
    expect(clientLabel({ client: { name: 'Northwind Bank' }, client_name: 'old' }, 'A service')).toBe('Northwind Bank');
    expect(clientLabel({ client_name: 'Kiosk' }, 'A service')).toBe('Kiosk');
    expect(clientLabel({ vehicle: { nickname: 'Family EV' } }, 'A service')).toBe('Family EV');
    const view = { client_id: 'WVWZZZ1JZXW000001' } as Parameters<typeof clientLabel>[0];
    expect(clientLabel(view, 'A service')).toBe('A service');
  });
});
