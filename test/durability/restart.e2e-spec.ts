import { join } from 'node:path';
import { makeTempDir, removeTempDir, startProvider, type TestProvider } from '../support/provider';
import { NotificationListener } from '../support/notification-listener';
import {
  backchannel,
  bindingMessage,
  cibaToken,
  createOwner,
  OwnerDeviceApi,
  registerClient,
  type TestClient,
  type TestOwner,
} from '../support/fixtures';
import { expectOAuthError, expectOk } from '../support/expect';
import { sleep } from '../support/http';

// Pending requests and the ping/push outbox live in the database (issue 2 §3).
describe('restart durability (SQLite file)', () => {
  let dir: string;
  let file: string;
  let p: TestProvider | undefined;
  let listener: NotificationListener | undefined;
  const env = { NOTIFICATION_MAX_ATTEMPTS: '30', NOTIFICATION_BACKOFF_MS: '200' };

  const restart = async () => {
    await p?.close();
    p = undefined;
    p = await startProvider({ databaseFile: file, env });
    return p;
  };

  beforeAll(() => {
    dir = makeTempDir();
    file = join(dir, 'onboard.sqlite');
  });
  afterAll(async () => {
    await p?.close();
    await listener?.close();
    removeTempDir(dir);
  });

  it('completes a poll flow whose provider restarted between request and approval', async () => {
    const first = await startProvider({ databaseFile: file, env });
    p = first;
    const owner: TestOwner = await createOwner(first);
    const client: TestClient = await registerClient(first, { authMethod: 'client_secret_basic' });
    const bm = bindingMessage();
    const ack = expectOk(
      await backchannel(first, client, {
        scope: 'openid offline_access',
        login_hint: owner.email,
        binding_message: bm,
      }),
    );
    expectOAuthError(await cibaToken(first, client, ack.auth_req_id), 400, 'authorization_pending');

    const second = await restart();
    const device = new OwnerDeviceApi(second, owner.device.credential);
    await device.approve(bm);
    const tokens = expectOk(await cibaToken(second, client, ack.auth_req_id));
    expect(typeof tokens.id_token).toBe('string');
    // Consumed-once state survived too: another restart does not make it usable again.
    const third = await restart();
    expectOAuthError(await cibaToken(third, client, ack.auth_req_id), 400, 'invalid_grant');
  });

  it('delivers after a restart a ping whose delivery failed before it', async () => {
    // Reserve a port, then close it so the first delivery attempt is refused.
    listener = await new NotificationListener().start();
    const port = listener.listeningPort;
    const endpoint = listener.url('/durable-ping');
    await listener.close();

    const before = await restart();
    const owner = await createOwner(before);
    const client = await registerClient(before, { mode: 'ping', notificationEndpoint: endpoint });
    const bm = bindingMessage();
    const ack = expectOk(
      await backchannel(before, client, {
        scope: 'openid',
        login_hint: owner.email,
        binding_message: bm,
        client_notification_token: 'durable-notification-token-0123456789',
      }),
    );
    await owner.device.approve(bm);
    await sleep(400); // the first attempt runs at once and meets a closed port

    await p!.close();
    p = undefined;
    listener = await new NotificationListener().start(port);
    const after = await restart();
    const [ping] = await listener.waitFor('/durable-ping', 1, 10_000);
    expect(ping.authorization).toBe('Bearer durable-notification-token-0123456789');
    expect(ping.json).toEqual({ auth_req_id: ack.auth_req_id });
    expectOk(await cibaToken(after, client, ack.auth_req_id));
  }, 20_000);
});
