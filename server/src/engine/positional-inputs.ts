/**
 * The position-dependent graph inputs, computed in JavaScript: rotary angles for the new
 * positions and the causal attention bias. (Integer arithmetic in the graph would be placed on
 * the CPU by GPU providers; these are small and cheap here.)
 */
import { dims, type ModelConfig } from '../model/config.js';

/** A large negative bias: exp() of it is 0 in float32, and it never makes a NaN. */
export const MASKED = -1e9;

/** cos/sin [S, r/2] for positions past .. past+S-1 (theta_j = base^(-2j/r)). */
export function rotaryAngles(cfg: ModelConfig, past: number, S: number): { cos: Float32Array; sin: Float32Array; half: number } {
  const r = dims(cfg).rotaryDims;
  const half = r / 2;
  const cos = new Float32Array(S * half);
  const sin = new Float32Array(S * half);
  for (let s = 0; s < S; s++) {
    const pos = past + s;
    for (let j = 0; j < half; j++) {
      const a = pos * Math.pow(cfg.rotaryBase, (-2 * j) / r);
      cos[s * half + j] = Math.cos(a);
      sin[s * half + j] = Math.sin(a);
    }
  }
  return { cos, sin, half };
}

/** [S, past + S]: new position s sees every cached position and new positions <= s. */
export function causalBias(past: number, S: number): Float32Array {
  const T = past + S;
  const b = new Float32Array(S * T);
  for (let s = 0; s < S; s++) {
    for (let t = past + s + 1; t < T; t++) b[s * T + t] = MASKED;
  }
  return b;
}
