import { runCli } from './cli';

// The simulator's entry point: `npm run sim -- <command>` (see docs/device-sim.md).
runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env }).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`device-sim: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 2;
  },
);
