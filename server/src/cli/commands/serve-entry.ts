/**
 * Starts `memoryformer serve` directly (no CLI dispatcher): used by the integration tests
 * (`node --import tsx server/src/cli/commands/serve-entry.ts --stdio ...`) and by anyone running
 * the server from source.
 */
import { run } from './serve.js';

void run(process.argv.slice(2));
