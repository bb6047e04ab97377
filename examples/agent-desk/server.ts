/**
 * The agent desk: the page a call-centre agent or a counter clerk (bank withdrawal, pharmacy
 * pick-up, hospital check-in) uses to verify a caller. The agent types the customer's
 * identifier, reads out the generated binding message, the customer approves on the phone,
 * and the page shows the verified identity live. A standard CIBA poll-mode client of the
 * provider (openid-client), registered at start-up.
 *
 *   npm run example:agent-desk          # against `npm start` on http://localhost:4000
 */
import { join } from 'node:path';
import { BadInput, field, startDeskServer, stopOnSignals, type RunningDesk } from '../shared/desk-server';
import { exampleSettings, registrationFileOf, type ExampleSettings } from '../shared/example-env';
import { connectToProvider } from '../shared/provider-client';
import { VerificationDesk } from '../shared/verifications';

/** What the agent verifies the caller for; shown on the desk's page. */
export const PURPOSES: Record<string, string> = {
  identity: 'Identity check',
  withdrawal: 'Bank withdrawal',
  pharmacy: 'Pharmacy pick-up',
  checkin: 'Hospital check-in',
};

export async function startAgentDesk(settings: ExampleSettings): Promise<RunningDesk> {
  const config = await connectToProvider({
    issuer: settings.issuer,
    adminToken: settings.adminToken,
    initialAccessToken: settings.initialAccessToken,
    registrationFile: registrationFileOf(settings, 'agent-desk'),
    metadata: { client_name: 'Service desk', scope: 'openid profile email phone' },
  });
  const desk = new VerificationDesk(config, 'openid profile email phone');
  return startDeskServer({
    publicDir: join(__dirname, 'public'),
    desk,
    port: settings.port,
    host: settings.host,
    pageConfig: { issuer: settings.issuer, purposes: PURPOSES },
    toVerification(body) {
      const purpose = field(body, 'purpose', 32);
      if (!(purpose in PURPOSES)) throw new BadInput(`purpose must be one of ${Object.keys(PURPOSES).join(', ')}`);
      return { loginHint: field(body, 'customer', 254), label: PURPOSES[purpose] };
    },
  });
}

if (require.main === module) {
  startAgentDesk(exampleSettings(process.env, 4100)).then(
    (running) => {
      console.log(`Agent desk on ${running.url} (a client of ${process.env.ISSUER ?? 'http://localhost:4000'})`);
      stopOnSignals(running);
    },
    (error) => {
      console.error(`The agent desk could not start: ${(error as Error).message}`);
      process.exit(1);
    },
  );
}
