/**
 * The training loop's state and one optimiser step: micro-batches through the training graph
 * (gradients accumulated in JS buffers), global-norm clipping, AdamW, cosine schedule.
 * Parameters and optimiser state live in JS Float32Arrays and are fed to ORT zero-copy.
 */
import type { ScatterBackend } from './sparse-grads.js';
import type { ModelConfig } from '../model/config.js';
import { initWeights, weightSpecs, type Weights } from '../model/weights.js';
import type { ProviderChoice } from '../engine/ort.js';
import { GradStep, type StepTimings } from './grad-step.js';
import { SegmentedStep } from './segmented-step.js';
import { loadNative } from '../kernels/native-binding.js';
import { adamwStep, createOptimizerState, isSparse, type OptimizerState } from './adamw.js';
import { learningRate, validateTrainConfig, type TrainConfig } from './train-config.js';
import { WindowLoader, type LoaderState } from './data-loader.js';

export interface StepRecord {
  /** Optimiser step just completed (1-based). */
  step: number;
  loss: number;
  lr: number;
  gradNorm: number;
  tokens: number;
  ms: number;
  timings: StepTimings & { zero: number; optimizer: number };
}

export interface TrainerState {
  weights: Weights;
  optimizer: OptimizerState;
  loader: LoaderState;
}

export interface TrainerOptions {
  provider?: ProviderChoice;
  /** Seed of the initial weights (ignored when weights are given). Default tc.seed. */
  modelSeed?: number;
  /** Start from these weights (fine-tuning) or, with optimizer and loader, resume. */
  state?: Partial<TrainerState>;
  /** Table-gradient scatter-add: the native kernel (default when the addon loaded) or TypeScript loops. */
  scatter?: ScatterBackend;
  /**
   * How a micro-batch runs: 'segmented' = the Memory Layers in the native kernels and the rest in ORT
   * segments (segmented-step.ts); 'graph' = one ORT training graph. Default: segmented for a
   * MemoryFormer on the CPU with the addon loaded, else the graph.
   */
  step?: 'graph' | 'segmented';
}

/** One micro-batch's forward + backward into gradient buffers (GradStep or SegmentedStep). */
interface MicroBatchStep {
  readonly provider: string;
  accumulate(weights: Weights, ids: Int32Array, targets: Int32Array, grads: Weights, touched?: Map<string, Uint8Array>, timings?: StepTimings): Promise<number>;
  release(): Promise<void>;
}

/** Whether training runs segmented by default (see TrainerOptions.step). */
export function segmentedByDefault(cfg: ModelConfig, provider: ProviderChoice | undefined): boolean {
  return cfg.arch === 'memoryformer' && (provider ?? 'cpu') === 'cpu' && loadNative().addon !== null;
}

export class Trainer {
  private evalStep?: GradStep;
  private readonly grads: Weights;
  private readonly touched = new Map<string, Uint8Array>();

  private constructor(
    readonly cfg: ModelConfig,
    readonly tc: TrainConfig,
    readonly weights: Weights,
    readonly optimizer: OptimizerState,
    readonly loader: WindowLoader,
    private readonly gradStep: MicroBatchStep,
    private readonly opts: TrainerOptions,
  ) {
    this.grads = new Map([...weights].map(([n, w]) => [n, new Float32Array(w.length)]));
    for (const s of weightSpecs(cfg)) if (isSparse(s)) this.touched.set(s.name, new Uint8Array(s.shape[0]!));
  }

  static async create(cfg: ModelConfig, tc: TrainConfig, tokens: Int32Array, opts: TrainerOptions = {}): Promise<Trainer> {
    validateTrainConfig(tc, cfg);
    for (let i = 0; i < tokens.length; i++) {
      const id = tokens[i]!;
      if (id < 0 || id >= cfg.vocabSize) throw new Error(`the corpus has token id ${id} at position ${i} but the model's vocabulary is [0, ${cfg.vocabSize}); use a tokenizer whose vocabulary fits the model`);
    }
    const weights = opts.state?.weights ?? initWeights(cfg, { seed: opts.modelSeed ?? tc.seed });
    for (const s of weightSpecs(cfg)) {
      const w = weights.get(s.name);
      if (!w || w.length !== s.shape.reduce((a, b) => a * b, 1)) throw new Error(`weight '${s.name}' is missing or has the wrong size for this config`);
    }
    const optimizer = opts.state?.optimizer ?? createOptimizerState(weights);
    const loader = new WindowLoader(tokens, tc.seq, tc.valFraction, tc.seed);
    if (opts.state?.loader) loader.restore(opts.state.loader);
    const segmented = opts.step ? opts.step === 'segmented' : segmentedByDefault(cfg, opts.provider) && !opts.scatter;
    const gradStep: MicroBatchStep = segmented
      ? await SegmentedStep.create(cfg, tc.batch, tc.seq, { intraOpThreads: tc.threads })
      : await GradStep.create(cfg, tc.batch, tc.seq, { provider: opts.provider ?? 'cpu', intraOpThreads: tc.threads }, opts.scatter ? { scatter: opts.scatter } : {});
    return new Trainer(cfg, tc, weights, optimizer, loader, gradStep, opts);
  }

  get step(): number {
    return this.optimizer.step;
  }

  get provider(): string {
    return this.gradStep.provider;
  }

  get tokensPerStep(): number {
    return this.tc.batch * this.tc.seq * this.tc.accumulation;
  }

  async trainStep(): Promise<StepRecord> {
    const t0 = performance.now();
    const timings = { graph: 0, copies: 0, scatter: 0, kernels: 0, zero: 0, optimizer: 0 };
    // Touched rows only matter to lazy table updates; dense ones skip marking them.
    const touched = this.tc.tableUpdate === 'lazy' ? this.touched : undefined;
    for (const g of this.grads.values()) g.fill(0);
    for (const m of touched?.values() ?? []) m.fill(0);
    timings.zero = performance.now() - t0;
    let loss = 0;
    for (let micro = 0; micro < this.tc.accumulation; micro++) {
      const { ids, targets } = this.loader.next(this.tc.batch);
      loss += await this.gradStep.accumulate(this.weights, ids, targets, this.grads, touched, timings);
    }
    loss /= this.tc.accumulation;
    const t1 = performance.now();
    const lr = learningRate(this.tc, this.optimizer.step);
    const { gradNorm } = adamwStep(this.cfg, this.tc, this.weights, this.grads, this.optimizer, lr, 1 / this.tc.accumulation, touched);
    const t2 = performance.now();
    timings.optimizer = t2 - t1;
    return { step: this.optimizer.step, loss, lr, gradNorm, tokens: this.tokensPerStep, ms: t2 - t0, timings };
  }

  /** Mean loss over the first tc.evalBatches validation batches (a forward-only graph). */
  async evaluate(): Promise<number | undefined> {
    if (!this.loader.valWindows) return undefined;
    this.evalStep ??= await GradStep.create(this.cfg, this.tc.batch, this.tc.seq, { provider: this.opts.provider ?? 'cpu', intraOpThreads: this.tc.threads }, { lossOnly: true });
    let total = 0;
    for (let i = 0; i < this.tc.evalBatches; i++) {
      const { ids, targets } = this.loader.validation(this.tc.batch, i);
      const out = await this.evalStep.run(this.weights, ids, targets);
      total += (out.loss!.data as Float32Array)[0]!;
    }
    return total / this.tc.evalBatches;
  }

  state(): TrainerState {
    return { weights: this.weights, optimizer: this.optimizer, loader: this.loader.state() };
  }

  async release(): Promise<void> {
    await this.gradStep.release();
    await this.evalStep?.release();
  }
}
