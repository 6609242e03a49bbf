/**
 * Shared by the kernel tests: random inputs, the list of kernel variants to run (every native
 * instruction-set path this CPU has, plus the TypeScript fallback) and error measures.
 */
import { Rng } from '../util/rng.js';
import { kernelInfo, setKernelIsa, type KernelBackend } from './memory-layer-kernel.js';

export interface Shape {
  K: number;
  tau: number;
  out: number;
  N: number;
}

/** Shapes that reach every code path: K not a multiple of 4, out not a multiple of 16 or 64 (partial
 * tiles, masked tails), N not a multiple of the token block and N smaller than the thread count
 * (column split), tau = 8 with K above the tiled kernel's chunk group (several groups), and K above
 * the vector index pass's 16 (AVX-512) and 8 (AVX2) chunks per step with a remainder. */
export const SHAPES: readonly Shape[] = [
  { K: 5, tau: 4, out: 70, N: 7 },
  { K: 13, tau: 8, out: 130, N: 6 },
  { K: 3, tau: 3, out: 16, N: 1 },
  { K: 2, tau: 5, out: 1, N: 3 },
  // N >= 128 turns on the tiled kernel's prefetch of the next chunk group (and of the next tile).
  { K: 6, tau: 6, out: 80, N: 130 },
  { K: 21, tau: 6, out: 40, N: 9 },
  { K: 32, tau: 8, out: 24, N: 5 },
];

export const THREADS = [1, 2, 4] as const;

export function randomArray(rng: Rng, length: number, scale = 1): Float32Array {
  const a = new Float32Array(length);
  for (let i = 0; i < length; i++) a[i] = rng.normal() * scale;
  return a;
}

export interface Variant {
  name: string;
  backend: KernelBackend;
  /** Native instruction-set path, or null for the fallback. */
  isa: string | null;
}

/** Every native path this CPU supports, then the TypeScript fallback. */
export function variants(): Variant[] {
  const info = kernelInfo();
  const list: Variant[] = info.backend === 'native' ? info.supportedIsas.map((isa) => ({ name: `native/${isa}`, backend: 'native' as const, isa })) : [];
  list.push({ name: 'fallback', backend: 'fallback', isa: null });
  return list;
}

/** Switches the native path for a variant (no-op for the fallback). */
export function useVariant(v: Variant): void {
  if (v.isa) setKernelIsa(v.isa);
}

/** Restores the path the addon would choose by itself (the best one). */
export function restoreDefaultIsa(): void {
  const info = kernelInfo();
  if (info.backend === 'native' && info.supportedIsas[0]) setKernelIsa(info.supportedIsas[0]);
}

/** max |a - ref| / max |ref|: error relative to the output's scale (robust to values near zero). */
export function relError(a: ArrayLike<number>, ref: ArrayLike<number>): number {
  if (a.length !== ref.length) throw new Error(`length ${a.length} vs reference ${ref.length}`);
  let err = 0;
  let scale = 0;
  for (let i = 0; i < ref.length; i++) {
    err = Math.max(err, Math.abs(a[i]! - ref[i]!));
    scale = Math.max(scale, Math.abs(ref[i]!));
  }
  if (scale === 0) throw new Error('reference is all zeros: the test inputs are degenerate');
  return Number.isNaN(err) ? Infinity : err / scale;
}

export function bitsEqual(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return false;
  return true;
}
