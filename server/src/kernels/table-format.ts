/**
 * How a Memory Layer table is stored for the CPU kernels, and conversions from float32 in plain
 * TypeScript (the native addon does the same conversions faster; tests check both agree bit for bit).
 *
 * - dtype 'fp32': Float32Array. 'fp16': IEEE half bits in a Uint16Array (round to nearest even).
 *   'int8': Int8Array plus one float32 scale per row: value = q * scale, scale = maxabs(row) / 127
 *   (1 for an all-zero row), q = roundHalfEven(float32(v / scale)).
 * - layout 'row': [rows, out] row-major; best for one token (decode): each selected row is one
 *   contiguous stream. 'tiled': [ceil(out/64)][rows][64], the last tile zero-padded; best for many
 *   tokens: one 64-column tile of every row a token block needs is a 256-byte (fp32) read.
 */

export type TableDtype = 'fp32' | 'fp16' | 'int8';
export type TableLayout = 'row' | 'tiled';
export type TableData = Float32Array | Uint16Array | Int8Array;

/** Output columns per tile in the 'tiled' layout (must match MLK_TILE in server/native/mlk.h). */
export const TILE = 64;
/** Largest tau the kernels accept (2^16 rows per chunk). */
export const MAX_TAU = 16;

export const DTYPES: readonly TableDtype[] = ['fp32', 'fp16', 'int8'];
export const LAYOUTS: readonly TableLayout[] = ['row', 'tiled'];

/** Number of stored values for a table of `rows` rows and `out` columns in a layout. */
export function storedLength(rows: number, out: number, layout: TableLayout): number {
  return layout === 'tiled' ? Math.ceil(out / TILE) * rows * TILE : rows * out;
}

/** Element offset of (row, column) in a layout. */
export function elementOffset(row: number, col: number, rows: number, out: number, layout: TableLayout): number {
  if (layout === 'row') return row * out + col;
  const tile = Math.floor(col / TILE);
  return (tile * rows + row) * TILE + (col - tile * TILE);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Float32 -> IEEE half bits, round to nearest even; overflow to infinity (same as mlk_float_to_half). */
export function floatToHalf(v: number): number {
  f32[0] = v;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const a = x & 0x7fffffff;
  if (a >= 0x7f800000) return sign | 0x7c00 | (a > 0x7f800000 ? 0x200 | ((a >>> 13) & 0x3ff) : 0);
  if (a >= 0x477ff000) return sign | 0x7c00;
  if (a < 0x38800000) {
    if (a < 0x33000000) return sign;
    const e = a >>> 23;
    const mant = (a & 0x7fffff) | 0x800000;
    const shift = 126 - e;
    let q = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (q & 1) === 1)) q++;
    return sign | q;
  }
  let h = (a - 0x38000000) >>> 13;
  const rem = a & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1) === 1)) h++;
  return sign | h;
}

/** IEEE half bits -> number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  if (exp === 0) return sign * mant * 2 ** -24;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

let halfTable: Float32Array | null = null;
/** All 65536 half values decoded, for fast table reads in the TypeScript kernels. */
export function halfLookup(): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = halfToFloat(h);
  }
  return halfTable;
}

/** Round half to even (what C's nearbyintf does in the default rounding mode). */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v - Math.trunc(v)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** int8 scale of one row: maxabs / 127 in float32, 1 for an all-zero row. */
export function int8Scale(src: Float32Array, offset: number, count: number): number {
  return int8ScaleOfMax(maxAbs(src, offset, count));
}

/** The int8 scale for a row whose largest magnitude is m: m / 127 in float32, 1 when m is 0. */
export function int8ScaleOfMax(m: number): number {
  return m > 0 ? Math.fround(m / 127) : 1;
}

export function maxAbs(src: Float32Array, offset: number, count: number): number {
  let m = 0;
  for (let j = 0; j < count; j++) m = Math.max(m, Math.abs(src[offset + j]!));
  return m;
}

export function quantiseInt8(v: number, scale: number): number {
  const q = roundHalfEven(Math.fround(v / scale));
  return q > 127 ? 127 : q < -127 ? -127 : q;
}

/**
 * Converts a float32 row-major table [rows, out] to dtype/layout in TypeScript. int8 rows take
 * `rowScales` when given (tables that share scales), else their own maxabs / 127.
 */
export function packTableTs(
  src: Float32Array, rows: number, out: number, dtype: TableDtype, layout: TableLayout, rowScales?: Float32Array,
): { data: TableData; scales: Float32Array | null } {
  const len = storedLength(rows, out, layout);
  const data: TableData = dtype === 'fp32' ? new Float32Array(len) : dtype === 'fp16' ? new Uint16Array(len) : new Int8Array(len);
  const scales = dtype === 'int8' ? new Float32Array(rows) : null;
  for (let r = 0; r < rows; r++) {
    const so = r * out;
    const scale = scales ? (scales[r] = rowScales ? rowScales[r]! : int8Scale(src, so, out)) : 1;
    for (let j = 0; j < out; j++) {
      const v = src[so + j]!;
      const o = elementOffset(r, j, rows, out, layout);
      data[o] = dtype === 'fp32' ? v : dtype === 'fp16' ? floatToHalf(v) : quantiseInt8(v, scale);
    }
  }
  return { data, scales };
}

/**
 * The float32 row-major table [rows, out] that a packed table stands for (the values the kernels
 * compute with): tests compare the kernels against the float64 reference evaluated on this.
 */
export function unpackTable(
  data: TableData, scales: Float32Array | null, rows: number, out: number, dtype: TableDtype, layout: TableLayout,
): Float32Array {
  const y = new Float32Array(rows * out);
  const half = dtype === 'fp16' ? halfLookup() : null;
  for (let r = 0; r < rows; r++) {
    const scale = scales ? scales[r]! : 1;
    for (let j = 0; j < out; j++) {
      const v = data[elementOffset(r, j, rows, out, layout)]!;
      y[r * out + j] = dtype === 'fp32' ? v : dtype === 'fp16' ? half![v]! : Math.fround(v * scale);
    }
  }
  return y;
}

/** A Memory Layer table ready for the kernels (create it with createMemoryTable). */
export interface MemoryTable {
  readonly dtype: TableDtype;
  readonly layout: TableLayout;
  /** Stored values: Float32Array (fp32), Uint16Array of half bits (fp16), Int8Array (int8). */
  readonly data: TableData;
  /** int8 only: one scale per row (value = q * scale); null otherwise. */
  readonly scales: Float32Array | null;
  /** Chunks; the layer's input width is n = K * tau. */
  readonly K: number;
  readonly tau: number;
  /** Output width. */
  readonly out: number;
  /** K * 2^tau. */
  readonly rows: number;
}
