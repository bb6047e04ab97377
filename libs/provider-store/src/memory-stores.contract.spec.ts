import { createMemoryStores } from '@onboard/ciba-core';
import { runStoreContract } from './testing';

// The in-memory stores run each call atomically on the JS thread but keep no undo log.
runStoreContract('in-memory', async () => createMemoryStores(), { rollsBack: false });
