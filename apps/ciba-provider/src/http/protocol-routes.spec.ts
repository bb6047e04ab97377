import { PATHS } from '@onboard/ciba-core';
import { MalformedPathParameter, PROTOCOL_ROUTES, ProtocolRouter } from './protocol-routes';

describe('ProtocolRouter', () => {
  const router = new ProtocolRouter();

  it('finds a literal route by method and path', () => {
    expect(router.match('POST', PATHS.token)?.route.path).toBe(PATHS.token);
    expect(router.match('GET', PATHS.token)).toBeUndefined();
  });

  it('answers HEAD with the GET route', () => {
    expect(router.match('HEAD', PATHS.discovery)?.route.method).toBe('GET');
  });

  it('compares paths case-insensitively and accepts a trailing slash, as Express does', () => {
    expect(router.match('POST', '/TOKEN/')?.route.path).toBe(PATHS.token);
  });

  it('decodes a path parameter and keeps its case', () => {
    const match = router.match('POST', `${PATHS.ownerDevice}/requests/Ab%20C/approve`);
    expect(match?.route.path).toBe(`${PATHS.ownerDevice}/requests/:id/approve`);
    expect(match?.params).toEqual({ id: 'Ab C' });
  });

  it('does not match an empty path parameter or a path of another length', () => {
    expect(router.match('POST', `${PATHS.ownerDevice}/requests//approve`)).toBeUndefined();
    expect(router.match('GET', `${PATHS.ownerDevice}/requests/a/b`)).toBeUndefined();
  });

  it('refuses a malformed percent-encoding in a path parameter', () => {
    expect(() => router.match('GET', `${PATHS.ownerDevice}/requests/%E0%A4%A`)).toThrow(MalformedPathParameter);
  });

  it('leaves unknown paths and the admin API to the Nest app', () => {
    expect(router.match('GET', '/admin/v1/clients')).toBeUndefined();
    expect(router.match('GET', PATHS.health)).toBeUndefined();
  });

  it('has one route per method and path', () => {
    const keys = PROTOCOL_ROUTES.map((r) => `${r.method} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('marks new work as intake and what completes a started flow as finishing, nothing as both', () => {
    const marked = (flag: 'intake' | 'finishing') =>
      PROTOCOL_ROUTES.filter((r) => r[flag])
        .map((r) => `${r.method} ${r.path}`)
        .sort();
    expect(marked('intake')).toEqual([`POST ${PATHS.backchannel}`, `POST ${PATHS.registration}`].sort());
    expect(marked('finishing')).toEqual(
      [
        `POST ${PATHS.token}`,
        `POST ${PATHS.ownerDevice}/requests/:id/approve`,
        `POST ${PATHS.ownerDevice}/requests/:id/deny`,
      ].sort(),
    );
  });
});
