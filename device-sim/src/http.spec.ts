import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CookieJar, callJson } from './http';

describe('CookieJar', () => {
  it('keeps cookies by name, replaces them, and drops emptied or expired ones', () => {
    const jar = new CookieJar();
    jar.store(['onboard_session=abc; Path=/; HttpOnly; SameSite=Strict', 'other=1']);
    expect(jar.header()).toBe('onboard_session=abc; other=1');
    jar.store(['onboard_session=def; Path=/']);
    expect(jar.get('onboard_session')).toBe('def');
    jar.store(['other=; Max-Age=0']);
    expect(jar.get('other')).toBeUndefined();
    jar.store(['onboard_session=def; Expires=Thu, 01 Jan 1970 00:00:00 GMT']);
    expect(jar.header()).toBeUndefined();
  });
});

describe('callJson with a cookie jar', () => {
  let server: Server;
  let url: string;
  const seen: Array<string | undefined> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.headers.cookie);
      if (req.url === '/sign-in') res.setHeader('set-cookie', 'onboard_session=s1; Path=/; HttpOnly');
      res.setHeader('content-type', 'application/json');
      res.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('sends no cookie before the server sets one, and the session cookie after', async () => {
    const cookies = new CookieJar();
    await callJson(`${url}/before`, { cookies });
    await callJson(`${url}/sign-in`, { method: 'POST', body: {}, cookies });
    await callJson(`${url}/after`, { cookies });
    await callJson(`${url}/no-jar`);
    expect(seen).toEqual([undefined, undefined, 'onboard_session=s1', undefined]);
  });
});
