/**
 * Worker-thread entry that runs one fine-tune (finetune.ts) off the language server's main
 * thread, so completions keep being answered (by the model worker) while it trains. Knows
 * nothing of LSP: it receives a start and maybe a cancel, and posts progress and the outcome.
 * The build bundles it to dist/server/fine-tune-worker.js.
 */
import { parentPort } from 'node:worker_threads';
import { FineTuneCancelled, runFineTune } from './finetune.js';
import type { FromFineTuneWorker, ToFineTuneWorker } from './worker-messages.js';

if (!parentPort) throw new Error('fine-tune-worker.ts runs only as a worker thread (the language server starts it)');
const port = parentPort;
const abort = new AbortController();
let started = false;

function send(m: FromFineTuneWorker): void {
  port.postMessage(m);
}

port.on('message', (m: ToFineTuneWorker) => {
  if (m.type === 'cancel') {
    abort.abort();
    return;
  }
  if (started) return;
  started = true;
  runFineTune({
    ...m.options,
    signal: abort.signal,
    onProgress: (progress) => send({ type: 'progress', progress }),
    log: (line) => send({ type: 'log', line }),
  }).then(
    (r) => send(r.modelDir ? { type: 'done', report: r.report, modelDir: r.modelDir } : { type: 'done', report: r.report }),
    (e: unknown) => send(e instanceof FineTuneCancelled ? { type: 'cancelled', message: e.message } : { type: 'failed', message: e instanceof Error ? e.message : String(e) }),
  );
});
