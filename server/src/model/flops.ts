/**
 * FLOP, parameter and memory accounting for a MemoryFormer and its dense counterpart.
 *
 * Two FLOP counts are given side by side, both counting one multiply-add as one FLOP (the
 * convention of the paper's Table 1):
 * - "paper": the paper's closed forms per block, standard 2 s^2 d + 12 s d^2 and MemoryFormer
 *   2 s^2 d + 6 K s d (attention 2 s^2 d in both). These reproduce the paper's Tables 1 and 3.
 * - "detailed": counted from the actual layer shapes of this code base's model:
 *   a Memory Layer costs s*K*out for the weighted row sums plus 2*s*n for hashing its n = K*tau
 *   inputs (one sign test and one sigmoid-product step per input value); K and V reuse Q's hash
 *   (same input), so their hashing is counted once. A dense layer costs s*in*out. Attention costs
 *   s^2 d for the scores and s^2 d for the weighted values, over the full s x s grid (the graph
 *   masks the upper triangle, it does not skip it). Norms, biases, softmax, rotary and residual
 *   additions are ignored (all O(s d), under 1% of a block).
 * The LM head and the embedding are reported apart from the blocks, as the paper does.
 *
 * Everything here is a pure function of the config and the sequence length.
 */
import { denseCounterpart, dims, validateConfig, type ModelConfig } from './config.js';

export const FLOP_CONVENTION = 'one multiply-add counts as one FLOP (the paper\'s Table 1 convention)';

/** Bytes to store a weight in each format. int8 carries one fp32 scale per row (per-row quantisation). */
export interface StorageBytes {
  fp32: number;
  fp16: number;
  int8: number;
}

export function storageBytes(values: number, rows: number): StorageBytes {
  return { fp32: 4 * values, fp16: 2 * values, int8: values + 4 * rows };
}

/** The bytes in a config's own storage format: its tables' dtype (dense models store float32). */
export function bytesAsStored(cfg: Pick<ModelConfig, 'arch' | 'tableDtype'>, b: StorageBytes): number {
  if (cfg.arch !== 'memoryformer') return b.fp32;
  return cfg.tableDtype === 'float16' ? b.fp16 : cfg.tableDtype === 'int8' ? b.int8 : b.fp32;
}

function addBytes(a: StorageBytes, b: StorageBytes): StorageBytes {
  return { fp32: a.fp32 + b.fp32, fp16: a.fp16 + b.fp16, int8: a.int8 + b.int8 };
}

const NO_BYTES: StorageBytes = { fp32: 0, fp16: 0, int8: 0 };

/** One weight layer of a block: a Memory Layer (table) or a dense matrix. */
export interface LayerAccount {
  /** 'Q', 'K', 'V', 'ML1', 'ML2' (MemoryFormer) or 'Q', 'K', 'V', 'O', 'FFN up', 'FFN down' (dense). */
  name: string;
  kind: 'memory' | 'dense';
  inWidth: number;
  outWidth: number;
  /** Bits per hash chunk (Memory Layers), else null. */
  tau: number | null;
  /** Hash chunks K (Memory Layers), else null. */
  chunks: number | null;
  /** Rows of the table (K * 2^tau) or of the [in, out] matrix (in). */
  rows: number;
  /** Table values or matrix weights (biases not included). */
  weights: number;
  biases: number;
  /** Detailed FLOPs of this layer at the report's sequence length (row sums or matmul, plus hashing). */
  flops: number;
  /** The part of `flops` spent on hashing and the p weights; 0 for dense layers and shared hashes. */
  hashFlops: number;
  /** Storage of the table / matrix (biases not included). */
  bytes: StorageBytes;
  /** Name of the layer whose hash this one reuses (K and V reuse Q's), else null. */
  sharesHashWith: string | null;
}

/** The shape of one Memory Layer. tau and chunks are separate so that K * tau != d can be modelled
 *  (the paper's Table 3 uses tau = 10, K = 51 on d = 512). */
export interface MemoryLayerShape {
  tau: number;
  chunks: number;
  outWidth: number;
}

export function memoryLayerAccount(
  name: string,
  shape: MemoryLayerShape,
  seqLen: number,
  sharesHashWith: string | null = null,
): LayerAccount {
  const { tau, chunks, outWidth } = shape;
  const inWidth = tau * chunks;
  const rows = chunks * 2 ** tau;
  const weights = rows * outWidth;
  // One sign test and one sigmoid-product step per input value; free when another layer's hash is reused.
  const hashFlops = sharesHashWith ? 0 : 2 * seqLen * inWidth;
  return {
    name,
    kind: 'memory',
    inWidth,
    outWidth,
    tau,
    chunks,
    rows,
    weights,
    biases: outWidth,
    flops: seqLen * chunks * outWidth + hashFlops,
    hashFlops,
    bytes: storageBytes(weights, rows),
    sharesHashWith,
  };
}

export function denseLayerAccount(name: string, inWidth: number, outWidth: number, seqLen: number): LayerAccount {
  const weights = inWidth * outWidth;
  return {
    name,
    kind: 'dense',
    inWidth,
    outWidth,
    tau: null,
    chunks: null,
    rows: inWidth,
    weights,
    biases: outWidth,
    flops: seqLen * weights,
    hashFlops: 0,
    bytes: storageBytes(weights, inWidth),
    sharesHashWith: null,
  };
}

export interface FlopSplit {
  withoutAttention: number;
  /** Attention scores and weighted values: 2 s^2 d. */
  attention: number;
  total: number;
}

function split(withoutAttention: number, attention: number): FlopSplit {
  return { withoutAttention, attention, total: withoutAttention + attention };
}

function scaleSplit(f: FlopSplit, n: number): FlopSplit {
  return split(f.withoutAttention * n, f.attention * n);
}

export interface ParamSplit {
  /** Memory Layer table values. */
  tables: number;
  /** Dense weight matrices (the embedding and the LM head are reported apart, not here). */
  matrices: number;
  /** Biases and norm parameters. */
  other: number;
  total: number;
}

function params(tables: number, matrices: number, other: number): ParamSplit {
  return { tables, matrices, other, total: tables + matrices + other };
}

export interface BlockAccount {
  /** The paper's formulas. */
  paper: FlopSplit;
  /** Counted from the layer shapes. */
  detailed: FlopSplit;
  layers: LayerAccount[];
  params: ParamSplit;
  /** Storage of the tables (MemoryFormer) or matrices (dense) of one block. */
  weightBytes: StorageBytes;
}

/** The paper's per-block FLOPs: standard 2 s^2 d + 12 s d^2, MemoryFormer 2 s^2 d + 6 K s d. */
export function paperBlockFlops(cfg: ModelConfig, seqLen: number): FlopSplit {
  const d = cfg.dModel;
  const s = seqLen;
  const attention = 2 * s * s * d;
  if (cfg.arch === 'memoryformer') return split(6 * dims(cfg).chunks * s * d, attention);
  return split(12 * s * d * d, attention);
}

export function blockLayers(cfg: ModelConfig, seqLen: number): LayerAccount[] {
  const d = cfg.dModel;
  const dm = dims(cfg);
  if (cfg.arch === 'memoryformer') {
    const qkv: MemoryLayerShape = { tau: cfg.tau, chunks: dm.chunks, outWidth: d };
    return [
      memoryLayerAccount('Q', qkv, seqLen),
      memoryLayerAccount('K', qkv, seqLen, 'Q'),
      memoryLayerAccount('V', qkv, seqLen, 'Q'),
      memoryLayerAccount('ML1', { tau: cfg.tau, chunks: dm.chunks, outWidth: dm.expandedWidth }, seqLen),
      memoryLayerAccount('ML2', { tau: dm.ml2Tau, chunks: dm.chunks, outWidth: d }, seqLen),
    ];
  }
  return [
    denseLayerAccount('Q', d, d, seqLen),
    denseLayerAccount('K', d, d, seqLen),
    denseLayerAccount('V', d, d, seqLen),
    denseLayerAccount('O', d, d, seqLen),
    denseLayerAccount('FFN up', d, dm.ffnDim, seqLen),
    denseLayerAccount('FFN down', dm.ffnDim, d, seqLen),
  ];
}

/** Norm parameters of one block (MemoryFormer: two RMSNorm scales and ML1's LayerNorm; dense: two LayerNorms). */
function blockNormParams(cfg: ModelConfig): number {
  if (cfg.arch === 'memoryformer') return 2 * cfg.dModel + 2 * dims(cfg).expandedWidth;
  return 4 * cfg.dModel;
}

export function blockAccount(cfg: ModelConfig, seqLen: number): BlockAccount {
  const layers = blockLayers(cfg, seqLen);
  const sum = (f: (l: LayerAccount) => number) => layers.reduce((a, l) => a + f(l), 0);
  const attention = 2 * seqLen * seqLen * cfg.dModel;
  const large = sum((l) => l.weights);
  return {
    paper: paperBlockFlops(cfg, seqLen),
    detailed: split(sum((l) => l.flops), attention),
    layers,
    params: params(
      cfg.arch === 'memoryformer' ? large : 0,
      cfg.arch === 'dense' ? large : 0,
      sum((l) => l.biases) + blockNormParams(cfg),
    ),
    weightBytes: layers.reduce((a, l) => addBytes(a, l.bytes), NO_BYTES),
  };
}

export interface ModelAccount {
  config: ModelConfig;
  perBlock: BlockAccount;
  /** All nLayers blocks together (per block x nLayers). */
  blocks: { count: number; paper: FlopSplit; detailed: FlopSplit; params: ParamSplit; weightBytes: StorageBytes };
  /** Token embedding lookup: no FLOPs. */
  embedding: { params: number; bytes: StorageBytes };
  /** Final norm + classifier [d, vocab]: s * d * vocab FLOPs (same in both models). */
  lmHead: { flops: number; params: number; bytes: StorageBytes; finalNormParams: number };
  /**
   * Whole model: blocks + final norm + LM head (+ embedding for params). bytes: tables/matrices,
   * embedding and LM head in the given format, biases and norms always fp32 (as stored).
   */
  total: { paperFlops: number; detailedFlops: number; params: number; bytes: StorageBytes };
}

export function modelAccount(cfg: ModelConfig, seqLen: number): ModelAccount {
  validateConfig(cfg);
  if (!Number.isInteger(seqLen) || seqLen <= 0) {
    throw new RangeError(`sequence length must be a positive integer, got ${seqLen}`);
  }
  const d = cfg.dModel;
  const n = cfg.nLayers;
  const perBlock = blockAccount(cfg, seqLen);
  const p = perBlock.params;
  const blocks = {
    count: n,
    paper: scaleSplit(perBlock.paper, n),
    detailed: scaleSplit(perBlock.detailed, n),
    params: params(p.tables * n, p.matrices * n, p.other * n),
    weightBytes: {
      fp32: perBlock.weightBytes.fp32 * n,
      fp16: perBlock.weightBytes.fp16 * n,
      int8: perBlock.weightBytes.int8 * n,
    },
  };
  const embedParams = cfg.vocabSize * d;
  const embedding = { params: embedParams, bytes: storageBytes(embedParams, cfg.vocabSize) };
  const headParams = d * cfg.vocabSize;
  const finalNormParams = cfg.arch === 'memoryformer' ? d : 2 * d;
  const lmHead = {
    flops: seqLen * headParams,
    params: headParams,
    bytes: storageBytes(headParams, d),
    finalNormParams,
  };
  const smallParams = blocks.params.other + finalNormParams;
  const large = addBytes(addBytes(blocks.weightBytes, embedding.bytes), lmHead.bytes);
  return {
    config: cfg,
    perBlock,
    blocks,
    embedding,
    lmHead,
    total: {
      paperFlops: blocks.paper.total + lmHead.flops,
      detailedFlops: blocks.detailed.total + lmHead.flops,
      params: blocks.params.total + embedParams + headParams + finalNormParams,
      bytes: addBytes(large, { fp32: 4 * smallParams, fp16: 4 * smallParams, int8: 4 * smallParams }),
    },
  };
}

/** The MemoryFormer a dense config is compared with: same d, layers, heads, vocab; tau etc. from the config. */
export function memoryformerCounterpart(cfg: ModelConfig): ModelConfig {
  return validateConfig({ ...cfg, arch: 'memoryformer' });
}

/** 100 * (1 - memoryformer / dense): positive = MemoryFormer needs less, negative = more. */
export function savingPercent(memoryformer: number, dense: number): number {
  return dense === 0 ? 0 : 100 * (1 - memoryformer / dense);
}

/**
 * What `memoryformer flops --json` prints and the dashboard reads. All FLOPs are counts (not G),
 * all bytes are bytes, all params are counts; savings are percentages.
 */
export interface FlopsReport {
  /** Sequence length s the FLOPs are counted at. */
  seqLen: number;
  convention: string;
  /** Preset name when the config came from one (or from a config that names one), else null. */
  preset: string | null;
  /** Which of the two models the user asked about; the other is its counterpart. */
  subject: 'memoryformer' | 'dense';
  memoryformer: ModelAccount;
  dense: ModelAccount;
  /** 100 * (1 - memoryformer / dense) per figure; negative where MemoryFormer needs more. */
  savingPercent: {
    perBlock: {
      paper: { withoutAttention: number; total: number };
      detailed: { withoutAttention: number; total: number };
      params: number;
      weightBytesFp16: number;
    };
    model: { paperFlops: number; detailedFlops: number; params: number };
  };
  notes: string[];
}

export function flopsReport(cfg: ModelConfig, seqLen: number, preset: string | null = null): FlopsReport {
  validateConfig(cfg);
  const mfCfg = cfg.arch === 'memoryformer' ? cfg : memoryformerCounterpart(cfg);
  const denseCfg = cfg.arch === 'dense' ? cfg : validateConfig(denseCounterpart(cfg));
  const mf = modelAccount(mfCfg, seqLen);
  const dn = modelAccount(denseCfg, seqLen);
  const pm = mf.perBlock;
  const pd = dn.perBlock;
  return {
    seqLen,
    convention: FLOP_CONVENTION,
    preset,
    subject: cfg.arch,
    memoryformer: mf,
    dense: dn,
    savingPercent: {
      perBlock: {
        paper: {
          withoutAttention: savingPercent(pm.paper.withoutAttention, pd.paper.withoutAttention),
          total: savingPercent(pm.paper.total, pd.paper.total),
        },
        detailed: {
          withoutAttention: savingPercent(pm.detailed.withoutAttention, pd.detailed.withoutAttention),
          total: savingPercent(pm.detailed.total, pd.detailed.total),
        },
        params: savingPercent(pm.params.total, pd.params.total),
        weightBytesFp16: savingPercent(pm.weightBytes.fp16, pd.weightBytes.fp16),
      },
      model: {
        paperFlops: savingPercent(mf.total.paperFlops, dn.total.paperFlops),
        detailedFlops: savingPercent(mf.total.detailedFlops, dn.total.detailedFlops),
        params: savingPercent(mf.total.params, dn.total.params),
      },
    },
    notes: [
      'paper = the paper\'s formulas (standard block 2 s^2 d + 12 s d^2, MemoryFormer block 2 s^2 d + 6 K s d); they reproduce its Table 1.',
      'detailed = counted from layer shapes: Memory Layer s*K*out row sums + 2*s*n hashing (K and V reuse Q\'s hash), dense layer s*in*out, attention 2 s^2 d over the full s x s grid; norms, biases, softmax and rotary ignored.',
      'The LM head (s * d * vocab) and the embedding are not part of the per-block figures.',
      'int8 bytes = one byte per value plus one fp32 scale per table/matrix row.',
    ],
  };
}
