/**
 * Loads the native Memory Layer addon (server/native, built by scripts/build-native.mjs) if it can.
 * Never throws: a missing or broken addon is reported as `loadError` and the TypeScript fallback
 * is used instead. MEMORYFORMER_KERNELS=fallback skips loading it (to test the fallback);
 * MEMORYFORMER_NATIVE_ADDON=/path/to/memory_layer.node loads a specific build.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** The addon's functions, positional and allocation-free (see server/native/mlk_napi.c). */
export interface NativeAddon {
  forward(
    x: Float32Array, N: number, data: Float32Array | Uint16Array | Int8Array, dtype: number, layout: number,
    scales: Float32Array | null, K: number, tau: number, out: number, bias: Float32Array | null, t: number,
    y: Float32Array, threads: number,
  ): void;
  backward(
    x: Float32Array, N: number, data: Float32Array | Uint16Array | Int8Array, dtype: number, layout: number,
    scales: Float32Array | null, K: number, tau: number, out: number, t: number, dy: Float32Array,
    dx: Float32Array | null, dTable: Float32Array | null, dBias: Float32Array | null, threads: number,
  ): void;
  pack(
    src: Float32Array, rows: number, out: number, dtype: number, layout: number,
    dst: Float32Array | Uint16Array | Int8Array, scales: Float32Array | null,
  ): void;
  /** A zeroed array of `length` values of dtype code 0 / 1 / 2 (fp32 / fp16 bits / int8) starting on a 64-byte boundary. */
  alignedArray(dtype: number, length: number): Float32Array | Uint16Array | Int8Array;
  info(): { isa: string; supported: string[]; openmp: boolean; maxThreads: number };
  setIsa(name: string): boolean;
  readBandwidth(bytes: number, reps: number, threads: number): number;
  /** A whole-model one-token decoder over these weights (server/native/mlk_decode.h); see fused-decoder.ts. */
  decoderCreate(spec: object): object;
  decodeStep(
    handle: object, token: number, pos: number, cos: Float32Array, sin: Float32Array,
    keys: Float32Array[], values: Float32Array[], logits: Float32Array | null,
  ): void;
  /** AdamW's update (server/native/mlk_adamw.h); params = [scale, decay, lr, beta1, beta2, bc1, bc2, eps]. */
  adamw(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, params: Float64Array, rows: Uint8Array | null, width: number, threads: number): void;
  sumSquares(g: Float32Array): number;
}

export interface NativeLoad {
  addon: NativeAddon | null;
  path: string | null;
  /** Why the addon is not in use (null when it is). */
  loadError: string | null;
}

/** Where the addon may be: next to the sources (development) or next to the bundle (dist/native). */
function candidates(): string[] {
  const list: string[] = [];
  const env = process.env.MEMORYFORMER_NATIVE_ADDON;
  if (env) list.push(resolve(env));
  list.push(
    resolve(__dirname, '../../native/build/Release/memory_layer.node'), // server/src/kernels -> server/native
    resolve(__dirname, '../native/memory_layer.node'), // dist/server -> dist/native
    resolve(__dirname, 'native/memory_layer.node'),
  );
  return list;
}

let cached: NativeLoad | null = null;

export function loadNative(): NativeLoad {
  if (cached) return cached;
  if (process.env.MEMORYFORMER_KERNELS === 'fallback') {
    return (cached = { addon: null, path: null, loadError: 'disabled by MEMORYFORMER_KERNELS=fallback' });
  }
  // libgomp (read when the addon loads it) spins ~300k iterations after each parallel region by
  // default; between short ORT runs that takes the cores ORT's threads need (training steps 30% slower
  // on 2 cores, docs/BENCHMARKS.md section 4). A short spin keeps the kernels' own timings.
  process.env.GOMP_SPINCOUNT ??= '10000';
  const tried: string[] = [];
  for (const p of candidates()) {
    if (!existsSync(p)) {
      tried.push(`${p} (not found)`);
      continue;
    }
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const addon = require(p) as NativeAddon;
      addon.info();
      return (cached = { addon, path: p, loadError: null });
    } catch (e) {
      tried.push(`${p} (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  return (cached = {
    addon: null,
    path: null,
    loadError: `native addon not loaded; build it with \`node scripts/build-native.mjs\`. Tried: ${tried.join('; ')}`,
  });
}
