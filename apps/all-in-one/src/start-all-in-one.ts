import { loadBridgeConfig, loadConfig } from '@onboard/config';
import { createProviderApp, type ProviderApp } from '../../ciba-provider/src/bootstrap';
import { createBridgeApp, type BridgeApp } from '../../mqtt-bridge/src/infra/create-bridge-app';
import {
  ADMIN_TOKEN_NAMES,
  adminTokensFile,
  resolveAdminTokens,
  type AdminTokenName,
  type AdminTokens,
} from './admin-tokens';

/** The banner's lines about the admin tokens: generated ones in full (this once), kept ones by name. */
function adminTokenLines({ tokens, source, file, warnings }: AdminTokens): string[] {
  const named = (kind: AdminTokens['source'][AdminTokenName]) => ADMIN_TOKEN_NAMES.filter((n) => source[n] === kind);
  const lines: string[] = [];
  const generated = named('generated');
  if (generated.length > 0) {
    lines.push(
      file === undefined
        ? '  generated admin tokens (shown once and not kept, the database being in memory; set them in the environment to keep them):'
        : `  generated admin tokens (shown once; kept in ${file}, mode 0600, and reused on the next start):`,
      ...generated.map((name) => `    ${name}=${tokens[name]}`),
    );
  }
  const kept = named('file');
  if (kept.length > 0) lines.push(`  admin tokens ${kept.join(', ')}: as kept in ${file}`);
  return [...lines, ...warnings.map((warning) => `  warning: ${warning}`)];
}

/** Options of {@link startAllInOne}. */
export interface AllInOneOptions {
  /** Where the start-up banner (with generated tokens) goes; default stdout. */
  write?: (text: string) => void;
}

/** Provider and bridge running in one process. */
export interface AllInOne {
  provider: ProviderApp;
  bridge: BridgeApp;
  /** The admin tokens in use (generated ones included). */
  tokens: { provider: string; bridge: string };
  close(): Promise<void>;
}

/**
 * The all-in-one start: the OpenID provider (default :4000) and the MQTT bridge with its embedded
 * broker (MQTT :1884, HTTP :4001) in one process, two Nest apps. The bridge is pointed at this
 * provider; `ADMIN_TOKEN` and `BRIDGE_ADMIN_TOKEN` are generated when not configured, shown once
 * in the banner (they are never logged) and kept for the next start (see resolveAdminTokens).
 *
 * @example
 * const all = await startAllInOne(process.env);
 * await all.close();
 */
export async function startAllInOne(
  env: Record<string, string | undefined>,
  options: AllInOneOptions = {},
): Promise<AllInOne> {
  const write = options.write ?? ((text: string) => void process.stdout.write(text));
  // Both configs are validated before anything starts, so a bad variable stops start-up at once.
  const admin = resolveAdminTokens(env, adminTokensFile(loadConfig(env).databaseUrl));
  const { ADMIN_TOKEN: providerToken, BRIDGE_ADMIN_TOKEN: bridgeToken } = admin.tokens;
  const providerConfig = loadConfig({ ...env, ADMIN_TOKEN: providerToken });
  const bridgeConfig = loadBridgeConfig({ ...env, BRIDGE_ADMIN_TOKEN: bridgeToken });

  const provider = await createProviderApp({ config: providerConfig, processMetrics: true, shutdownHooks: false });
  let bridge: BridgeApp;
  try {
    bridge = await createBridgeApp({
      ...bridgeConfig,
      // the bridge talks to this provider, with its admin token
      provider: { url: provider.url, adminToken: providerToken, adminUrl: provider.adminUrl ?? provider.url },
    });
  } catch (err) {
    await provider.close();
    throw err;
  }
  const mqttPort = bridge.bridge.addresses.tcp;
  write(
    [
      'Onboard all-in-one is running',
      `  provider  ${provider.issuer}  (discovery: ${provider.issuer}/.well-known/openid-configuration)`,
      `  bridge    mqtt://localhost:${mqttPort}  and  ${bridge.httpUrl}  (notifications, ${bridge.adminUrl ? '/health' : '/admin/v1/devices, /health, /metrics'})`,
      ...(provider.adminUrl ? [`  provider admin API and /metrics  ${provider.adminUrl}`] : []),
      ...(bridge.adminUrl ? [`  bridge admin API and /metrics    ${bridge.adminUrl}`] : []),
      ...adminTokenLines(admin),
      '',
    ].join('\n'),
  );
  return {
    provider,
    bridge,
    tokens: { provider: providerToken, bridge: bridgeToken },
    close: async () => {
      await bridge.close();
      await provider.close();
    },
  };
}
