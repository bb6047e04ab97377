import { runBridgeAdminCli } from './admin/bridge-admin-cli';

/** `npm run bridge-admin -- devices <command>`: the bridge admin CLI (see admin/bridge-admin-cli.ts). */
runBridgeAdminCli(process.argv.slice(2), {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  env: process.env,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`error: ${(error as Error)?.message ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
