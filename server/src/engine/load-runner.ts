/** Opens a model directory (config.json + model.safetensors) as a ModelRunner, or as a NativeDecoder. */
import { loadModel } from '../model/model-dir.js';
import { graphWeightsFromStored } from '../model/graph-weights.js';
import { ModelRunner, type RunnerOptions } from './model-runner.js';
import { NativeDecoder, type NativeDecoderOptions } from './native-decoder.js';

export async function loadRunner(dir: string, opts: RunnerOptions = {}): Promise<ModelRunner> {
  const { config, tensors } = await loadModel(dir);
  return ModelRunner.create(config, graphWeightsFromStored(tensors), opts);
}

/** The one-token decoder over a MemoryFormer model directory's weights (see native-decoder.ts). */
export async function loadDecoder(dir: string, opts: NativeDecoderOptions = {}): Promise<NativeDecoder> {
  const { config, tensors } = await loadModel(dir);
  return NativeDecoder.create(config, graphWeightsFromStored(tensors), opts);
}
