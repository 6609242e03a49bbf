/** Opens a model directory (config.json + model.safetensors) as a ModelRunner. */
import { loadModel } from '../model/model-dir.js';
import { graphWeightsFromStored } from '../model/graph-weights.js';
import { ModelRunner, type RunnerOptions } from './model-runner.js';

export async function loadRunner(dir: string, opts: RunnerOptions = {}): Promise<ModelRunner> {
  const { config, tensors } = await loadModel(dir);
  return ModelRunner.create(config, graphWeightsFromStored(tensors), opts);
}
