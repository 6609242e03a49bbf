/**
 * One-token decoding of a MemoryFormer with the Memory Layer kernels. With the native addon the
 * whole token is one addon call (server/native/mlk_decode.c: every block and the LM head), so a
 * decoded token crosses into native code once and into onnxruntime not at all. Without it (or with
 * `fused: false`) the same step runs layer by layer: the Memory Layers through the kernels (native,
 * or their TypeScript fallback), norms, rotary and attention in TypeScript, the LM head as one ORT run.
 *
 * It shares the KvCache layout of ModelRunner (token-major, keys stored after rotary): a prompt can
 * be run here (prefill) or by the ONNX graph, and either continues from what the other cached.
 */
import { dims, type ModelConfig } from '../model/config.js';
import { concatColumns, getWeight } from '../model/graph-weights.js';
import { storedToFloat32, type StoredTensor } from '../model/model-dir.js';
import { Graph } from '../onnx/graph.js';
import { Ops } from '../onnx/ops.js';
import { encodeModel } from '../onnx/encode.js';
import { createMemoryTable, forward as kernelForward, type TableDtype } from '../kernels/memory-layer-kernel.js';
import { FusedDecoder, type FusedBlock } from '../kernels/fused-decoder.js';
import type { KvCache } from './kv-cache.js';
import { rotaryAngles } from './positional-inputs.js';
import { createSession, type EngineSession, type SessionOptions } from './ort.js';

/** One block's weights as the decoder holds them (the same for both ways of decoding). */
type BlockTables = FusedBlock;

/** The kernels' name for a model's table dtype. An int8 model's tables are packed again from the
 * values it stores, giving the stored bytes back: Q/K/V, held as one table with a scale per row, were
 * saved under shared row scales (model-dir.ts). A model saved with a scale per table (before that)
 * has its narrower Q/K/V parts re-quantised to the widest part's scale. */
export function kernelDtypeOf(d: ModelConfig['tableDtype']): TableDtype {
  return d === 'float16' ? 'fp16' : d === 'int8' ? 'int8' : 'fp32';
}



export interface NativeDecoderOptions {
  /** Kernel threads (OpenMP). Default 1: one token's tables are read fastest by one core here. */
  threads?: number;
  /** Table storage in memory; default: the dtype the model was saved with. */
  tableDtype?: TableDtype;
  session?: SessionOptions;
  /** Decode each token in one native call when the addon is loaded (default true). */
  fused?: boolean;
}

export class NativeDecoder {
  /** Addon calls and ORT runs of the last step, to count boundary crossings. */
  lastStep = { addonCalls: 0, ortRuns: 0 };
  private readonly x: Float32Array;
  private readonly h: Float32Array;
  private readonly qkv: Float32Array;
  private readonly u: Float32Array;
  private readonly y: Float32Array;
  private readonly att: Float32Array;

  private constructor(
    readonly cfg: ModelConfig,
    private readonly embed: Float32Array,
    private readonly blocks: BlockTables[],
    private readonly finalNorm: Float32Array,
    private readonly head: EngineSession | null,
    private readonly fused: FusedDecoder | null,
    private readonly threads: number,
  ) {
    const dm = dims(cfg);
    this.x = new Float32Array(cfg.dModel);
    this.h = new Float32Array(cfg.dModel);
    this.qkv = new Float32Array(3 * cfg.dModel);
    this.u = new Float32Array(dm.expandedWidth);
    this.y = new Float32Array(cfg.dModel);
    this.att = new Float32Array(cfg.dModel);
  }

  /**
   * Over a model's stored tensors (int8 tables straight from the file, without the graph's fp16
   * widening) or the graph's weights; each table is widened to float32 only while it is packed.
   */
  static async create(cfg: ModelConfig, weights: ReadonlyMap<string, StoredTensor>, opts: NativeDecoderOptions = {}): Promise<NativeDecoder> {
    if (cfg.arch !== 'memoryformer') throw new Error('NativeDecoder runs MemoryFormer models; dense models run as ONNX graphs');
    const d = cfg.dModel;
    const dm = dims(cfg);
    const W = (n: string) => storedToFloat32(getWeight(weights, n));
    const dtype: TableDtype = opts.tableDtype ?? kernelDtypeOf(cfg.tableDtype);
    const rows = dm.chunks * dm.rowsPerChunk;
    const blocks: BlockTables[] = [];
    for (let i = 0; i < cfg.nLayers; i++) {
      const p = `blocks.${i}.`;
      // One hash serves Q, K and V: their tables side by side, as in the ONNX graph.
      const qkv = concatColumns(['q', 'k', 'v'].map((n) => ({ dtype: 'float32', shape: [rows, d], data: W(`${p}attn.${n}.table`) }))).data as Float32Array;
      const qkvBias = new Float32Array(3 * d);
      ['q', 'k', 'v'].forEach((n, j) => qkvBias.set(W(`${p}attn.${n}.bias`), j * d));
      blocks.push({
        qkv: createMemoryTable(qkv, { K: dm.chunks, tau: cfg.tau, out: 3 * d }, { dtype }),
        qkvBias,
        norm1: W(p + 'norm1.weight'),
        norm2: W(p + 'norm2.weight'),
        ml1: createMemoryTable(W(p + 'ml1.table'), { K: dm.chunks, tau: cfg.tau, out: dm.expandedWidth }, { dtype }),
        ml1Bias: W(p + 'ml1.bias'),
        lnW: W(p + 'ln.weight'),
        lnB: W(p + 'ln.bias'),
        ml2: createMemoryTable(W(p + 'ml2.table'), { K: dm.chunks, tau: dm.ml2Tau, out: d }, { dtype }),
        ml2Bias: W(p + 'ml2.bias'),
      });
    }
    const fused = opts.fused === false ? null : FusedDecoder.create({
      d, nHeads: cfg.nHeads, vocab: cfg.vocabSize, rotHalf: dims(cfg).rotaryDims / 2, eps: cfg.normEps, t: cfg.hashTemperature,
      embed: W('embed.weight'), finalNorm: W('final_norm.weight'), lmHead: W('lm_head.weight'), blocks,
    });
    // Layer by layer, the LM head (the one dense layer left: [1, d] x [d, vocab]) runs in ORT (MLAS GEMV).
    let head: EngineSession | null = null;
    if (!fused) {
      const g = new Graph('lm_head');
      const o = new Ops(g);
      const hIn = g.input('h', 'float32', [1, d]);
      g.output(o.matmul(hIn, g.initializer('lm_head.weight', 'float32', [d, cfg.vocabSize], W('lm_head.weight'))), 'logits', 'float32', [1, cfg.vocabSize]);
      head = await createSession(encodeModel(g), { ...opts.session, provider: 'cpu' });
    }
    return new NativeDecoder(cfg, W('embed.weight'), blocks, W('final_norm.weight'), head, fused, opts.threads ?? 1);
  }

  /** Whether each token is one native call (the addon's whole-token decoder). */
  get isFused(): boolean {
    return this.fused !== null;
  }

  /**
   * Runs `ids` after what `cache` holds, one token per call, and returns the last one's logits.
   * Only the fused decoder skips the LM head of the earlier positions; layer by layer it is
   * step() for each.
   */
  async prefill(ids: readonly number[], cache: KvCache): Promise<Float32Array> {
    if (ids.length === 0) throw new RangeError('prefill needs at least one token');
    if (!this.fused) {
      let logits: Float32Array | undefined;
      for (const id of ids) logits = await this.step(id, cache);
      return logits!;
    }
    const { cfg } = this;
    for (const id of ids) if (!Number.isInteger(id) || id < 0 || id >= cfg.vocabSize) throw new RangeError(`token id ${id} is out of range 0..${cfg.vocabSize - 1}`);
    if (cache.length + ids.length > cache.capacity) throw new RangeError(`context of ${cache.length + ids.length} tokens exceeds the cache's ${cache.capacity}`);
    const bufs = Array.from({ length: cfg.nLayers }, (_, l) => cache.buffers(l));
    const keys = bufs.map((b) => b.keys);
    const values = bufs.map((b) => b.values);
    const logits = new Float32Array(cfg.vocabSize);
    for (let i = 0; i < ids.length; i++) {
      const pos = cache.length;
      const angles = rotaryAngles(cfg, pos, 1);
      this.fused.step(ids[i]!, pos, angles.cos, angles.sin, keys, values, i === ids.length - 1 ? logits : null);
      cache.commit([ids[i]!]);
    }
    this.lastStep = { addonCalls: ids.length, ortRuns: 0 };
    return logits;
  }

  /** Decodes one token after what `cache` holds, appends its keys/values, returns its logits. */
  async step(id: number, cache: KvCache): Promise<Float32Array> {
    const { cfg, x, h, qkv, u, y, att } = this;
    const d = cfg.dModel;
    if (!Number.isInteger(id) || id < 0 || id >= cfg.vocabSize) throw new RangeError(`token id ${id} is out of range 0..${cfg.vocabSize - 1}`);
    const pos = cache.length;
    if (pos + 1 > cache.capacity) throw new RangeError(`context of ${pos + 1} tokens exceeds the cache's ${cache.capacity}`);
    // The same angles the graph gets (positional-inputs.ts), computed once for every layer and head.
    const angles = rotaryAngles(cfg, pos, 1);
    if (this.fused) {
      const bufs = Array.from({ length: cfg.nLayers }, (_, l) => cache.buffers(l));
      const logits = new Float32Array(cfg.vocabSize);
      this.fused.step(id, pos, angles.cos, angles.sin, bufs.map((b) => b.keys), bufs.map((b) => b.values), logits);
      cache.commit([id]);
      this.lastStep = { addonCalls: 1, ortRuns: 0 };
      return logits;
    }
    x.set(this.embed.subarray(id * d, (id + 1) * d));
    const newK: Float32Array[] = [];
    const newV: Float32Array[] = [];
    let addonCalls = 0;
    for (let l = 0; l < cfg.nLayers; l++) {
      const b = this.blocks[l]!;
      rmsNorm(x, b.norm1, cfg.normEps, h);
      kernelForward(h, 1, b.qkv, b.qkvBias, cfg.hashTemperature, qkv, { threads: this.threads });
      addonCalls++;
      const q = qkv.subarray(0, d);
      const k = Float32Array.from(qkv.subarray(d, 2 * d));
      const v = Float32Array.from(qkv.subarray(2 * d, 3 * d));
      rotary(cfg, q, angles.cos, angles.sin);
      rotary(cfg, k, angles.cos, angles.sin);
      attention(cfg, q, k, v, cache.pastKeys(l), cache.pastValues(l), pos, att);
      for (let i = 0; i < d; i++) x[i] = x[i]! + att[i]!;
      rmsNorm(x, b.norm2, cfg.normEps, h);
      kernelForward(h, 1, b.ml1, b.ml1Bias, cfg.hashTemperature, u, { threads: this.threads });
      layerNorm(u, b.lnW, b.lnB, cfg.normEps);
      kernelForward(u, 1, b.ml2, b.ml2Bias, cfg.hashTemperature, y, { threads: this.threads });
      addonCalls += 2;
      for (let i = 0; i < d; i++) x[i] = x[i]! + y[i]!;
      newK.push(k);
      newV.push(v);
    }
    cache.append([id], newK, newV);
    rmsNorm(x, this.finalNorm, cfg.normEps, h);
    const out = await this.head!.run({ h: { type: 'float32', data: h, dims: [1, d] } });
    this.lastStep = { addonCalls, ortRuns: 1 };
    return out.logits!.data as Float32Array;
  }

  async dispose(): Promise<void> {
    await this.head?.release();
  }
}

function rmsNorm(x: Float32Array, w: Float32Array, eps: number, out: Float32Array): void {
  let ss = 0;
  for (let i = 0; i < x.length; i++) ss += x[i]! * x[i]!;
  const inv = 1 / Math.sqrt(ss / x.length + eps);
  for (let i = 0; i < x.length; i++) out[i] = x[i]! * inv * w[i]!;
}

function layerNorm(x: Float32Array, w: Float32Array, b: Float32Array, eps: number): void {
  let mean = 0;
  for (let i = 0; i < x.length; i++) mean += x[i]!;
  mean /= x.length;
  let v = 0;
  for (let i = 0; i < x.length; i++) v += (x[i]! - mean) ** 2;
  const inv = 1 / Math.sqrt(v / x.length + eps);
  for (let i = 0; i < x.length; i++) x[i] = (x[i]! - mean) * inv * w[i]! + b[i]!;
}

/** NeoX rotate-half on the first r dims of each head, in place, with the angles of one position. */
function rotary(cfg: ModelConfig, v: Float32Array, cos: Float32Array, sin: Float32Array): void {
  const hd = dims(cfg).headDim;
  const half = cos.length;
  for (let head = 0; head < cfg.nHeads; head++) {
    const o = head * hd;
    for (let j = 0; j < half; j++) {
      const x1 = v[o + j]!;
      const x2 = v[o + j + half]!;
      v[o + j] = x1 * cos[j]! - x2 * sin[j]!;
      v[o + j + half] = x2 * cos[j]! + x1 * sin[j]!;
    }
  }
}

/** One query over the cached keys/values plus its own, per head. Token-major [T, d] caches. */
function attention(cfg: ModelConfig, q: Float32Array, k: Float32Array, v: Float32Array, pastK: Float32Array, pastV: Float32Array, past: number, out: Float32Array): void {
  const d = cfg.dModel;
  const hd = d / cfg.nHeads;
  const scale = 1 / Math.sqrt(hd);
  const scores = new Float64Array(past + 1);
  for (let head = 0; head < cfg.nHeads; head++) {
    const o = head * hd;
    let max = -Infinity;
    for (let t = 0; t <= past; t++) {
      const keys = t < past ? pastK : k;
      const base = t < past ? t * d + o : o;
      let s = 0;
      for (let j = 0; j < hd; j++) s += q[o + j]! * keys[base + j]!;
      scores[t] = s * scale;
      if (scores[t]! > max) max = scores[t]!;
    }
    let sum = 0;
    for (let t = 0; t <= past; t++) sum += scores[t] = Math.exp(scores[t]! - max);
    for (let j = 0; j < hd; j++) out[o + j] = 0;
    for (let t = 0; t <= past; t++) {
      const vals = t < past ? pastV : v;
      const base = t < past ? t * d + o : o;
      const w = scores[t]! / sum;
      for (let j = 0; j < hd; j++) out[o + j] = out[o + j]! + w * vals[base + j]!;
    }
  }
}
