import { createHttpClientDouble, type Logger } from '@onboard/platform';
import { discoverProvider } from './discover-provider';

function recordingLogger() {
  const warnings: string[] = [];
  const logger: Logger = { debug() {}, info() {}, warn: (msg) => void warnings.push(msg), error() {} };
  return { logger, warnings };
}

const acknowledgement = () => ({
  status: 200,
  body: JSON.stringify({ auth_req_id: 'r1', expires_in: 120 }),
});

describe('discoverProvider', () => {
  it("relays to the endpoints the provider's discovery document names", async () => {
    const http = createHttpClientDouble();
    http.routes.set('https://op.example/.well-known/openid-configuration', () => ({
      status: 200,
      body: JSON.stringify({
        backchannel_authentication_endpoint: 'https://op.example/ciba/bc',
        token_endpoint: 'https://op.example/oauth/token',
      }),
    }));
    http.routes.set('https://op.example/ciba/bc', acknowledgement);
    const { logger, warnings } = recordingLogger();
    const provider = await discoverProvider('https://op.example', http, logger);
    await provider.backchannelAuthentication({ clientId: 'hu-1', request: 'r', clientAssertion: 'a' });
    expect(http.calls.map((call) => call.url)).toEqual([
      'https://op.example/.well-known/openid-configuration',
      'https://op.example/ciba/bc',
    ]);
    expect(warnings).toEqual([]);
  });

  it("falls back to Onboard's paths with a warning when discovery fails", async () => {
    const http = createHttpClientDouble();
    http.routes.set('https://op.example/backchannel', acknowledgement);
    const { logger, warnings } = recordingLogger();
    const provider = await discoverProvider('https://op.example', http, logger);
    await provider.backchannelAuthentication({ clientId: 'hu-1', request: 'r', clientAssertion: 'a' });
    expect(http.calls.map((call) => call.url)).toEqual([
      'https://op.example/.well-known/openid-configuration',
      'https://op.example/backchannel',
    ]);
    expect(warnings).toEqual(['provider discovery failed, using default endpoint paths']);
  });
});
