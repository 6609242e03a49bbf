/**
 * Messages between the language server's main thread and the worker thread that hosts the model.
 * The main thread reads and answers LSP messages; the worker does nothing but run the model, so
 * cancellation, status and stats are answered while a completion (or, later, a fine-tune) runs.
 */
import type { ModelProfile } from '../../../protocol/lsp.js';
import type { CompletionModelInfo, CompletionRequest, CompletionResult } from './completion-model.js';
import type { PostProcessContext } from './post-process.js';

/** Which model a worker loads. */
import type { ProviderChoice } from '../engine/ort.js';

export type ModelSpec =
  | { kind: 'onnx'; dir: string; provider?: ProviderChoice; threads?: number }
  /** FOR PROTOCOL TESTS ONLY (see test-model.ts). */
  | { kind: 'test-echo'; tokenDelayMs?: number };

export type ToWorker =
  | { type: 'load'; spec: ModelSpec }
  /** stopContext lets the worker stop generating as soon as post-processing would cut the text. */
  | { type: 'complete'; id: number; request: CompletionRequest; stopContext?: PostProcessContext }
  | { type: 'cancel'; id: number }
  | { type: 'profile'; id: number }
  | { type: 'dispose' };

export type FromWorker =
  | { type: 'loaded'; info: CompletionModelInfo }
  | { type: 'load-failed'; message: string }
  | { type: 'completed'; id: number; result: CompletionResult; aborted: boolean; stoppedEarly: boolean }
  | { type: 'failed'; id: number; message: string }
  | { type: 'profiled'; id: number; profile?: ModelProfile }
  | { type: 'disposed' };

export function describeSpec(spec: ModelSpec): string {
  return spec.kind === 'onnx' ? spec.dir : 'test-echo';
}
