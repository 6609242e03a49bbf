/**
 * What reduced-precision tables cost in model quality: bits per byte of held-out code with the
 * Memory Layer tables held as fp32, fp16 and int8 (per-row scale), everything else equal. Runs the
 * native decoder token by token from the fp32 master weights of a training checkpoint (the
 * shipped model's tables are already fp16, so they cannot show the fp32 baseline).
 */
import { loadCheckpoint } from '../train/checkpoint.js';
import { weightSpecs } from '../model/weights.js';
import { fromFloat32 } from '../model/graph-weights.js';
import { NativeDecoder } from '../engine/native-decoder.js';
import { KvCache } from '../engine/kv-cache.js';
import { SPECIAL_IDS } from '../tokenizer/special-tokens.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import type { SourceFile } from '../eval/source-files.js';
import type { TableDtype } from '../kernels/memory-layer-kernel.js';
import { Rng } from '../util/rng.js';
import { nextTokenNats } from '../eval/log-likelihood.js';

export interface PrecisionRow {
  dtype: TableDtype;
  bitsPerByte: number;
  /** Relative to fp32, in percent. */
  changePercent: number;
  bytes: number;
  tokens: number;
}

/** -log2 likelihood of the files' tokens, windows of the model's context, one token at a time. */
async function bits(dec: NativeDecoder, tokenizer: Tokenizer, files: SourceFile[], window: number): Promise<{ bits: number; tokens: number }> {
  const cache = new KvCache(dec.cfg.nLayers, dec.cfg.dModel, window);
  let total = 0;
  let tokens = 0;
  for (const f of files) {
    const ids = [SPECIAL_IDS.endOfText, ...tokenizer.encode(f.text)];
    for (let start = 0; start + 1 < ids.length; start += window - 1) {
      cache.truncate(0);
      const chunk = ids.slice(start, start + window);
      for (let i = 0; i + 1 < chunk.length; i++) {
        const logits = await dec.step(chunk[i]!, cache);
        total += nextTokenNats(logits, 0, logits.length, chunk[i + 1]!) / Math.LN2;
        tokens++;
      }
    }
  }
  return { bits: total, tokens };
}

export async function benchPrecision(o: { checkpoint: string; tokenizer: Tokenizer; files: SourceFile[]; maxBytes: number; seed: number; log?: (l: string) => void }): Promise<PrecisionRow[]> {
  const ck = await loadCheckpoint(o.checkpoint);
  const cfg = ck.model;
  if (cfg.arch !== 'memoryformer') throw new Error(`${o.checkpoint} holds a ${cfg.arch} model; table precision applies to MemoryFormer`);
  const gw = fromFloat32(ck.state.weights, new Map(weightSpecs(cfg).map((s) => [s.name, s.shape])));
  const picked: SourceFile[] = [];
  let bytes = 0;
  for (const i of new Rng(o.seed).shuffle(o.files.map((_, j) => j))) {
    if (bytes >= o.maxBytes) break;
    picked.push(o.files[i]!);
    bytes += Buffer.byteLength(o.files[i]!.text);
  }
  const rows: PrecisionRow[] = [];
  for (const dtype of ['fp32', 'fp16', 'int8'] as const) {
    const dec = await NativeDecoder.create(cfg, gw, { tableDtype: dtype, threads: 1 });
    const r = await bits(dec, o.tokenizer, picked, cfg.maxSeqLen);
    await dec.dispose();
    const bpb = r.bits / bytes;
    const base = rows[0]?.bitsPerByte ?? bpb;
    rows.push({ dtype, bitsPerByte: bpb, changePercent: (100 * (bpb - base)) / base, bytes, tokens: r.tokens });
    o.log?.(`${dtype}: ${bpb.toFixed(4)} bits/byte (${rows[rows.length - 1]!.changePercent >= 0 ? '+' : ''}${rows[rows.length - 1]!.changePercent.toFixed(2)}% vs fp32) over ${bytes} bytes, ${r.tokens} tokens`);
  }
  return rows;
}
