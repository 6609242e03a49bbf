/**
 * The model (MemoryFormer and dense) written once over the differentiable rules, exactly as
 * spec'd in docs/ (and as server/src/model/onnx-model.ts builds it for inference, without the KV
 * cache). The tape derives the backward from this definition.
 */
import type { Value } from '../onnx/graph.js';
import { dims, type ModelConfig } from '../model/config.js';
import type { Tape } from './tape.js';
import { add, reshape, transpose } from './rules/shape.js';
import { layerNorm, rmsNorm } from './rules/norms.js';
import { embedding, gelu, linear } from './rules/linear.js';
import { memoryLayer } from './rules/memory-layer.js';
import { causalAttention, rotary } from './rules/attention.js';

export interface ModelInputs {
  /** Parameter values by weight name. */
  param: (name: string) => Value;
  ids: Value; // [B,S] int32
  cos: Value | null; // [S, r/2]
  sin: Value | null;
  bias: Value; // [S, S] causal
}

export interface ModelDefOptions {
  /** Called with each Memory Layer's input (tests check that no input sits on a bucket boundary). */
  onMemoryInput?: (x: Value, name: string) => void;
}

/** Positional inputs of attention: rotary angles (null when no dims rotate) and the causal bias. */
export interface AttentionInputs {
  cos: Value | null;
  sin: Value | null;
  bias: Value;
}

/** Causal multi-head attention of [B, S, d] queries, keys and values (rotary on q and k), no output projection. */
export function attention(t: Tape, cfg: ModelConfig, B: number, S: number, q: Value, k: Value, v: Value, io: AttentionInputs): Value {
  const dm = dims(cfg);
  const d = cfg.dModel;
  const H = cfg.nHeads;
  const hd = dm.headDim;
  const toHeads = (x: Value) => transpose(t, reshape(t, x, [B, S, d], [B, S, H, hd]), [0, 2, 1, 3]);
  let qh = toHeads(q);
  let kh = toHeads(k);
  if (io.cos && io.sin) {
    qh = rotary(t, qh, hd, dm.rotaryDims, io.cos, io.sin);
    kh = rotary(t, kh, hd, dm.rotaryDims, io.cos, io.sin);
  }
  const a = causalAttention(t, qh, kh, toHeads(v), io.bias, hd);
  return reshape(t, transpose(t, a, [0, 2, 1, 3]), [B, S, H, hd], [B, S, d]);
}

/** Builds the forward pass on the tape; returns the logits [B, S, vocab]. */
export function defineModel(t: Tape, cfg: ModelConfig, B: number, S: number, io: ModelInputs, opts: ModelDefOptions = {}): Value {
  const dm = dims(cfg);
  const d = cfg.dModel;
  const P = io.param;
  const attend = (q: Value, k: Value, v: Value) => attention(t, cfg, B, S, q, k, v, io);
  const mlShape = (n: number, tau: number) => ({ B, S, n, tau, temperature: cfg.hashTemperature });

  let x = embedding(t, P('embed.weight'), 'embed.weight', io.ids);
  for (let i = 0; i < cfg.nLayers; i++) {
    const p = `blocks.${i}.`;
    if (cfg.arch === 'memoryformer') {
      const h = rmsNorm(t, x, P(p + 'norm1.weight'), cfg.normEps);
      opts.onMemoryInput?.(h, `${p}attn`);
      const [q, k, v] = memoryLayer(
        t,
        h,
        ['q', 'k', 'v'].map((n) => ({ table: P(`${p}attn.${n}.table`), name: `${p}attn.${n}.table`, bias: P(`${p}attn.${n}.bias`), out: d })),
        mlShape(d, cfg.tau),
        `l${i}_qkv`,
      ) as [Value, Value, Value];
      x = add(t, x, attend(q, k, v)); // no output projection (paper)
      const h2 = rmsNorm(t, x, P(p + 'norm2.weight'), cfg.normEps);
      opts.onMemoryInput?.(h2, `${p}ml1`);
      const [u] = memoryLayer(t, h2, [{ table: P(p + 'ml1.table'), name: p + 'ml1.table', bias: P(p + 'ml1.bias'), out: dm.expandedWidth }], mlShape(d, cfg.tau), `l${i}_ml1`);
      const un = layerNorm(t, u!, P(p + 'ln.weight'), P(p + 'ln.bias'), cfg.normEps);
      opts.onMemoryInput?.(un, `${p}ml2`);
      const [y] = memoryLayer(t, un, [{ table: P(p + 'ml2.table'), name: p + 'ml2.table', bias: P(p + 'ml2.bias'), out: d }], mlShape(dm.expandedWidth, dm.ml2Tau), `l${i}_ml2`);
      x = add(t, x, y!);
    } else {
      const h = layerNorm(t, x, P(p + 'norm1.weight'), P(p + 'norm1.bias'), cfg.normEps);
      const sq = { B, S, in: d, out: d };
      const proj = (n: string) => linear(t, h, P(`${p}attn.${n}.weight`), P(`${p}attn.${n}.bias`), sq, `l${i}_${n}`);
      const a = attend(proj('q'), proj('k'), proj('v'));
      x = add(t, x, linear(t, a, P(p + 'attn.o.weight'), P(p + 'attn.o.bias'), sq, `l${i}_o`));
      const h2 = layerNorm(t, x, P(p + 'norm2.weight'), P(p + 'norm2.bias'), cfg.normEps);
      const up = gelu(t, linear(t, h2, P(p + 'mlp.up.weight'), P(p + 'mlp.up.bias'), { B, S, in: d, out: dm.ffnDim }, `l${i}_up`));
      x = add(t, x, linear(t, up, P(p + 'mlp.down.weight'), P(p + 'mlp.down.bias'), { B, S, in: dm.ffnDim, out: d }, `l${i}_down`));
    }
  }
  const hf = cfg.arch === 'memoryformer'
    ? rmsNorm(t, x, P('final_norm.weight'), cfg.normEps)
    : layerNorm(t, x, P('final_norm.weight'), P('final_norm.bias'), cfg.normEps);
  return linear(t, hf, P('lm_head.weight'), null, { B, S, in: d, out: cfg.vocabSize }, 'lm_head');
}
