/**
 * Messages between a host (the language server's main thread) and the fine-tune worker thread
 * (fine-tune-worker.ts). Options cross the thread boundary by structured clone, so they hold
 * data only: no callbacks, no AbortSignal (cancel is a message).
 */
import type { FineTuneRunReport } from '../../../protocol/lsp.js';
import type { FineTuneOptions, FineTuneProgress } from './finetune.js';

export type WorkerFineTuneOptions = Omit<FineTuneOptions, 'signal' | 'onProgress' | 'log' | 'midSave' | 'replay'>;

export type ToFineTuneWorker = { type: 'start'; options: WorkerFineTuneOptions } | { type: 'cancel' };

export type FromFineTuneWorker =
  | { type: 'progress'; progress: FineTuneProgress }
  | { type: 'log'; line: string }
  | { type: 'done'; report: FineTuneRunReport; modelDir?: string }
  | { type: 'cancelled'; message: string }
  | { type: 'failed'; message: string };
