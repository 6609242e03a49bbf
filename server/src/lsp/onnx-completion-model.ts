/**
 * The real CompletionModel: a model folder (config.json, model.safetensors, tokenizer.json) run
 * by the engine's FimCompleter. This adapter is the one place where the language server's
 * interface meets the engine (the engine does not know the interface exists).
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { loadEngines } from '../engine/load-runner.js';
import { FimCompleter, fimOptionsFor } from '../engine/fim-completer.js';
import type { ProviderChoice } from '../engine/ort.js';
import { loadTokenizer } from '../tokenizer/storage.js';
import type { NativeDecoder } from '../engine/native-decoder.js';
import { kernelInfo } from '../kernels/memory-layer-kernel.js';
import { bytesAsStored, modelAccount } from '../model/flops.js';
import { executionPlan } from '../engine/execution-plan.js';
import type { ModelConfig } from '../model/config.js';
import type { ModelProfile } from '../../../protocol/lsp.js';
import type { CompletionModel, CompletionModelInfo, CompletionRequest, CompletionResult } from './completion-model.js';

export const TOKENIZER_FILE = 'tokenizer.json';

export async function loadOnnxCompletionModel(dir: string, opts: { provider?: ProviderChoice; threads?: number } = {}): Promise<CompletionModel> {
  const tokPath = join(dir, TOKENIZER_FILE);
  if (!existsSync(tokPath)) throw new Error(`model folder ${dir} has no ${TOKENIZER_FILE}: a completion model needs the tokenizer it was trained with`);
  const tokenizer = await loadTokenizer(tokPath);
  // MemoryFormers on the CPU run prompt and generated tokens through the addon's whole-token
  // decoder when it loaded; execution-plan.ts says when, and why.
  const { runner, decoder } = await loadEngines(dir, { provider: opts.provider ?? 'cpu', intraOpThreads: opts.threads });
  if (runner.config.vocabSize < tokenizer.vocabSize) {
    await decoder?.dispose();
    await runner.dispose();
    throw new Error(`model in ${dir} has a vocabulary of ${runner.config.vocabSize} but its tokenizer has ${tokenizer.vocabSize} tokens: they were not trained together`);
  }
  return new OnnxCompletionModel(dir, new FimCompleter(runner, tokenizer, fimOptionsFor(runner.cache.capacity), decoder), decoder);
}

class OnnxCompletionModel implements CompletionModel {
  constructor(
    private readonly dir: string,
    private readonly completer: FimCompleter,
    private readonly decoder?: NativeDecoder,
  ) {}

  private get config(): ModelConfig {
    return this.completer.runner.config;
  }

  info(): CompletionModelInfo {
    return {
      name: basename(this.dir),
      preset: `${this.config.arch} d=${this.config.dModel} L=${this.config.nLayers}${this.decoder ? ', native kernels' : ''}`,
      arch: this.config.arch,
      provider: this.completer.runner.provider,
      vocabSize: this.config.vocabSize,
      maxContext: this.completer.runner.cache.capacity,
    };
  }

  async complete(req: CompletionRequest, signal: AbortSignal, onToken?: (textSoFar: string) => boolean): Promise<CompletionResult> {
    const r = await this.completer.complete(req, signal, onToken);
    return { text: r.text, tokens: r.tokens, promptTokens: r.promptTokens, reusedTokens: r.reusedTokens, ms: r.ms };
  }

  /** FLOPs per generated token (no attention; the paper's accounting) and table memory per block. */
  profile(): ModelProfile {
    const acc = modelAccount(this.config, 1);
    const perBlockBytes = bytesAsStored(this.config, acc.perBlock.weightBytes);
    return {
      flopsPerToken: acc.total.detailedFlops,
      tableBytesTotal: perBlockBytes * this.config.nLayers,
      layers: Array.from({ length: this.config.nLayers }, (_, layer) => ({
        layer,
        flopsPerToken: acc.perBlock.detailed.total,
        tableBytes: perBlockBytes,
      })),
      execution: executionPlan(this.config, this.completer.runner.provider, kernelInfo()),
    };
  }

  async dispose(): Promise<void> {
    await this.decoder?.dispose();
    await this.completer.runner.dispose();
  }
}
