/** Opens a model directory (config.json + model.safetensors) as a ModelRunner. */
import { loadModel } from '../model/model-dir.js';
import type { GraphWeights } from '../model/graph-weights.js';
import { ModelRunner, type RunnerOptions } from './model-runner.js';

export async function loadRunner(dir: string, opts: RunnerOptions = {}): Promise<ModelRunner> {
  const { config, tensors } = await loadModel(dir);
  // Stored tensors are already what the graph consumes: float32, or raw half bits for fp16 tables.
  const weights: GraphWeights = tensors;
  return ModelRunner.create(config, weights, opts);
}
