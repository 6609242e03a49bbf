/**
 * The addon's whole-token decoder (server/native/mlk_decode.h): one call runs every block of a
 * MemoryFormer and the LM head for one token, so a decoded token crosses from JavaScript into
 * native code once. Available only with the native addon (null otherwise: callers then decode
 * layer by layer with the kernels' TypeScript fallback).
 *
 * The addon keeps raw pointers into the typed arrays of the spec: this object holds the spec for
 * its whole life, so they cannot be collected while the decoder exists.
 */
import { loadNative } from './native-binding.js';
import { DTYPE_CODE, LAYOUT_CODE } from './memory-layer-kernel.js';
import type { MemoryTable } from './table-format.js';

export interface FusedBlock {
  /** Q/K/V tables side by side ([rows, 3d]), row-major, and their bias [3d]. */
  qkv: MemoryTable;
  qkvBias: Float32Array;
  norm1: Float32Array;
  norm2: Float32Array;
  ml1: MemoryTable;
  ml1Bias: Float32Array;
  lnW: Float32Array;
  lnB: Float32Array;
  ml2: MemoryTable;
  ml2Bias: Float32Array;
}

export interface FusedModel {
  d: number;
  nHeads: number;
  vocab: number;
  /** Rotary on the first 2 * rotHalf dims of each head. */
  rotHalf: number;
  eps: number;
  /** Hash temperature. */
  t: number;
  embed: Float32Array;
  finalNorm: Float32Array;
  /** [d, vocab]. */
  lmHead: Float32Array;
  blocks: FusedBlock[];
}

function addonTable(T: MemoryTable): object {
  if (T.layout !== 'row') throw new Error('the fused decoder reads row-major tables');
  return { data: T.data, dtype: DTYPE_CODE[T.dtype], layout: LAYOUT_CODE[T.layout], scales: T.scales, K: T.K, tau: T.tau, out: T.out };
}

export class FusedDecoder {
  private constructor(
    private readonly handle: object,
    /** Held so the arrays the addon points into stay alive (see the file comment). */
    readonly spec: object,
  ) {}

  /** The decoder, or null when the native addon did not load (or is an older build without it). */
  static create(m: FusedModel): FusedDecoder | null {
    const addon = loadNative().addon;
    if (!addon || typeof addon.decoderCreate !== 'function') return null;
    const spec = {
      d: m.d, nLayers: m.blocks.length, nHeads: m.nHeads, vocab: m.vocab, rotHalf: m.rotHalf, eps: m.eps, t: m.t,
      embed: m.embed, finalNorm: m.finalNorm, lmHead: m.lmHead,
      layers: m.blocks.map((b) => ({
        qkv: addonTable(b.qkv), qkvBias: b.qkvBias, norm1: b.norm1, norm2: b.norm2,
        expanded: b.ml1.out, ml1: addonTable(b.ml1), ml1Bias: b.ml1Bias, lnW: b.lnW, lnB: b.lnB,
        ml2: addonTable(b.ml2), ml2Bias: b.ml2Bias,
      })),
    };
    return new FusedDecoder(addon.decoderCreate(spec), spec);
  }

  /**
   * Decodes `token` at position `pos`: writes its keys/values at row pos of each layer's buffers
   * ([capacity, d], token-major), attends over rows 0..pos, writes logits [vocab] (null: skips the
   * LM head, for prompt positions whose prediction is not needed).
   */
  step(token: number, pos: number, cos: Float32Array, sin: Float32Array, keys: Float32Array[], values: Float32Array[], logits: Float32Array | null): void {
    loadNative().addon!.decodeStep(this.handle, token, pos, cos, sin, keys, values, logits);
  }
}
