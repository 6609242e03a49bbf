/**
 * The whole model as one ONNX graph that serves both prefill and incremental decoding:
 * it takes the new tokens plus the cached keys/values of earlier positions, and returns logits
 * for the positions asked for and the new keys/values to append to the cache.
 *
 * Inputs  ids [B,S] int32; cos, sin [S, r/2] (rotary angles of the new positions; absent when
 *         r = 0); attn_bias [S, P+S]; past_k.i, past_v.i [B,P,d]; logit_index [n] int32
 * Outputs logits [B,n,vocab]; new_k.i, new_v.i [B,S,d]; optionally block_out.i [B,S,d]
 *
 * Positional inputs are computed in JavaScript (model-inputs.ts): that keeps integer index
 * arithmetic out of the graph, so every node can stay on a GPU provider.
 */
import { Graph, type Value } from '../onnx/graph.js';
import { Ops } from '../onnx/ops.js';
import { encodeModel } from '../onnx/encode.js';
import { dims, validateConfig, type ModelConfig } from './config.js';
import { concatColumns, getWeight, type GraphWeights } from './graph-weights.js';
import { attention, linear, memoryLayer, tableInit, type AttentionIo } from './onnx-layers.js';

export interface ModelGraphOptions {
  /** Also output each block's result (block_out.i), for block-level tests. */
  blockOutputs?: boolean;
}

export interface ModelGraph {
  bytes: Uint8Array;
  /** Number of nodes, for reports. */
  nodeCount: number;
}

export const inputNames = {
  ids: 'ids',
  cos: 'cos',
  sin: 'sin',
  bias: 'attn_bias',
  logitIndex: 'logit_index',
  pastK: (i: number) => `past_k.${i}`,
  pastV: (i: number) => `past_v.${i}`,
};
export const outputNames = {
  logits: 'logits',
  newK: (i: number) => `new_k.${i}`,
  newV: (i: number) => `new_v.${i}`,
  block: (i: number) => `block_out.${i}`,
};

export function buildModelGraph(cfg: ModelConfig, weights: GraphWeights, opts: ModelGraphOptions = {}): ModelGraph {
  validateConfig(cfg);
  const g = new Graph(`${cfg.arch}_lm`);
  const o = new Ops(g);
  const dm = dims(cfg);
  const d = cfg.dModel;
  const W = (name: string) => {
    const t = getWeight(weights, name);
    return g.initializer(name, t.dtype, t.shape, t.data);
  };

  const ids = g.input(inputNames.ids, 'int32', ['batch', 'seq']);
  const hasRotary = dm.rotaryDims > 0;
  const cos = hasRotary ? g.input(inputNames.cos, 'float32', ['seq', dm.rotaryDims / 2]) : null;
  const sin = hasRotary ? g.input(inputNames.sin, 'float32', ['seq', dm.rotaryDims / 2]) : null;
  const bias = g.input(inputNames.bias, 'float32', ['seq', 'total']);
  const logitIndex = g.input(inputNames.logitIndex, 'int32', ['n_logits']);

  let x = o.gather(W('embed.weight'), ids, 0, 'embed'); // [B,S,d]
  const shape = { d, heads: cfg.nHeads, headDim: dm.headDim, rotaryDims: dm.rotaryDims };
  for (let i = 0; i < cfg.nLayers; i++) {
    const io: AttentionIo = {
      cos,
      sin,
      bias,
      pastK: g.input(inputNames.pastK(i), 'float32', ['batch', 'past', d]),
      pastV: g.input(inputNames.pastV(i), 'float32', ['batch', 'past', d]),
    };
    const p = `blocks.${i}.`;
    let newK: Value;
    let newV: Value;
    if (cfg.arch === 'memoryformer') {
      const h = o.rmsNorm(x, W(p + 'norm1.weight'), cfg.normEps);
      // Q, K and V share one hash of h: one lookup into the tables laid side by side.
      const qkvTable = concatColumns(['q', 'k', 'v'].map((n) => getWeight(weights, `${p}attn.${n}.table`)));
      const qkvBias = concatColumns(['q', 'k', 'v'].map((n) => {
        const b = getWeight(weights, `${p}attn.${n}.bias`);
        return { ...b, shape: [1, d] };
      }));
      const qkv = memoryLayer(
        o,
        h,
        { n: d, tau: cfg.tau, temperature: cfg.hashTemperature, out: 3 * d, tableDtype: qkvTable.dtype },
        tableInit(o, `${p}attn.qkv.table`, qkvTable),
        g.initializer(`${p}attn.qkv.bias`, 'float32', [3 * d], qkvBias.data as Float32Array),
        `l${i}_qkv`,
      );
      const [q, k, v] = o.split(qkv, [d, d, d], -1) as [Value, Value, Value];
      const att = attention(o, q, k, v, io, shape);
      newK = att.newK;
      newV = att.newV;
      x = o.add(x, att.out); // no output projection (paper)
      const h2 = o.rmsNorm(x, W(p + 'norm2.weight'), cfg.normEps);
      const ml1Table = getWeight(weights, p + 'ml1.table');
      let u = memoryLayer(
        o,
        h2,
        { n: d, tau: cfg.tau, temperature: cfg.hashTemperature, out: dm.expandedWidth, tableDtype: ml1Table.dtype },
        tableInit(o, p + 'ml1.table', ml1Table),
        W(p + 'ml1.bias'),
        `l${i}_ml1`,
      );
      u = o.layerNorm(u, W(p + 'ln.weight'), W(p + 'ln.bias'), cfg.normEps);
      const ml2Table = getWeight(weights, p + 'ml2.table');
      const y = memoryLayer(
        o,
        u,
        { n: dm.expandedWidth, tau: dm.ml2Tau, temperature: cfg.hashTemperature, out: d, tableDtype: ml2Table.dtype },
        tableInit(o, p + 'ml2.table', ml2Table),
        W(p + 'ml2.bias'),
        `l${i}_ml2`,
      );
      x = o.add(x, y);
    } else {
      const h = o.layerNorm(x, W(p + 'norm1.weight'), W(p + 'norm1.bias'), cfg.normEps);
      const proj = (n: string) => linear(o, h, W(`${p}attn.${n}.weight`), W(`${p}attn.${n}.bias`), `l${i}_${n}`);
      const att = attention(o, proj('q'), proj('k'), proj('v'), io, shape);
      newK = att.newK;
      newV = att.newV;
      x = o.add(x, linear(o, att.out, W(p + 'attn.o.weight'), W(p + 'attn.o.bias'), `l${i}_o`));
      const h2 = o.layerNorm(x, W(p + 'norm2.weight'), W(p + 'norm2.bias'), cfg.normEps);
      const up = o.gelu(linear(o, h2, W(p + 'mlp.up.weight'), W(p + 'mlp.up.bias'), `l${i}_up`));
      x = o.add(x, linear(o, up, W(p + 'mlp.down.weight'), W(p + 'mlp.down.bias'), `l${i}_down`));
    }
    g.output(newK, outputNames.newK(i), 'float32', ['batch', 'seq', d]);
    g.output(newV, outputNames.newV(i), 'float32', ['batch', 'seq', d]);
    if (opts.blockOutputs) g.output(x, outputNames.block(i), 'float32', ['batch', 'seq', d]);
  }
  // Only the positions asked for reach the LM head: decoding needs one row, not S.
  const sel = o.gather(x, logitIndex, 1, 'selected'); // [B,n,d]
  const hf =
    cfg.arch === 'memoryformer'
      ? o.rmsNorm(sel, W('final_norm.weight'), cfg.normEps)
      : o.layerNorm(sel, W('final_norm.weight'), W('final_norm.bias'), cfg.normEps);
  const logits = o.matmul(hf, W('lm_head.weight'), 'lm_head');
  g.output(logits, outputNames.logits, 'float32', ['batch', 'n_logits', cfg.vocabSize]);
  return { bytes: encodeModel(g), nodeCount: g.nodes.length };
}
