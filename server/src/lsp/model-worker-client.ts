/**
 * Main-thread handle on one model worker thread: starts it, loads a model in it, sends completion
 * requests and cancellations, and turns the worker's death into errors for every waiting call.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ModelProfile } from '../../../protocol/lsp.js';
import type { CompletionModelInfo, CompletionRequest, CompletionResult } from './completion-model.js';
import type { PostProcessContext } from './post-process.js';
import type { FromWorker, ModelSpec, ToWorker } from './worker-protocol.js';

export interface WorkerCompletion {
  result: CompletionResult;
  aborted: boolean;
  stoppedEarly: boolean;
}

/**
 * The worker's entry file: model-worker.ts next to this file when run from source (tsx), or
 * model-worker.js next to the bundle (the build must emit dist/server/model-worker.js).
 */
export function workerEntryFile(): string {
  const ts = join(__dirname, 'model-worker.ts');
  if (__filename.endsWith('.ts') && existsSync(ts)) return ts;
  const js = join(__dirname, 'model-worker.js');
  if (existsSync(js)) return js;
  throw new Error(`model worker entry not found (looked for ${ts} and ${js}): the build must bundle server/src/lsp/model-worker.ts to ${js}`);
}

type Pending =
  | { kind: 'complete'; resolve: (c: WorkerCompletion) => void; reject: (e: Error) => void }
  | { kind: 'profile'; resolve: (p: ModelProfile | undefined) => void; reject: (e: Error) => void };

export class ModelWorkerClient {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private exited = false;
  private onLoad: { resolve: (i: CompletionModelInfo) => void; reject: (e: Error) => void } | undefined;
  private onDisposed: (() => void) | undefined;
  info: CompletionModelInfo | undefined;
  /** Called once if the worker dies on its own (not through dispose()). */
  onUnexpectedExit: ((reason: string) => void) | undefined;
  private disposing = false;

  constructor(entryFile = workerEntryFile()) {
    // The worker's console output is captured and sent to stderr: stdout carries the protocol.
    this.worker = entryFile.endsWith('.ts')
      ? // From source: Node 20 workers do not get tsx's loader hooks, so register its require hook first.
        new Worker(`require(${JSON.stringify(createRequire(__filename).resolve('tsx/cjs'))}); require(${JSON.stringify(entryFile)});`, {
          eval: true,
          stdout: true,
          stderr: true,
        })
      : new Worker(entryFile, { stdout: true, stderr: true });
    this.worker.stdout.pipe(process.stderr, { end: false });
    this.worker.stderr.pipe(process.stderr, { end: false });
    this.worker.on('message', (m: FromWorker) => this.handle(m));
    this.worker.on('error', (e) => this.die(`model worker crashed: ${e.message}`));
    this.worker.on('exit', (code) => this.die(`model worker exited with code ${code}`));
  }

  load(spec: ModelSpec): Promise<CompletionModelInfo> {
    return new Promise((resolve, reject) => {
      this.onLoad = { resolve, reject };
      this.post({ type: 'load', spec });
    });
  }

  /** Runs one completion; aborting `signal` asks the worker to stop between tokens. */
  complete(request: CompletionRequest, stopContext: PostProcessContext | undefined, signal: AbortSignal): Promise<WorkerCompletion> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.exited) return reject(new Error('the model worker is not running'));
      const onAbort = () => this.post({ type: 'cancel', id });
      signal.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        kind: 'complete',
        resolve: (c) => {
          signal.removeEventListener('abort', onAbort);
          resolve(c);
        },
        reject: (e) => {
          signal.removeEventListener('abort', onAbort);
          reject(e);
        },
      });
      this.post(stopContext ? { type: 'complete', id, request, stopContext } : { type: 'complete', id, request });
      if (signal.aborted) onAbort();
    });
  }

  profile(): Promise<ModelProfile | undefined> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.exited) return resolve(undefined);
      this.pending.set(id, { kind: 'profile', resolve, reject });
      this.post({ type: 'profile', id });
    });
  }

  /** Disposes the model and ends the thread (forcibly if it does not answer within a few seconds). */
  async dispose(): Promise<void> {
    if (this.exited) return;
    this.disposing = true;
    await Promise.race([
      new Promise<void>((resolve) => {
        this.onDisposed = resolve;
        this.post({ type: 'dispose' });
      }),
      new Promise<void>((resolve) => setTimeout(resolve, 5000).unref()),
    ]);
    await this.worker.terminate();
  }

  private post(msg: ToWorker): void {
    if (!this.exited) this.worker.postMessage(msg);
  }

  private handle(m: FromWorker): void {
    switch (m.type) {
      case 'loaded':
        this.info = m.info;
        this.onLoad?.resolve(m.info);
        this.onLoad = undefined;
        break;
      case 'load-failed':
        this.onLoad?.reject(new Error(m.message));
        this.onLoad = undefined;
        break;
      case 'completed': {
        const p = this.take(m.id);
        if (p?.kind === 'complete') p.resolve({ result: m.result, aborted: m.aborted, stoppedEarly: m.stoppedEarly });
        break;
      }
      case 'failed':
        this.take(m.id)?.reject(new Error(m.message));
        break;
      case 'profiled': {
        const p = this.take(m.id);
        if (p?.kind === 'profile') p.resolve(m.profile);
        break;
      }
      case 'disposed':
        this.onDisposed?.();
        break;
    }
  }

  private take(id: number): Pending | undefined {
    const p = this.pending.get(id);
    this.pending.delete(id);
    return p;
  }

  private die(reason: string): void {
    if (this.exited) return;
    this.exited = true;
    const error = new Error(reason);
    this.onLoad?.reject(error);
    this.onLoad = undefined;
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
    this.onDisposed?.();
    if (!this.disposing) this.onUnexpectedExit?.(reason);
  }
}
