/**
 * The only module that imports onnxruntime-node: sessions, execution-provider choice, disposal.
 * Everything else talks to ORT through this file, so the provider logic, the error messages and
 * the one-off quirks (RESEARCH.md section 2) live in one place.
 */
import * as ort from 'onnxruntime-node';
import { performance } from 'node:perf_hooks';

export type ProviderName = 'cpu' | 'webgpu' | 'cuda';
export type ProviderChoice = ProviderName | 'auto';
export const PROVIDERS: readonly ProviderName[] = ['cpu', 'webgpu', 'cuda'];

export type HostTensorType = 'float32' | 'float16' | 'int32' | 'int64' | 'bool';
export type HostData = Float32Array | Uint16Array | Int32Array | BigInt64Array | Uint8Array;
/** A tensor in JavaScript memory. Inputs are passed to ORT without a copy. */
export interface HostTensor {
  type: HostTensorType;
  data: HostData;
  dims: readonly number[];
}

export interface SessionOptions {
  /** Default 'cpu'. 'auto' measures the available providers once per process and picks the fastest. */
  provider?: ProviderChoice;
  /** Intra-op threads (CPU provider). Default: ORT's choice (all cores). */
  intraOpThreads?: number;
  /** Graph optimisation level; 'basic' keeps one profiler event per node we built. Default 'all'. */
  optimization?: 'disabled' | 'basic' | 'extended' | 'all';
  /** Write an ORT profile (Chrome trace JSON) with this path prefix; see EngineSession.endProfiling. */
  profileFilePrefix?: string;
  /** Where the module reports its decisions (provider fallbacks). Default: nowhere. */
  log?: (message: string) => void;
  /**
   * Let ORT's intra-op threads spin-wait for work after a run (ORT's default, true). Turn it off when
   * other native code (the Memory Layer kernels' OpenMP threads) runs between short ORT runs: spinning
   * threads take the cores it needs.
   */
  spinning?: boolean;
}

/** A use of its arguments that the optimiser cannot drop: they stay reachable until this call. */
let keepAliveSink: unknown;
function keepAlive(...values: unknown[]): void {
  keepAliveSink = values;
  keepAliveSink = undefined;
}

export class ProviderError extends Error {
  override name = 'ProviderError';
}

export function tensor(type: HostTensorType, data: HostData, dims: readonly number[]): HostTensor {
  return { type, data, dims };
}

/** Providers this onnxruntime-node build can attempt (bundled ones, plus CUDA if its libraries were installed). */
export function listProviders(): { name: string; bundled: boolean }[] {
  return ort.listSupportedBackends().map((b) => ({ name: b.name, bundled: b.bundled }));
}

export function ortVersion(): string {
  return ort.env.versions.node ?? 'unknown';
}

function epConfig(p: ProviderName): ort.InferenceSession.ExecutionProviderConfig {
  return p;
}

const PROVIDER_HELP: Record<ProviderName, string> = {
  cpu: 'the CPU provider is built in; reinstall onnxruntime-node if it fails',
  webgpu:
    'WebGPU needs libvulkan.so.1 and a Vulkan driver (on Debian: libvulkan1 and mesa-vulkan-drivers >= 25 from bookworm-backports for a software GPU); see docs/GPU.md',
  cuda: 'CUDA needs the CUDA provider libraries, which the default install skips; see docs/GPU.md to opt in',
};

export class EngineSession {
  private released = false;
  private profiling: boolean;

  constructor(
    private readonly session: ort.InferenceSession,
    readonly provider: ProviderName,
    private readonly profilePrefix: string | undefined,
  ) {
    this.profiling = profilePrefix !== undefined;
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }
  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  /**
   * Runs the graph. Blocks the calling thread while ORT computes (run it off the thread that
   * answers requests). Each output is copied out of ORT (~0.6 ms per MB).
   */
  async run(feeds: Record<string, HostTensor>, outputs?: readonly string[]): Promise<Record<string, HostTensor>> {
    if (this.released) throw new Error('session already released');
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) {
      ortFeeds[name] = new ort.Tensor(t.type, t.data as ort.Tensor.DataType, t.dims);
    }
    const res = outputs ? await this.session.run(ortFeeds, outputs as string[]) : await this.session.run(ortFeeds);
    // ORT reads the inputs in place, on a thread of its own, while this function is suspended: keep
    // them reachable until it is done, or the garbage collector may free memory ORT is still reading
    // (an intermittent segmentation fault seen during long fine-tunes under load).
    keepAlive(ortFeeds, feeds);
    const out: Record<string, HostTensor> = {};
    for (const [name, t] of Object.entries(res)) {
      out[name] = { type: t.type as HostTensorType, data: t.data as HostData, dims: t.dims };
    }
    return out;
  }

  /** Stops profiling and returns the profile file's path (ORT names it prefix_<date>.json). */
  async endProfiling(): Promise<string | undefined> {
    if (!this.profiling || !this.profilePrefix) return undefined;
    this.profiling = false;
    const { readdirSync, statSync } = await import('node:fs');
    const { dirname, basename, join, resolve } = await import('node:path');
    this.session.endProfiling();
    const dir = dirname(resolve(this.profilePrefix));
    const base = basename(this.profilePrefix);
    const files = readdirSync(dir)
      .filter((f) => f.startsWith(base + '_') && f.endsWith('.json'))
      .map((f) => join(dir, f))
      .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
    return files[0];
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.session.release();
  }
}

async function createOn(model: Uint8Array | string, provider: ProviderName, opts: SessionOptions): Promise<EngineSession> {
  const so: ort.InferenceSession.SessionOptions = {
    executionProviders: [epConfig(provider)],
    graphOptimizationLevel: opts.optimization ?? 'all',
    executionMode: 'sequential',
    logSeverityLevel: 3,
  };
  if (opts.intraOpThreads !== undefined) so.intraOpNumThreads = opts.intraOpThreads;
  if (opts.spinning === false) so.extra = { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } };
  if (opts.profileFilePrefix) {
    so.enableProfiling = true;
    so.profileFilePrefix = opts.profileFilePrefix;
  }
  try {
    const s = typeof model === 'string' ? await ort.InferenceSession.create(model, so) : await ort.InferenceSession.create(model, so);
    return new EngineSession(s, provider, opts.profileFilePrefix);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new ProviderError(`execution provider '${provider}' could not start: ${msg.split('\n')[0]}. ${PROVIDER_HELP[provider]}`);
  }
}

let autoChoice: Promise<{ provider: ProviderName; reason: string }> | undefined;

/**
 * Picks the fastest working provider by timing a small probe model on each candidate. Cached
 * per process. CPU always works; a software Vulkan WebGPU loses to it and is then not chosen.
 */
export function chooseProvider(log?: (m: string) => void): Promise<{ provider: ProviderName; reason: string }> {
  autoChoice ??= (async () => {
    const { probeModel, probeFeeds } = await import('./probe.js');
    const model = probeModel();
    const timings: { provider: ProviderName; ms: number }[] = [];
    const notes: string[] = [];
    for (const p of ['cpu', 'cuda', 'webgpu'] as ProviderName[]) {
      if (p !== 'cpu' && !listProviders().some((b) => b.name === p)) continue;
      try {
        const s = await createOn(model, p, {});
        try {
          await s.run(probeFeeds()); // warm-up (shader compilation, allocations)
          const t0 = performance.now();
          for (let i = 0; i < 5; i++) await s.run(probeFeeds());
          timings.push({ provider: p, ms: (performance.now() - t0) / 5 });
        } finally {
          await s.release();
        }
      } catch (e) {
        notes.push(`${p}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    timings.sort((a, b) => a.ms - b.ms);
    const best = timings[0] ?? { provider: 'cpu' as ProviderName, ms: NaN };
    const reason = `auto: ${timings.map((t) => `${t.provider} ${t.ms.toFixed(2)} ms`).join(', ')}${notes.length ? `; unavailable: ${notes.join('; ')}` : ''} -> ${best.provider}`;
    log?.(reason);
    return { provider: best.provider, reason };
  })();
  return autoChoice;
}

/** Creates a session on the requested provider; 'auto' picks one (falling back to CPU, with the reason logged). */
export async function createSession(model: Uint8Array | string, opts: SessionOptions = {}): Promise<EngineSession> {
  const choice = opts.provider ?? 'cpu';
  if (choice !== 'auto' && !PROVIDERS.includes(choice)) {
    throw new ProviderError(`unknown execution provider '${String(choice)}'; use one of ${PROVIDERS.join(', ')} or auto`);
  }
  if (choice !== 'auto') return createOn(model, choice, opts);
  const { provider } = await chooseProvider(opts.log);
  try {
    return await createOn(model, provider, opts);
  } catch (e) {
    if (provider === 'cpu') throw e;
    opts.log?.(`auto: ${provider} failed on this model (${e instanceof Error ? e.message : String(e)}); falling back to cpu`);
    return createOn(model, 'cpu', opts);
  }
}
