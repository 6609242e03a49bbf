/**
 * memoryformer/fineTune on the server side: validates a start (trusted workspace, one run at a
 * time, a real model loaded), runs the fine-tune in its own worker thread (the completion model's
 * worker keeps answering with the current model meanwhile), relays progress as LSP work-done
 * progress and memoryformer/fineTuneProgress, and when the fine-tuned model is better hands it to
 * the completion worker (the old model serves until the new one has loaded). Knows no LSP
 * connection: server.ts passes the senders in.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { WorkDoneProgressBegin, WorkDoneProgressEnd, WorkDoneProgressReport } from 'vscode-languageserver/node';
import type { FineTuneFinishedParams, FineTuneParams, FineTuneProgressParams, FineTuneResult } from '../../../protocol/lsp.js';
import type { FromFineTuneWorker, ToFineTuneWorker, WorkerFineTuneOptions } from '../finetune/worker-messages.js';

export class FineTuneRefusal extends Error {
  override name = 'FineTuneRefusal';
}

export const UNTRUSTED_REFUSAL =
  'fine-tuning is refused in an untrusted workspace: it reads every file there and then serves completions from what it trained. Trust the workspace first (Manage Workspace Trust); completions work either way.';

export interface FineTuneSenders {
  progress(token: string | number, value: WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd): void;
  notifyProgress(p: FineTuneProgressParams): void;
  notifyFinished(p: FineTuneFinishedParams): void;
  log(level: 'error' | 'warn' | 'info' | 'debug', text: string): void;
  /** The folder of the model completions are served from now, or undefined when it is not a real model. */
  currentModelDir(): string | undefined;
  /** Switch completions to this model folder (resolves once it serves). */
  switchModel(dir: string): Promise<void>;
  /** Called when a run starts or ends, or its phase changes (for memoryformer/status). */
  onChange(): void;
}

/**
 * The fine-tune worker's entry: fine-tune-worker.ts in server/src/finetune when run from source
 * (tsx), or fine-tune-worker.js next to the bundle (the build must emit dist/server/fine-tune-worker.js).
 */
export function fineTuneWorkerEntry(): string {
  const ts = join(__dirname, '..', 'finetune', 'fine-tune-worker.ts');
  if (__filename.endsWith('.ts') && existsSync(ts)) return ts;
  const js = join(__dirname, 'fine-tune-worker.js');
  if (existsSync(js)) return js;
  throw new Error(`fine-tune worker entry not found (looked for ${ts} and ${js}): the build must bundle server/src/finetune/fine-tune-worker.ts to ${js}`);
}

function startWorker(entry: string): Worker {
  const w = entry.endsWith('.ts')
    ? new Worker(`require(${JSON.stringify(createRequire(__filename).resolve('tsx/cjs'))}); require(${JSON.stringify(entry)});`, { eval: true, stdout: true, stderr: true })
    : new Worker(entry, { stdout: true, stderr: true });
  // stdout carries the protocol: the worker's console goes to stderr.
  w.stdout.pipe(process.stderr, { end: false });
  w.stderr.pipe(process.stderr, { end: false });
  return w;
}

/** Where results go when the client names no storage folder: one folder per set of workspace paths. */
export function defaultStorageDir(paths: readonly string[]): string {
  const key = createHash('sha256').update([...paths].sort().join('\n')).digest('hex').slice(0, 16);
  return join(homedir(), '.cache', 'memoryformer', 'finetune', key);
}

interface Run {
  runId: string;
  worker: Worker;
  token: string | number | undefined;
  phase: string;
  cancelled: boolean;
  ended: Promise<void>;
  lastReportAt: number;
}

export class FineTuneService {
  private run: Run | undefined;

  constructor(private readonly s: FineTuneSenders) {}

  get active(): boolean {
    return this.run !== undefined;
  }

  /** One line for memoryformer/status while a run is active. */
  get statusMessage(): string | undefined {
    return this.run ? `fine-tuning on the workspace (${this.run.phase}); completions use the current model meanwhile` : undefined;
  }

  /** Validates and starts a run; throws FineTuneRefusal with the reason when it cannot start. */
  start(p: FineTuneParams): FineTuneResult {
    if (p.trusted === false) throw new FineTuneRefusal(UNTRUSTED_REFUSAL);
    if (this.run) throw new FineTuneRefusal(`a fine-tune is already running (run ${this.run.runId}, ${this.run.phase}); cancel it first or wait for it to finish`);
    const paths = p.paths;
    if (!Array.isArray(paths) || paths.length === 0 || !paths.every((x) => typeof x === 'string' && isAbsolute(x))) {
      throw new FineTuneRefusal(`memoryformer/fineTune start needs paths: the absolute paths of the workspace folders to train on, got ${JSON.stringify(paths)}`);
    }
    const modelDir = this.s.currentModelDir();
    if (!modelDir) throw new FineTuneRefusal('fine-tuning needs a real model loaded (it starts from the model completions use); load one with --model or memoryformer/setModel');
    for (const [k, lo, hi] of [['timeBudgetSec', 1, 86400], ['steps', 1, 1e6], ['learningRate', 1e-7, 1]] as const) {
      const v = p[k];
      if (v !== undefined && !(typeof v === 'number' && v >= lo && v <= hi)) throw new FineTuneRefusal(`${k} must be a number in [${lo}, ${hi}], got ${JSON.stringify(v)}`);
    }
    if (p.exclude !== undefined && !(Array.isArray(p.exclude) && p.exclude.every((g) => typeof g === 'string'))) throw new FineTuneRefusal('exclude must be an array of glob strings');
    const storageDir = typeof p.storageDir === 'string' && p.storageDir ? p.storageDir : defaultStorageDir(paths);
    const options: WorkerFineTuneOptions = {
      modelDir,
      folders: paths,
      storageDir,
      exclude: p.exclude ?? [],
      provider: p.device ?? 'auto',
      // Leave a core to the completion model so typing stays responsive while training.
      threads: Math.max(1, cpus().length - 1),
    };
    if (p.timeBudgetSec !== undefined) options.timeBudgetSec = p.timeBudgetSec;
    if (p.steps !== undefined) options.steps = p.steps;
    if (p.learningRate !== undefined) options.learningRate = p.learningRate;

    const runId = randomBytes(6).toString('hex');
    const worker = startWorker(fineTuneWorkerEntry());
    let endRun: () => void = () => {};
    const run: Run = { runId, worker, token: p.workDoneToken, phase: 'starting', cancelled: false, ended: new Promise((r) => (endRun = r)), lastReportAt: 0 };
    this.run = run;
    this.s.log('info', `fine-tune ${runId} started on ${paths.join(', ')} from ${modelDir}; results in ${storageDir}`);
    if (run.token !== undefined) this.s.progress(run.token, { kind: 'begin', title: 'MemoryFormer: fine-tuning on the workspace', cancellable: false, percentage: 0, message: 'collecting files' });
    this.s.onChange();

    let finished = false;
    const finish = (f: Omit<FineTuneFinishedParams, 'runId'>) => {
      if (finished) return;
      finished = true;
      if (this.run === run) this.run = undefined;
      void worker.terminate();
      if (run.token !== undefined) this.s.progress(run.token, { kind: 'end', message: f.message });
      this.s.notifyFinished({ runId, ...f });
      this.s.log(f.outcome === 'failed' ? 'error' : 'info', `fine-tune ${runId}: ${f.outcome}: ${f.message}`);
      this.s.onChange();
      endRun();
    };
    worker.on('message', (m: FromFineTuneWorker) => {
      switch (m.type) {
        case 'progress': {
          const pr = m.progress;
          const percentage = Math.round(100 * pr.fraction);
          const params: FineTuneProgressParams = { runId, phase: pr.phase, message: pr.message, percentage, elapsedMs: pr.elapsedMs };
          if (pr.step !== undefined) params.step = pr.step;
          if (pr.totalSteps !== undefined) params.totalSteps = pr.totalSteps;
          if (pr.loss !== undefined) params.trainLoss = pr.loss;
          if (pr.valLoss !== undefined) params.validLoss = pr.valLoss;
          if (pr.tokensPerSecond !== undefined) params.tokensPerSecond = pr.tokensPerSecond;
          if (pr.etaSeconds !== undefined) params.etaSeconds = pr.etaSeconds;
          this.s.notifyProgress(params);
          const now = Date.now();
          // $/progress is for a notification bubble: a few updates a second at most.
          if (run.token !== undefined && (now - run.lastReportAt > 250 || pr.phase !== run.phase)) {
            run.lastReportAt = now;
            this.s.progress(run.token, { kind: 'report', message: pr.message, percentage });
          }
          if (pr.phase !== run.phase) {
            run.phase = pr.phase;
            this.s.onChange();
          }
          break;
        }
        case 'log':
          this.s.log('info', `fine-tune ${runId}: ${m.line}`);
          break;
        case 'done': {
          const r = m.report;
          if (!m.modelDir) {
            finish({ outcome: 'not-improved', message: `fine-tuned model ${r.verdict}; completions keep the current model`, report: r });
            break;
          }
          const dir = m.modelDir;
          run.phase = 'switching to the fine-tuned model';
          this.s.onChange();
          this.s.switchModel(dir).then(
            () => finish({ outcome: 'improved', message: `fine-tuned model ${r.verdict}; completions now use it`, report: r, modelDir: dir }),
            (e: unknown) => finish({ outcome: 'failed', message: `the fine-tuned model was saved in ${dir} but could not be loaded: ${e instanceof Error ? e.message : String(e)}`, report: r }),
          );
          break;
        }
        case 'cancelled':
          finish({ outcome: 'cancelled', message: m.message });
          break;
        case 'failed':
          finish({ outcome: 'failed', message: `fine-tuning failed: ${m.message}; the current model stays in use` });
          break;
      }
    });
    worker.on('error', (e) => finish(run.cancelled ? { outcome: 'cancelled', message: 'fine-tuning was cancelled; the current model stays in use' } : { outcome: 'failed', message: `the fine-tune worker crashed: ${e.message}; the current model stays in use` }));
    worker.on('exit', (code) => finish(run.cancelled ? { outcome: 'cancelled', message: 'fine-tuning was cancelled; the current model stays in use' } : { outcome: 'failed', message: `the fine-tune worker exited (code ${code}); the current model stays in use` }));
    worker.postMessage({ type: 'start', options } satisfies ToFineTuneWorker);
    return { state: 'started', runId };
  }

  /**
   * Asks the run to stop between steps and waits for it to end; a worker that does not stop in
   * `graceMs` (a long evaluation or save) is terminated, which is safe: saves are atomic.
   */
  async cancel(graceMs = 10_000): Promise<FineTuneResult> {
    const run = this.run;
    if (!run) return { state: 'not-running' };
    run.cancelled = true;
    run.worker.postMessage({ type: 'cancel' } satisfies ToFineTuneWorker);
    const timer = setTimeout(() => void run.worker.terminate(), graceMs);
    await run.ended;
    clearTimeout(timer);
    return { state: 'cancelled', runId: run.runId };
  }

  async dispose(): Promise<void> {
    const run = this.run;
    if (!run) return;
    run.cancelled = true;
    await run.worker.terminate();
    await run.ended;
  }
}
