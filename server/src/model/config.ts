/**
 * Model configuration: one plain, typed object describes both a MemoryFormer and the dense
 * (Pythia / GPT-NeoX style) baseline it is compared against. Presets are named configs.
 *
 * Every field has a default below, with the reason for it.
 */

export type Architecture = 'memoryformer' | 'dense';
/** float16: half the bytes of float32 at no measured quality cost; int8 (one float32 scale per row): a
 * quarter, within 0.01% bits per byte on the default model (docs/BENCHMARKS.md section 3b). */
export type TableDtype = 'float32' | 'float16' | 'int8';
export const TABLE_DTYPES: readonly TableDtype[] = ['float32', 'float16', 'int8'];

export interface ModelConfig {
  /** 'memoryformer': Memory Layers replace every fully-connected layer but the LM head. */
  arch: Architecture;
  vocabSize: number;
  /** Hidden size d. */
  dModel: number;
  nLayers: number;
  nHeads: number;
  /** Longest context the model is used with (rotary tables, FLOP accounting default). */
  maxSeqLen: number;
  /** Fraction of each head's dimensions that get rotary embedding (paper/NeoX: 0.25). */
  rotaryFraction: number;
  rotaryBase: number;
  normEps: number;
  // --- MemoryFormer only ---
  /** Bits per hash chunk; each chunk indexes a table of 2^tau rows. K = d / tau chunks. */
  tau: number;
  /** Extra bits per chunk in the Memory Block: ML1 maps d -> (tau + expandBits) * K. */
  expandBits: number;
  /** Temperature t in p(z) = prod_i sigmoid(2|z_i| / t). The paper gives none; its code uses 1. */
  hashTemperature: number;
  /** How tables are stored on disk and held in memory. */
  tableDtype: TableDtype;
  // --- dense only ---
  /** FFN width multiplier (Pythia: 4). */
  ffnMult: number;
}

/** Defaults shared by every preset; the reasons are the paper's and Pythia's choices. */
export const DEFAULTS = {
  rotaryFraction: 0.25, // paper and Pythia: rotary on 25% of each head's dims
  rotaryBase: 10000, // GPT-NeoX
  normEps: 1e-5, // GPT-NeoX layer_norm_eps
  tau: 8, // paper's main setting (Table 3: best FLOPs/memory trade-off)
  expandBits: 2, // paper Table 5: "2 expanding bits" is the chosen setting
  hashTemperature: 1, // public reproduction's value; the paper leaves t open
  tableDtype: 'float32' as TableDtype,
  ffnMult: 4, // Pythia
  maxSeqLen: 2048, // Pythia / paper training length
} as const;

function preset(p: Partial<ModelConfig> & Pick<ModelConfig, 'arch' | 'vocabSize' | 'dModel' | 'nLayers' | 'nHeads'>): ModelConfig {
  return { ...DEFAULTS, ...p };
}

/** Pythia's GPT-NeoX tokenizer vocabulary, padded (as Pythia does) to a multiple of 128. */
const PYTHIA_VOCAB = 50304;

export const PRESETS: Readonly<Record<string, ModelConfig>> = Object.freeze({
  // The paper's three sizes (Table 1) and the Pythia models they are compared with.
  'paper-tiny': preset({ arch: 'memoryformer', vocabSize: PYTHIA_VOCAB, dModel: 512, nLayers: 6, nHeads: 8 }),
  'paper-small': preset({ arch: 'memoryformer', vocabSize: PYTHIA_VOCAB, dModel: 768, nLayers: 12, nHeads: 12 }),
  'paper-base': preset({ arch: 'memoryformer', vocabSize: PYTHIA_VOCAB, dModel: 1024, nLayers: 24, nHeads: 16 }),
  'pythia-70m': preset({ arch: 'dense', vocabSize: PYTHIA_VOCAB, dModel: 512, nLayers: 6, nHeads: 8 }),
  'pythia-160m': preset({ arch: 'dense', vocabSize: PYTHIA_VOCAB, dModel: 768, nLayers: 12, nHeads: 12 }),
  'pythia-410m': preset({ arch: 'dense', vocabSize: PYTHIA_VOCAB, dModel: 1024, nLayers: 24, nHeads: 16 }),
  // Code-completion presets sized for a laptop CPU and for living in git.
  // tau = 6 keeps tables ~3x smaller than tau = 8 (table rows K * 2^tau = d/tau * 2^tau).
  // code-mini (the shipped model) stores int8 tables: measured on it, the same bits per byte as
  // fp16 (+0.001%) in half the bytes (models/memoryformer-code-mini/README.md, docs/BENCHMARKS.md 3b).
  'code-mini': preset({ arch: 'memoryformer', vocabSize: 4096, dModel: 192, nLayers: 2, nHeads: 4, tau: 6, maxSeqLen: 512, tableDtype: 'int8' }),
  'code-mini-dense': preset({ arch: 'dense', vocabSize: 4096, dModel: 192, nLayers: 2, nHeads: 4, maxSeqLen: 512 }),
  'code-small': preset({ arch: 'memoryformer', vocabSize: 8192, dModel: 240, nLayers: 3, nHeads: 4, tau: 6, maxSeqLen: 1024, tableDtype: 'float16' }),
  'code-small-dense': preset({ arch: 'dense', vocabSize: 8192, dModel: 240, nLayers: 3, nHeads: 4, maxSeqLen: 1024 }),
  // For the decode benchmark of issue #9: wide enough that tables and weights do not stay in cache.
  'bench-d1024': preset({ arch: 'memoryformer', vocabSize: 4096, dModel: 1024, nLayers: 2, nHeads: 16, maxSeqLen: 256, tableDtype: 'float16' }),
  'bench-d1024-dense': preset({ arch: 'dense', vocabSize: 4096, dModel: 1024, nLayers: 2, nHeads: 16, maxSeqLen: 256 }),
});

/** The dense model each MemoryFormer preset is compared with (same d, layers, heads, vocab). */
export function denseCounterpart(cfg: ModelConfig): ModelConfig {
  return { ...cfg, arch: 'dense', tableDtype: 'float32' };
}

export function presetNames(): string[] {
  return Object.keys(PRESETS);
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function getPreset(name: string): ModelConfig {
  const cfg = PRESETS[name];
  if (!cfg) {
    throw new ConfigError(`unknown preset '${name}'. Known presets: ${presetNames().join(', ')}`);
  }
  return validateConfig({ ...cfg });
}

/** Derived sizes, computed in one place so every module agrees. */
export interface Dims {
  headDim: number;
  /** Rotary dimensions per head (even). */
  rotaryDims: number;
  /** Number of hash chunks K = d / tau for the d-wide Memory Layers (Q/K/V, ML1). */
  chunks: number;
  /** Rows per table of a d-input Memory Layer: 2^tau. */
  rowsPerChunk: number;
  /** Width of ML1's output and ML2's input: (tau + expandBits) * K. */
  expandedWidth: number;
  /** Bits per chunk of ML2: tau + expandBits. */
  ml2Tau: number;
  /** FFN hidden width for the dense model. */
  ffnDim: number;
}

export function dims(cfg: ModelConfig): Dims {
  const headDim = cfg.dModel / cfg.nHeads;
  let rotaryDims = Math.floor((headDim * cfg.rotaryFraction) / 2) * 2;
  if (rotaryDims > headDim) rotaryDims = headDim;
  const chunks = cfg.dModel / cfg.tau;
  const ml2Tau = cfg.tau + cfg.expandBits;
  return {
    headDim,
    rotaryDims,
    chunks,
    rowsPerChunk: 2 ** cfg.tau,
    expandedWidth: ml2Tau * chunks,
    ml2Tau,
    ffnDim: cfg.ffnMult * cfg.dModel,
  };
}

function isPosInt(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n > 0;
}

/** Checks a config and throws a ConfigError that says what is wrong and what to do. */
export function validateConfig(cfg: ModelConfig): ModelConfig {
  const problems: string[] = [];
  if (cfg.arch !== 'memoryformer' && cfg.arch !== 'dense') problems.push(`arch must be 'memoryformer' or 'dense', got '${String(cfg.arch)}'`);
  for (const k of ['vocabSize', 'dModel', 'nLayers', 'nHeads', 'maxSeqLen'] as const) {
    if (!isPosInt(cfg[k])) problems.push(`${k} must be a positive integer, got ${String(cfg[k])}`);
  }
  if (isPosInt(cfg.dModel) && isPosInt(cfg.nHeads) && cfg.dModel % cfg.nHeads !== 0) {
    problems.push(`dModel (${cfg.dModel}) must be divisible by nHeads (${cfg.nHeads})`);
  }
  if (!(cfg.rotaryFraction >= 0 && cfg.rotaryFraction <= 1)) problems.push(`rotaryFraction must be in [0, 1], got ${cfg.rotaryFraction}`);
  if (!(cfg.normEps > 0)) problems.push(`normEps must be > 0, got ${cfg.normEps}`);
  if (cfg.arch === 'memoryformer') {
    if (!isPosInt(cfg.tau) || cfg.tau > 16) problems.push(`tau must be an integer in [1, 16], got ${String(cfg.tau)}`);
    else if (cfg.dModel % cfg.tau !== 0) {
      problems.push(`dModel (${cfg.dModel}) must be divisible by tau (${cfg.tau}) so the input splits into K = d/tau chunks; pick a tau that divides d`);
    }
    if (!Number.isInteger(cfg.expandBits) || cfg.expandBits < 0 || cfg.tau + cfg.expandBits > 16) {
      problems.push(`expandBits must be an integer >= 0 with tau + expandBits <= 16, got ${String(cfg.expandBits)}`);
    }
    if (!(cfg.hashTemperature > 0)) problems.push(`hashTemperature must be > 0, got ${cfg.hashTemperature}`);
    if (!TABLE_DTYPES.includes(cfg.tableDtype)) problems.push(`tableDtype must be one of ${TABLE_DTYPES.map((t) => `'${t}'`).join(', ')}, got '${String(cfg.tableDtype)}'`);
  } else if (!isPosInt(cfg.ffnMult)) {
    problems.push(`ffnMult must be a positive integer, got ${String(cfg.ffnMult)}`);
  }
  if (problems.length) throw new ConfigError(`invalid model config: ${problems.join('; ')}`);
  return cfg;
}

/** Fills defaults into a partial config (e.g. read from config.json) and validates it. */
export function resolveConfig(partial: Partial<ModelConfig> & { preset?: string }): ModelConfig {
  const base = partial.preset ? getPreset(partial.preset) : undefined;
  const { preset: _ignored, ...rest } = partial;
  const merged = { ...DEFAULTS, ...(base ?? {}), ...rest } as ModelConfig;
  return validateConfig(merged);
}
