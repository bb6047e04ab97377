import { PATHS } from '@onboard/ciba-core';
import { runCli } from '../../apps/ciba-provider/src/cli/run-cli';
import { expectOAuthError, expectOk } from '../support/expect';
import {
  backchannel,
  createOwner,
  registerClient,
  setUserCode,
  type TestClient,
  type TestOwner,
} from '../support/fixtures';
import { get, send, sendJson } from '../support/http';
import { DEFAULT_LIMITS_ENV, startProvider, type TestProvider } from '../support/provider';

// README, "Limits": guessing a user code (CIBA §7.1.2). The owner's code is locked after 5
// wrong codes for 15 minutes (USER_CODE_MAX_FAILURES, USER_CODE_LOCK_SECONDS), even for the
// right code; the owner (from their device), the admin API and the CLI unlock it.
const CODE = '4711';
const ISO_UNTIL = /until (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)/;

async function metric(p: TestProvider, limit: string, event: string): Promise<number> {
  const res = await get(p.at(PATHS.metrics));
  const line = res.text
    .split('\n')
    .find((l) => l.startsWith(`onboard_limit_events_total{limit="${limit}",event="${event}"}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('user_code guessing (CIBA §7.1.2, §13 invalid_user_code)', () => {
  let p: TestProvider;
  let client: TestClient;

  beforeAll(async () => {
    p = await startProvider({ env: { ...DEFAULT_LIMITS_ENV, USER_CODE_MAX_FAILURES: '', USER_CODE_LOCK_SECONDS: '' } });
  });
  // A client of its own per test: a client's wrong codes are limited too (50 per 15 minutes).
  beforeEach(async () => {
    client = await registerClient(p, {
      authMethod: 'client_secret_basic',
      metadata: { backchannel_user_code_parameter: true },
    });
  });
  afterAll(() => p?.close());

  const ask = (owner: TestOwner, userCode: string) =>
    backchannel(p, client, { scope: 'openid', login_hint: owner.email, user_code: userCode });
  const ownerWithCode = async () => {
    const owner = await createOwner(p);
    await setUserCode(p, owner.sub, CODE);
    return owner;
  };
  const guessFiveWrong = async (owner: TestOwner) => {
    const answers = [];
    for (const wrong of ['0000', '1111', '2222', '3333', '4444']) answers.push(await ask(owner, wrong));
    return answers;
  };

  it('locks the code after 5 wrong codes, refuses the right code then, says until when, and counts it', async () => {
    const owner = await ownerWithCode();
    const started = Date.now();
    const answers = await guessFiveWrong(owner);
    for (const res of answers.slice(0, 4)) {
      expectOAuthError(res, 400, 'invalid_user_code');
      expect(res.json.error_description).toBe('user_code is not valid');
    }
    const fifth = answers[4];
    expectOAuthError(fifth, 400, 'invalid_user_code');
    expect(fifth.json.error_description).toMatch(/user_code is not valid; the user code of this user is locked/);
    const until = Date.parse(ISO_UNTIL.exec(fifth.json.error_description)![1]);
    // locked for USER_CODE_LOCK_SECONDS (900) from the fifth wrong code
    expect(until).toBeGreaterThanOrEqual(started + 895_000);
    expect(until).toBeLessThanOrEqual(Date.now() + 902_000);
    expect(Number(fifth.headers['retry-after'])).toBeGreaterThan(890);

    const right = await ask(owner, CODE);
    expectOAuthError(right, 400, 'invalid_user_code');
    expect(right.json.error_description).toMatch(
      /^the user code of this user is locked after too many wrong attempts until /,
    );
    expect(Math.abs(Date.parse(ISO_UNTIL.exec(right.json.error_description)![1]) - until)).toBeLessThanOrEqual(2000);
    expect(Number(right.headers['retry-after'])).toBeGreaterThan(880);

    expect(await metric(p, 'user_code_owner', 'failure')).toBeGreaterThanOrEqual(5);
    expect(await metric(p, 'user_code_owner', 'locked')).toBeGreaterThanOrEqual(1);
    expect(await metric(p, 'user_code_owner', 'refused')).toBeGreaterThanOrEqual(1);
  });

  it('counts concurrent guesses before checking them: of 30 at once only 5 are checked', async () => {
    const owner = await ownerWithCode();
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => ask(owner, String(5000 + i))));
    for (const res of answers) expectOAuthError(res, 400, 'invalid_user_code');
    const checked = answers.filter((res) => res.json.error_description.startsWith('user_code is not valid'));
    expect(checked).toHaveLength(5);
    expectOAuthError(await ask(owner, CODE), 400, 'invalid_user_code');
  });

  it('lets the owner unlock the code from their device', async () => {
    const owner = await ownerWithCode();
    await guessFiveWrong(owner);
    expectOAuthError(await ask(owner, CODE), 400, 'invalid_user_code');
    const unlock = await send({
      method: 'POST',
      url: p.at(`${PATHS.ownerDevice}/user-code/unlock`),
      headers: { authorization: `Bearer ${owner.device.credential}` },
    });
    expect(unlock.status).toBe(204);
    expectOk(await ask(owner, CODE));
    expect(await metric(p, 'user_code_owner', 'unlocked')).toBeGreaterThanOrEqual(1);
  });

  it('lets an operator unlock the code through the admin API', async () => {
    const owner = await ownerWithCode();
    await guessFiveWrong(owner);
    expectOAuthError(await ask(owner, CODE), 400, 'invalid_user_code');
    const unlock = await sendJson(
      'POST',
      p.at(`${PATHS.admin}/owners/${encodeURIComponent(owner.sub)}/user-code/unlock`),
      {},
      { authorization: `Bearer ${p.adminToken}` },
    );
    expect(unlock.status).toBe(200);
    expect(unlock.json.sub).toBe(owner.sub);
    expectOk(await ask(owner, CODE));
    const audit = await get(p.at(`${PATHS.admin}/audit?sub=${encodeURIComponent(owner.sub)}`), {
      authorization: `Bearer ${p.adminToken}`,
    });
    expect(audit.json.events.map((e: { type: string }) => e.type)).toContain('owner.user_code_unlocked');
    const unknown = await sendJson(
      'POST',
      p.at(`${PATHS.admin}/owners/nobody/user-code/unlock`),
      {},
      {
        authorization: `Bearer ${p.adminToken}`,
      },
    );
    expect(unknown.status).toBe(404);
  });

  it('lets an operator unlock the code with the admin CLI, another connection to the same database', async () => {
    const owner = await ownerWithCode();
    await guessFiveWrong(owner);
    expectOAuthError(await ask(owner, CODE), 400, 'invalid_user_code');
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['owners', 'unlock-user-code', owner.sub], {
      stdout: (t) => out.push(t),
      stderr: (t) => err.push(t),
      env: { DATABASE_URL: `sqlite:${p.databaseFile}`, LOG_LEVEL: 'silent' },
    });
    // The result on stdout; stderr names the database the CLI opened (the provider's own).
    expect({ code, out: out.join(''), err: err.join('') }).toEqual({
      code: 0,
      out: `user code of ${owner.sub} unlocked\n`,
      err: `database: sqlite:${p.databaseFile}\n`,
    });
    expectOk(await ask(owner, CODE));
  });

  it('ends a lock when the owner sets a new code', async () => {
    const owner = await ownerWithCode();
    await guessFiveWrong(owner);
    const res = await sendJson(
      'PUT',
      p.at(`${PATHS.ownerDevice}/user-code`),
      { user_code: '8642' },
      {
        authorization: `Bearer ${owner.device.credential}`,
      },
    );
    expect(res.status).toBe(204);
    expectOk(await ask(owner, '8642'));
  });

  it('forgets wrong codes once the right one is given', async () => {
    const owner = await ownerWithCode();
    for (const wrong of ['0000', '1111', '2222', '3333']) await ask(owner, wrong);
    expectOk(await ask(owner, CODE));
    for (const wrong of ['0000', '1111', '2222', '3333']) {
      expect((await ask(owner, wrong)).json.error_description).toBe('user_code is not valid');
    }
    expectOk(await ask(owner, CODE));
  });

  it('answers a right code for an owner without a device exactly as a wrong one, and counts it', async () => {
    const res = await sendJson(
      'POST',
      p.at(`${PATHS.admin}/owners`),
      { email: `nodevice-${Date.now()}@example.test`, user_code: CODE },
      {
        authorization: `Bearer ${p.adminToken}`,
      },
    );
    const email = res.json.email as string;
    const askFor = (userCode: string) =>
      backchannel(p, client, { scope: 'openid', login_hint: email, user_code: userCode });
    const wrong = await askFor('9999');
    const right = await askFor(CODE);
    expect({ status: right.status, body: right.json }).toEqual({ status: wrong.status, body: wrong.json });
    expectOAuthError(right, 400, 'invalid_user_code');
    for (const guess of ['1', '2', '3'].map((d) => d.repeat(4))) await askFor(guess);
    expect((await askFor(CODE)).json.error_description).toMatch(/is locked after too many wrong attempts until/);
  });
});

describe('user_code guessing per client (USER_CODE_CLIENT_MAX_FAILURES)', () => {
  let p: TestProvider;

  beforeAll(async () => {
    p = await startProvider({ inMemory: true, env: { USER_CODE_CLIENT_MAX_FAILURES: '3' } });
  });
  afterAll(() => p?.close());

  it('refuses the user codes of a client that sprayed wrong codes over several owners, right ones too', async () => {
    const client = await registerClient(p, {
      authMethod: 'client_secret_basic',
      metadata: { backchannel_user_code_parameter: true },
    });
    const owners = await Promise.all([1, 2, 3, 4].map(() => createOwner(p)));
    for (const owner of owners) await setUserCode(p, owner.sub, CODE);
    const ask = (owner: TestOwner, code: string) =>
      backchannel(p, client, { scope: 'openid', login_hint: owner.email, user_code: code });
    expect((await ask(owners[0], '0000')).json.error_description).toBe('user_code is not valid');
    expect((await ask(owners[1], '0000')).json.error_description).toBe('user_code is not valid');
    const third = await ask(owners[2], '0000');
    expect(third.json.error_description).toMatch(
      /user codes from this client are refused after too many wrong attempts until /,
    );
    const right = await ask(owners[3], CODE);
    expectOAuthError(right, 400, 'invalid_user_code');
    expect(right.json.error_description).toMatch(/^user codes from this client are refused/);
    // another client is not affected
    const other = await registerClient(p, {
      authMethod: 'client_secret_basic',
      metadata: { backchannel_user_code_parameter: true },
    });
    expectOk(await backchannel(p, other, { scope: 'openid', login_hint: owners[3].email, user_code: CODE }));
  });
});
