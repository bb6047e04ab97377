/**
 * A self-service pick-up kiosk: the customer types (or scans) an order number, the kiosk asks
 * the order's owner to approve the pick-up on the phone, with `authorization_details` of type
 * `order_pickup` (RFC 9396) that the phone shows in words, and opens the locker once the
 * approval's tokens arrive. A standard CIBA poll-mode client of the provider (openid-client),
 * registered at start-up.
 *
 *   npm run example:kiosk               # against `npm start` on http://localhost:4000
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BadInput, field, startDeskServer, stopOnSignals, type RunningDesk } from '../shared/desk-server';
import { exampleSettings, registrationFileOf, type ExampleSettings } from '../shared/example-env';
import { connectToProvider } from '../shared/provider-client';
import { VerificationDesk } from '../shared/verifications';

/** An order waiting in a locker (the shop's own records, not the provider's). */
export interface Order {
  /** Who may collect it: a login hint the provider resolves (e-mail, phone number or user name). */
  customer: string;
  store: string;
  locker: number;
  items: { name: string; quantity?: number }[];
}

export interface KioskSettings extends ExampleSettings {
  orders: Record<string, Order>;
}

/** The sample orders: ORDERS_FILE (JSON) overrides them; CUSTOMER sets who ordered the samples. */
export function sampleOrders(env: NodeJS.ProcessEnv): Record<string, Order> {
  if (env.ORDERS_FILE) return JSON.parse(readFileSync(env.ORDERS_FILE, 'utf8'));
  const customer = env.CUSTOMER ?? 'alice@example.com';
  const store = 'Sakura Pharmacy Shibuya';
  return {
    'A-1042': { customer, store, locker: 7, items: [{ name: 'Ibuprofen 200 mg', quantity: 2 }, { name: 'Bandages' }] },
    'A-1043': { customer, store, locker: 12, items: [{ name: 'Vitamin D', quantity: 1 }] },
  };
}

export async function startKiosk(settings: KioskSettings): Promise<RunningDesk> {
  const config = await connectToProvider({
    issuer: settings.issuer,
    adminToken: settings.adminToken,
    initialAccessToken: settings.initialAccessToken,
    registrationFile: registrationFileOf(settings, 'kiosk'),
    metadata: { client_name: 'Pick-up kiosk', scope: 'openid' },
  });
  const desk = new VerificationDesk(config, 'openid');
  return startDeskServer({
    publicDir: join(__dirname, 'public'),
    desk,
    port: settings.port,
    host: settings.host,
    pageConfig: { issuer: settings.issuer },
    toVerification(body) {
      const orderId = field(body, 'order', 32).toUpperCase();
      const order = settings.orders[orderId];
      if (!order) throw new BadInput(`there is no order ${orderId} waiting here`);
      return {
        loginHint: order.customer,
        label: `Order ${orderId} · locker ${order.locker}`,
        scope: 'openid',
        verifiedMessage: `Locker ${order.locker} is open. Take your order.`,
        authorizationDetails: [
          {
            type: 'order_pickup',
            order_id: orderId,
            store: order.store,
            items: order.items,
          },
        ],
      };
    },
  });
}

if (require.main === module) {
  const settings = { ...exampleSettings(process.env, 4101), orders: sampleOrders(process.env) };
  startKiosk(settings).then(
    (running) => {
      console.log(`Pick-up kiosk on ${running.url} (orders: ${Object.keys(settings.orders).join(', ')})`);
      stopOnSignals(running);
    },
    (error) => {
      console.error(`The kiosk could not start: ${(error as Error).message}`);
      process.exit(1);
    },
  );
}
