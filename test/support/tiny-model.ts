/** A tiny random model for engine tests: every parameter random (biases and norms too). */
import { getPreset, type ModelConfig } from '../../server/src/model/config.js';
import { initWeights, weightSpecs } from '../../server/src/model/weights.js';
import { fromFloat32, type GraphWeights } from '../../server/src/model/graph-weights.js';

export function tinyConfig(arch: 'memoryformer' | 'dense'): ModelConfig {
  // hd = 16 with rotaryFraction 0.5 gives 8 rotary dims (4 frequencies) per head.
  return { ...getPreset('code-mini'), arch, vocabSize: 61, dModel: 32, nHeads: 2, nLayers: 2, tau: 4, expandBits: 2, rotaryFraction: 0.5, tableDtype: 'float32', hashTemperature: 0.8 };
}

export function graphWeights(cfg: ModelConfig, seed: number): { w: Map<string, Float32Array>; gw: GraphWeights } {
  const w = initWeights(cfg, { seed, randomizeAll: true });
  // Larger tables than the default init make table errors visible against the biases.
  for (const s of weightSpecs(cfg)) if (s.role === 'table') w.get(s.name)!.forEach((_, i, a) => (a[i]! *= 10));
  return { w, gw: fromFloat32(w, new Map(weightSpecs(cfg).map((s) => [s.name, s.shape]))) };
}
