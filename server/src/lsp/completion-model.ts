/**
 * What the language server needs from a model, and nothing more: the server knows nothing about
 * ONNX, tokenizers or KV caches, and the model knows nothing about LSP. The real implementation
 * (the engine's adapter) keeps its KV cache between calls to reuse a prompt that extends the
 * previous one, and windows prefix/suffix in tokens with its tokenizer.
 */
import type { ModelProfile } from '../../../protocol/lsp.js';

export interface CompletionModelInfo {
  name: string;
  preset: string;
  arch: 'memoryformer' | 'dense';
  provider: string;
  vocabSize: number;
  maxContext: number;
}

export interface CompletionRequest {
  prefix: string;
  suffix: string;
  maxTokens: number;
  temperature: number;
  topP: number;
  /** stop when the model emits one of these texts */
  stop: string[];
  seed?: number;
}

export interface CompletionResult {
  text: string;
  tokens: number;
  promptTokens: number;
  reusedTokens: number;
  ms: number;
}

export interface CompletionModel {
  info(): CompletionModelInfo;
  /** Resolves with the completion; must stop promptly (between tokens) when signal aborts. onToken streams text. */
  complete(
    req: CompletionRequest,
    signal: AbortSignal,
    onToken?: (textSoFar: string) => boolean /* false = stop */,
  ): Promise<CompletionResult>;
  dispose(): Promise<void>;
  /**
   * Optional (the one addition to the interface the lead was given): engine figures for
   * memoryformer/stats (FLOPs and table bytes per layer, profiler timings per op).
   */
  profile?(): ModelProfile | Promise<ModelProfile>;
}
