/**
 * Evaluates a model folder the way the language server runs it: the ONNX graph for bits per byte,
 * and for line completion the generated tokens through the native decoder wherever
 * server/src/engine/execution-plan.ts sends them there (or as `decode` says).
 */
import { loadEngines, type DecodeWay } from '../engine/load-runner.js';
import type { ProviderChoice } from '../engine/ort.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import { evaluate, type EvalOptions, type EvalReport } from './evaluate.js';
import type { SourceFile } from './source-files.js';

export type { DecodeWay } from '../engine/load-runner.js';

export interface ModelDirEvalOptions extends Partial<EvalOptions> {
  provider?: ProviderChoice;
  threads?: number;
  /** Default: the language server's choice. */
  decode?: DecodeWay;
}

export async function evaluateModelDir(dir: string, tokenizer: Tokenizer, files: SourceFile[], o: ModelDirEvalOptions = {}): Promise<EvalReport & { decode: DecodeWay }> {
  const { provider, threads, decode, ...evalOpts } = o;
  const { runner, decoder } = await loadEngines(dir, { provider: provider ?? 'cpu', intraOpThreads: threads, decode });
  try {
    return { decode: decoder ? 'native' : 'onnx', ...(await evaluate(runner, tokenizer, files, evalOpts, decoder)) };
  } finally {
    await decoder?.dispose();
    await runner.dispose();
  }
}
