/**
 * IEEE 754 binary16 ("half", fp16) <-> binary32 conversion for whole arrays.
 *
 * Node 20 has no Float16Array, so half values are carried as their raw bits in a Uint16Array
 * (the form onnxruntime and safetensors use too). Conversion works on the float32 bit patterns
 * through a Uint32Array view, never through JS numbers, so that NaN payloads, -0 and
 * subnormals come through unchanged and float32 -> float16 rounds exactly once (to nearest,
 * ties to even), as hardware converters do.
 */

/** Rounds float32 bits to half bits: round to nearest, ties to even; overflow -> +-inf. */
export function float32BitsToHalfBits(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) {
    // Inf stays inf; NaN keeps the top 10 payload bits, and stays a NaN when those are all zero.
    if (mant === 0) return sign | 0x7c00;
    return sign | 0x7c00 | (mant >>> 13 || 0x200);
  }
  const e = exp - 112; // re-biased exponent: 127 (float32 bias) - 15 (half bias)
  if (e >= 0x1f) return sign | 0x7c00; // too large for a half: infinity
  if (e > 0) {
    // Normal half. Dropping 13 mantissa bits; a carry out of the mantissa correctly bumps the
    // exponent, and a carry out of the largest exponent correctly gives infinity (0x7c00).
    let h = sign | (e << 10) | (mant >>> 13);
    const rest = mant & 0x1fff;
    if (rest > 0x1000 || (rest === 0x1000 && (h & 1) !== 0)) h++;
    return h;
  }
  // Subnormal half (or zero): value = m * 2^-24 with m = full * 2^(e - 14), full the 24-bit significand.
  if (e < -10) return sign; // below half of the smallest subnormal (2^-25): rounds to +-0
  const full = mant | 0x800000;
  const shift = 14 - e; // 14..24
  let m = full >>> shift;
  const rest = full & ((1 << shift) - 1);
  const halfway = 1 << (shift - 1);
  if (rest > halfway || (rest === halfway && (m & 1) !== 0)) m++; // m = 1024 becomes the smallest normal
  return sign | m;
}

/** Widens half bits to float32 bits (exact: every half is a float32). */
export function halfBitsToFloat32Bits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (mant << 13)) >>> 0;
  if (exp !== 0) return (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0;
  if (mant === 0) return sign >>> 0;
  // Subnormal half: normalise so the leading 1 lands on bit 10 (the implicit bit).
  const shift = Math.clz32(mant) - 21;
  return (sign | ((113 - shift) << 23) | (((mant << shift) & 0x3ff) << 13)) >>> 0;
}

const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

/** One number to half bits (the number is first rounded to float32, as storing it in a Float32Array does). */
export function toHalfBits(x: number): number {
  scratchF32[0] = x;
  return float32BitsToHalfBits(scratchU32[0]!);
}

/** Half bits to the number they encode. */
export function fromHalfBits(h: number): number {
  scratchU32[0] = halfBitsToFloat32Bits(h);
  return scratchF32[0]!;
}

function checkOut(what: string, outLength: number, srcLength: number): void {
  if (outLength !== srcLength) {
    throw new RangeError(`${what}: output has ${outLength} elements but the input has ${srcLength}; pass an output of the same length`);
  }
}

/** Float32 array -> half bits (round to nearest even). */
export function float32ToFloat16(src: Float32Array, out: Uint16Array = new Uint16Array(src.length)): Uint16Array {
  checkOut('float32ToFloat16', out.length, src.length);
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  for (let i = 0; i < bits.length; i++) out[i] = float32BitsToHalfBits(bits[i]!);
  return out;
}

/** Half bits -> float32 array (exact). */
export function float16ToFloat32(src: Uint16Array, out: Float32Array = new Float32Array(src.length)): Float32Array {
  checkOut('float16ToFloat32', out.length, src.length);
  const bits = new Uint32Array(out.buffer, out.byteOffset, out.length);
  for (let i = 0; i < src.length; i++) bits[i] = halfBitsToFloat32Bits(src[i]!);
  return out;
}

/**
 * The values a float32 array takes after a trip through fp16 (what a model saved with fp16
 * tables computes with). `out` may be `src` itself to round in place.
 */
export function roundToFloat16(src: Float32Array, out: Float32Array = new Float32Array(src.length)): Float32Array {
  checkOut('roundToFloat16', out.length, src.length);
  const inBits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  const outBits = new Uint32Array(out.buffer, out.byteOffset, out.length);
  for (let i = 0; i < inBits.length; i++) outBits[i] = halfBitsToFloat32Bits(float32BitsToHalfBits(inBits[i]!));
  return out;
}
