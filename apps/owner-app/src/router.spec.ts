import { hrefOf, isPublic, parseRoute } from './router';

describe('hash routes', () => {
  it('give every screen a URL', () => {
    expect(parseRoute('')).toEqual({ name: 'requests' });
    expect(parseRoute('#/')).toEqual({ name: 'requests' });
    expect(parseRoute('#/requests')).toEqual({ name: 'requests' });
    expect(parseRoute('#/requests/r-1')).toEqual({ name: 'request', id: 'r-1' });
    expect(parseRoute('#/history/')).toEqual({ name: 'history' });
    expect(parseRoute('#/vehicles')).toEqual({ name: 'vehicles' });
    expect(parseRoute('#/devices')).toEqual({ name: 'devices' });
    expect(parseRoute('#/settings')).toEqual({ name: 'settings' });
    expect(parseRoute('#/sign-in')).toEqual({ name: 'sign-in' });
  });

  it('keep the invitation token from the fragment, decoded', () => {
    expect(parseRoute('#/enrol/abc%2Fdef_-')).toEqual({ name: 'enrol', token: 'abc/def_-' });
    expect(hrefOf({ name: 'enrol', token: 'abc/def' })).toBe('#/enrol/abc%2Fdef');
  });

  it('treat anything else as not found rather than guessing', () => {
    expect(parseRoute('#/enrol')).toEqual({ name: 'not-found' });
    expect(parseRoute('#/requests/a/b')).toEqual({ name: 'not-found' });
    expect(parseRoute('#/enrol/%E0%A4%A')).toEqual({ name: 'not-found' });
    expect(parseRoute('#/admin')).toEqual({ name: 'not-found' });
  });

  it('round-trip through their links', () => {
    for (const hash of ['#/requests', '#/requests/x%20y', '#/history', '#/settings', '#/enrol/t0k']) {
      expect(hrefOf(parseRoute(hash))).toBe(hash);
    }
  });

  it('need a session except for enrolment and sign-in', () => {
    expect(isPublic({ name: 'enrol', token: 't' })).toBe(true);
    expect(isPublic({ name: 'sign-in' })).toBe(true);
    expect(isPublic({ name: 'requests' })).toBe(false);
  });
});
