/**
 * Worker-thread entry: hosts one CompletionModel and answers ToWorker messages. Runs no LSP.
 * Cancellation arrives as a message, so the model must yield to the event loop between tokens
 * (onnxruntime's session.run is asynchronous, and so is the test model's delay).
 */
import { parentPort } from 'node:worker_threads';
import type { CompletionModel } from './completion-model.js';
import { loadCompletionModel } from './model-factory.js';
import { shouldStopEarly } from './post-process.js';
import type { FromWorker, ToWorker } from './worker-protocol.js';

if (!parentPort) throw new Error('model-worker.ts runs only as a worker thread (the language server starts it)');
const port = parentPort;

let model: CompletionModel | undefined;
const running = new Map<number, AbortController>();

function send(msg: FromWorker): void {
  port.postMessage(msg);
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

port.on('message', (msg: ToWorker) => {
  switch (msg.type) {
    case 'load':
      loadCompletionModel(msg.spec).then(
        (m) => {
          model = m;
          send({ type: 'loaded', info: m.info() });
        },
        (e) => send({ type: 'load-failed', message: errorText(e) }),
      );
      break;
    case 'complete': {
      const m = model;
      if (!m) {
        send({ type: 'failed', id: msg.id, message: 'no model is loaded in the worker' });
        break;
      }
      const controller = new AbortController();
      running.set(msg.id, controller);
      let stoppedEarly = false;
      const ctx = msg.stopContext;
      const onToken = ctx
        ? (text: string) => {
            if (shouldStopEarly(text, ctx)) stoppedEarly = true;
            return !stoppedEarly;
          }
        : undefined;
      m.complete(msg.request, controller.signal, onToken).then(
        (result) => send({ type: 'completed', id: msg.id, result, aborted: controller.signal.aborted, stoppedEarly }),
        (e) => send({ type: 'failed', id: msg.id, message: errorText(e) }),
      ).finally(() => running.delete(msg.id));
      break;
    }
    case 'cancel':
      running.get(msg.id)?.abort();
      break;
    case 'profile': {
      const m = model;
      Promise.resolve(m?.profile ? m.profile() : undefined).then(
        (profile) => send(profile ? { type: 'profiled', id: msg.id, profile } : { type: 'profiled', id: msg.id }),
        () => send({ type: 'profiled', id: msg.id }),
      );
      break;
    }
    case 'dispose':
      for (const c of running.values()) c.abort();
      Promise.resolve(model?.dispose()).finally(() => {
        model = undefined;
        send({ type: 'disposed' });
      });
      break;
  }
});
