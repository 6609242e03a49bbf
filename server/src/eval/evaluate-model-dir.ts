/**
 * Evaluates a model folder the way the language server runs it: the ONNX graph for bits per byte,
 * and for line completion the generated tokens through the native decoder wherever
 * server/src/engine/execution-plan.ts sends them there (or as `decode` says).
 */
import { loadDecoder, loadRunner } from '../engine/load-runner.js';
import { useNativeDecode } from '../engine/execution-plan.js';
import type { ProviderChoice } from '../engine/ort.js';
import { kernelInfo } from '../kernels/memory-layer-kernel.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import { evaluate, type EvalOptions, type EvalReport } from './evaluate.js';
import type { SourceFile } from './source-files.js';

export type DecodeWay = 'native' | 'onnx';

export interface ModelDirEvalOptions extends Partial<EvalOptions> {
  provider?: ProviderChoice;
  threads?: number;
  /** Default: the language server's choice. */
  decode?: DecodeWay;
}

export async function evaluateModelDir(dir: string, tokenizer: Tokenizer, files: SourceFile[], o: ModelDirEvalOptions = {}): Promise<EvalReport & { decode: DecodeWay }> {
  const { provider, threads, decode, ...evalOpts } = o;
  const runner = await loadRunner(dir, { provider: provider ?? 'cpu', intraOpThreads: threads });
  try {
    const native = decode === undefined ? useNativeDecode(runner.config, runner.provider, kernelInfo()) : decode === 'native';
    if (native && runner.config.arch !== 'memoryformer') throw new Error(`native decoding needs a MemoryFormer; ${dir} holds a ${runner.config.arch} model`);
    const decoder = native ? await loadDecoder(dir) : undefined;
    try {
      return { decode: native ? 'native' : 'onnx', ...(await evaluate(runner, tokenizer, files, evalOpts, decoder)) };
    } finally {
      await decoder?.dispose();
    }
  } finally {
    await runner.dispose();
  }
}
