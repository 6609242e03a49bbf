/** Opens a model directory (config.json + model.safetensors) as a ModelRunner, with the native decoder where it runs. */
import { loadModel } from '../model/model-dir.js';
import { graphWeightsFromStored } from '../model/graph-weights.js';
import { kernelInfo } from '../kernels/memory-layer-kernel.js';
import { useNativeDecode } from './execution-plan.js';
import { ModelRunner, type RunnerOptions } from './model-runner.js';
import { NativeDecoder } from './native-decoder.js';

export async function loadRunner(dir: string, opts: RunnerOptions = {}): Promise<ModelRunner> {
  const { config, tensors } = await loadModel(dir);
  return ModelRunner.create(config, graphWeightsFromStored(tensors), opts);
}

export type DecodeWay = 'native' | 'onnx';

export interface ModelEngines {
  /** The KV cache, prefix reuse and the ONNX graph. */
  runner: ModelRunner;
  /** Computes prompt and generated tokens instead of the graph, where it runs. */
  decoder?: NativeDecoder;
}

/**
 * A model folder opened for completion, read once: the runner and, where execution-plan.ts sends
 * tokens to the native addon (or `decode` says so), the native decoder. With the decoder the
 * runner's graph is built only if it is ever run.
 */
export async function loadEngines(dir: string, opts: RunnerOptions & { decode?: DecodeWay } = {}): Promise<ModelEngines> {
  const { decode, ...runnerOpts } = opts;
  const { config, tensors } = await loadModel(dir);
  const provider = runnerOpts.provider ?? 'cpu';
  const planned = useNativeDecode(config, provider, kernelInfo()); // false for 'auto': not known yet
  // The graph's weights are made only if the graph is built; the decoder reads the stored tensors.
  const runner = await ModelRunner.create(config, () => graphWeightsFromStored(tensors), { ...runnerOpts, provider, lazy: planned && decode !== 'onnx' });
  const native = decode ? decode === 'native' : useNativeDecode(config, runner.provider, kernelInfo());
  if (native && config.arch !== 'memoryformer') {
    await runner.dispose();
    throw new Error(`native decoding needs a MemoryFormer; ${dir} holds a ${config.arch} model`);
  }
  return { runner, decoder: native ? await NativeDecoder.create(config, tensors) : undefined };
}
