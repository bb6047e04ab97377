import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BRIDGE_MESSAGE_TYPES, DEVICE_MESSAGE_TYPES, replyTopic, requestTopic } from '@onboard/mqtt-contract';
import { channelChecks, parseAsyncApi, problems, type ChannelCheck } from './asyncapi';

const run = promisify(execFile);
const root = join(__dirname, '..', '..');

/**
 * docs/asyncapi.yaml: generated from the schemas of @onboard/mqtt-contract, a valid AsyncAPI 3.0
 * document by @asyncapi/parser, one channel per topic of docs/protocol.md §3, and examples that
 * pass their own schemas.
 */
describe('the AsyncAPI document of the device protocol', () => {
  let checks: ChannelCheck[];
  let diagnostics: Array<{ severity: number; code: string | number; message: string }>;

  beforeAll(async () => {
    const parsed = await parseAsyncApi();
    diagnostics = parsed.diagnostics;
    checks = channelChecks(parsed.document);
  });

  it('is what npm run docs:asyncapi generates from the payload schemas (regenerate after changing them)', async () => {
    const { stdout } = await run(
      process.execPath,
      ['-r', './scripts/ts-register.js', 'scripts/generate-asyncapi.ts', '--check'],
      { cwd: root },
    ).catch((err: { stdout?: string; stderr?: string }) => {
      throw new Error(`docs/asyncapi.yaml is stale: ${err.stdout ?? ''}${err.stderr ?? ''}`);
    });
    expect(stdout).toContain('is up to date');
  });

  it('is valid for @asyncapi/parser: no error and no warning', () => {
    // severity 0 is an error, 1 a warning; hints (e.g. that AsyncAPI 3.1 exists) are allowed
    expect(diagnostics.filter((d) => d.severity <= 1)).toEqual([]);
  });

  it('has one channel per topic of the protocol, both directions', () => {
    const device = 'hu-7f3a';
    const topics = [
      ...DEVICE_MESSAGE_TYPES.map((type) => requestTopic(device, type)),
      ...BRIDGE_MESSAGE_TYPES.map((type) => replyTopic(device, type)),
    ];
    expect(checks.map((c) => c.address.replace('{deviceId}', device)).sort()).toEqual(topics.sort());
    for (const topic of topics) expect(checks.filter((c) => c.topic.test(topic))).toHaveLength(1);
  });

  it('seals the verification and refresh channels and describes the plaintext inside', () => {
    const sealed = checks.filter((c) => c.plaintext).map((c) => c.address.split('/').pop());
    expect(sealed.sort()).toEqual(['refresh', 'verification']);
    for (const check of checks)
      expect(check.contentType).toBe(check.plaintext ? 'application/jose' : 'application/json');
  });

  it('gives examples that pass their own schemas', () => {
    for (const check of checks) {
      expect(check.examples.length).toBeGreaterThan(0);
      for (const example of check.examples) {
        const valid = check.payload(example);
        if (!valid) throw new Error(`example of ${check.id} fails its schema: ${problems(check.payload)}`);
      }
    }
  });

  it('refuses payloads the bridge refuses', () => {
    const byId = new Map(checks.map((c) => [c.id, c]));
    expect(byId.get('cancel')!.payload({ request_id: 'a/b' })).toBe(false);
    expect(byId.get('ack')!.payload({ request_id: 'r', auth_req_id: 'x', expires_in: 0 })).toBe(false);
    expect(
      byId.get('result')!.payload({
        request_id: 'r',
        status: 'approved',
        encrypted_token_response: 'a.b.c.d.e',
        error: 'access_denied',
      }),
    ).toBe(false);
    expect(byId.get('verificationRequest')!.payload('{"request_id":"r"}')).toBe(false);
  });
});
