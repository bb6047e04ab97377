import 'reflect-metadata';
import { startupFailure } from '../../ciba-provider/src/startup-failure';
import { startAllInOne } from './start-all-in-one';

/** `npm start`: provider and bridge in one process, configured from the environment. */
async function main(): Promise<void> {
  const all = await startAllInOne(process.env);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    all.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(startupFailure(error));
  process.exit(1);
});
