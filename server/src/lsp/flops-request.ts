/**
 * memoryformer/flops: the FLOPs and memory report of the model completions are served from, for the
 * dashboard. Computed on the main thread from the model folder's config.json (a pure function of the
 * config: no weights are read, the model worker is not asked).
 */
import type { FlopsParams, ModelInfo } from '../../../protocol/lsp.js';
import { flopsReport, type FlopsReport } from '../model/flops.js';
import { readModelConfig } from '../model/model-dir.js';

export class FlopsUnavailable extends Error {
  override name = 'FlopsUnavailable';
  /** True when no real model is loaded (NoModel), false when the params are wrong. */
  constructor(message: string, readonly noModel: boolean) {
    super(message);
  }
}

/** Counts at params.seqLen, else at the model's context length. Throws FlopsUnavailable without a real model. */
export async function loadedModelFlops(modelDir: string | undefined, info: ModelInfo | undefined, params: FlopsParams | undefined): Promise<FlopsReport> {
  if (!modelDir || !info || info.provider === 'test') {
    throw new FlopsUnavailable('no model folder is loaded (the FLOPs report needs a real model\'s config.json); load one with --model or memoryformer/setModel', true);
  }
  const seqLen = params?.seqLen ?? info.maxContext;
  if (!Number.isInteger(seqLen) || seqLen < 1 || seqLen > 1 << 20) {
    throw new FlopsUnavailable(`seqLen must be an integer in [1, 1048576], got ${JSON.stringify(params?.seqLen)}`, false);
  }
  const { config } = await readModelConfig(modelDir);
  return flopsReport(config, seqLen, info.preset);
}
