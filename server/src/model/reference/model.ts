/**
 * Whole-model forward pass in plain float64, exactly as the spec states it, for both the
 * MemoryFormer and the dense (Pythia-style, sequential residual) architecture. It is the yardstick
 * for every fast path, so it recomputes everything from scratch (no KV cache, no fusion).
 */
import { dims, type ModelConfig } from '../config.js';
import { numel, weightSpecs } from '../weights.js';
import { expectLength, expectPositiveInt } from './check.js';
import { attentionRef, rotaryRef } from './attention.js';
import { memoryLayerRef } from './memory-layer.js';
import { geluRef, layerNormRef, linearRef, rmsNormRef } from './ops.js';

export type RefWeights = Map<string, ArrayLike<number>>;

/** Checks that every weight the config needs is present with the right number of values. */
export function checkWeightsRef(cfg: ModelConfig, weights: RefWeights): void {
  for (const s of weightSpecs(cfg)) {
    const w = weights.get(s.name);
    if (!w) {
      throw new Error(`reference model: weight '${s.name}' [${s.shape.join(', ')}] is missing; build weights for this exact config (initWeights(cfg, ...) or a checkpoint saved with it)`);
    }
    expectLength(`reference model: weight '${s.name}'`, w, numel(s.shape), `[${s.shape.join(', ')}]`);
  }
}

function get(weights: RefWeights, name: string): ArrayLike<number> {
  const w = weights.get(name);
  if (!w) throw new Error(`reference model: weight '${name}' is missing; build weights for this exact config`);
  return w;
}

/** Rows of embed.weight for each id. Returns [S, d]. */
export function embedRef(cfg: ModelConfig, weights: RefWeights, ids: number[]): Float64Array {
  const d = cfg.dModel;
  const table = get(weights, 'embed.weight');
  const x = new Float64Array(ids.length * d);
  ids.forEach((id, s) => {
    if (!Number.isInteger(id) || id < 0 || id >= cfg.vocabSize) {
      throw new RangeError(`reference model: token id ${id} at position ${s} is outside the vocabulary [0, ${cfg.vocabSize}); was the text tokenized with this model's tokenizer?`);
    }
    for (let i = 0; i < d; i++) x[s * d + i] = table[id * d + i]!;
  });
  return x;
}

/** Adds b into a in place (residual connection). */
function addInto(a: Float64Array, b: ArrayLike<number>): Float64Array {
  for (let i = 0; i < a.length; i++) a[i] = a[i]! + b[i]!;
  return a;
}

/** Rotary on q and k, then causal attention; positions 0..S-1. */
function selfAttention(cfg: ModelConfig, q: Float64Array, k: Float64Array, v: Float64Array, S: number): Float64Array {
  const { headDim, rotaryDims } = dims(cfg);
  const qr = rotaryRef(q, S, cfg.nHeads, headDim, rotaryDims, cfg.rotaryBase);
  const kr = rotaryRef(k, S, cfg.nHeads, headDim, rotaryDims, cfg.rotaryBase);
  return attentionRef(qr, kr, v, S, cfg.nHeads, headDim);
}

function memoryFormerBlock(cfg: ModelConfig, weights: RefWeights, layer: number, x: Float64Array, S: number): Float64Array {
  const d = cfg.dModel;
  const p = `blocks.${layer}.`;
  const { expandedWidth: E, ml2Tau } = dims(cfg);
  const t = cfg.hashTemperature;
  const h = rmsNormRef(x, S, d, get(weights, p + 'norm1.weight'), cfg.normEps);
  // Q, K and V hash the same h; only their tables differ.
  const ml = (name: string) => memoryLayerRef(h, S, d, get(weights, `${p}attn.${name}.table`), get(weights, `${p}attn.${name}.bias`), d, cfg.tau, t);
  addInto(x, selfAttention(cfg, ml('q'), ml('k'), ml('v'), S)); // no output projection
  const h2 = rmsNormRef(x, S, d, get(weights, p + 'norm2.weight'), cfg.normEps);
  const u = memoryLayerRef(h2, S, d, get(weights, p + 'ml1.table'), get(weights, p + 'ml1.bias'), E, cfg.tau, t);
  const un = layerNormRef(u, S, E, get(weights, p + 'ln.weight'), get(weights, p + 'ln.bias'), cfg.normEps);
  return addInto(x, memoryLayerRef(un, S, E, get(weights, p + 'ml2.table'), get(weights, p + 'ml2.bias'), d, ml2Tau, t));
}

function denseBlock(cfg: ModelConfig, weights: RefWeights, layer: number, x: Float64Array, S: number): Float64Array {
  const d = cfg.dModel;
  const p = `blocks.${layer}.`;
  const { ffnDim } = dims(cfg);
  const lin = (input: Float64Array, name: string, inW: number, outW: number) =>
    linearRef(input, S, inW, get(weights, p + name + '.weight'), get(weights, p + name + '.bias'), outW);
  const h = layerNormRef(x, S, d, get(weights, p + 'norm1.weight'), get(weights, p + 'norm1.bias'), cfg.normEps);
  const a = selfAttention(cfg, lin(h, 'attn.q', d, d), lin(h, 'attn.k', d, d), lin(h, 'attn.v', d, d), S);
  addInto(x, lin(a, 'attn.o', d, d));
  const h2 = layerNormRef(x, S, d, get(weights, p + 'norm2.weight'), get(weights, p + 'norm2.bias'), cfg.normEps);
  const up = lin(h2, 'mlp.up', d, ffnDim).map(geluRef);
  return addInto(x, lin(up, 'mlp.down', ffnDim, d));
}

/** One block forward (x: [S, d], positions 0..S-1), for block-level tests. Returns a new array. */
export function blockForwardRef(cfg: ModelConfig, weights: RefWeights, layer: number, x: ArrayLike<number>, S: number): Float64Array {
  if (!Number.isInteger(layer) || layer < 0 || layer >= cfg.nLayers) {
    throw new RangeError(`blockForwardRef: layer must be an integer in [0, nLayers = ${cfg.nLayers}), got ${layer}`);
  }
  expectPositiveInt('blockForwardRef S', S);
  expectLength('blockForwardRef x', x, S * cfg.dModel, `[${S}, ${cfg.dModel}]`);
  const state = Float64Array.from(x);
  return cfg.arch === 'memoryformer' ? memoryFormerBlock(cfg, weights, layer, state, S) : denseBlock(cfg, weights, layer, state, S);
}

/** Final norm (RMSNorm for MemoryFormer, LayerNorm for dense) and the LM head. Returns [S, vocab]. */
export function headRef(cfg: ModelConfig, weights: RefWeights, x: ArrayLike<number>, S: number): Float64Array {
  const d = cfg.dModel;
  const h = cfg.arch === 'memoryformer'
    ? rmsNormRef(x, S, d, get(weights, 'final_norm.weight'), cfg.normEps)
    : layerNormRef(x, S, d, get(weights, 'final_norm.weight'), get(weights, 'final_norm.bias'), cfg.normEps);
  return linearRef(h, S, d, get(weights, 'lm_head.weight'), null, cfg.vocabSize);
}

/**
 * Whole model forward for one sequence. weights: Map name -> Float32Array|Float64Array (names from weightSpecs).
 * ids: token ids of positions 0..S-1. Returns logits [S, vocab] and the hidden state after each block.
 */
export function modelForwardRef(cfg: ModelConfig, weights: RefWeights, ids: number[]): { logits: Float64Array; blockOutputs: Float64Array[] } {
  if (ids.length === 0) throw new RangeError('modelForwardRef: ids is empty; pass at least one token id');
  checkWeightsRef(cfg, weights);
  const S = ids.length;
  let x = embedRef(cfg, weights, ids);
  const blockOutputs: Float64Array[] = [];
  for (let layer = 0; layer < cfg.nLayers; layer++) {
    x = blockForwardRef(cfg, weights, layer, x, S);
    blockOutputs.push(x);
  }
  return { logits: headRef(cfg, weights, x, S), blockOutputs };
}
