import { join, resolve } from 'node:path';
import { adminTokenOf } from './provider-client';

/** Settings of an example from its environment, defaulting to the embedded `npm start`. */
export interface ExampleSettings {
  issuer: string;
  adminToken?: string;
  initialAccessToken?: string;
  /** Where the example keeps its client registration (beside Onboard's own data by default). */
  dataDir: string;
  port: number;
  host: string;
}

/**
 * ISSUER (default http://localhost:4000), ADMIN_TOKEN (default: the one `npm start` keeps in
 * DATA_DIR/admin-tokens.json) or INITIAL_ACCESS_TOKEN, DATA_DIR (default ./data), PORT, HOST
 * (default 127.0.0.1).
 */
export function exampleSettings(env: NodeJS.ProcessEnv, defaultPort: number): ExampleSettings {
  const dataDir = resolve(env.DATA_DIR ?? 'data');
  const port = Number(env.PORT ?? defaultPort);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT is not a port number: ${env.PORT}`);
  return {
    issuer: env.ISSUER ?? 'http://localhost:4000',
    adminToken: adminTokenOf(env, dataDir),
    initialAccessToken: env.INITIAL_ACCESS_TOKEN,
    dataDir,
    port,
    host: env.HOST ?? '127.0.0.1',
  };
}

export const registrationFileOf = (settings: ExampleSettings, name: string) =>
  join(settings.dataDir, 'examples', `${name}.client.json`);
