/**
 * FOR PROTOCOL TESTS ONLY: a deterministic stand-in CompletionModel ("test-echo") so the language
 * server can be tested end to end before, and independently of, the real model. It is selected only
 * by `--model-kind test-echo` (or setModel { modelKind: 'test-echo' }) and must never be offered to
 * users: its "completions" just copy the document.
 *
 * How it completes: it finds the longest tail of the prefix (up to 64 characters, at least 2) that
 * also occurs earlier in the prefix, and continues with the text that followed that earlier
 * occurrence (reading on through prefix + suffix), one token at a time. Tokens are runs of word
 * characters, runs of spaces, or single other characters. With no match it returns ''. An optional
 * per-token delay makes cancellation observable.
 */
import type { CompletionModel, CompletionModelInfo, CompletionRequest, CompletionResult } from './completion-model.js';

export interface TestEchoOptions {
  /** Milliseconds to wait before each token (0 = none). */
  tokenDelayMs?: number;
}

const TOKEN = /[\p{L}\p{N}_]+| +|\t+|[^]/gu;

export function tokenizeForTest(text: string): string[] {
  return text.match(TOKEN) ?? [];
}

/** The continuation test-echo would produce for this prefix/suffix, before token limits. */
export function echoContinuation(prefix: string, suffix: string): string {
  const maxTail = Math.min(64, prefix.length - 1);
  for (let len = maxTail; len >= 2; len--) {
    const tail = prefix.slice(prefix.length - len);
    const at = prefix.lastIndexOf(tail, prefix.length - len - 1);
    if (at >= 0) return (prefix + suffix).slice(at + len, prefix.length + suffix.length);
  }
  return '';
}

export class TestEchoModel implements CompletionModel {
  private previousPromptTokens: string[] = [];
  private readonly delayMs: number;

  constructor(options: TestEchoOptions = {}) {
    this.delayMs = Math.max(0, options.tokenDelayMs ?? 0);
  }

  info(): CompletionModelInfo {
    return { name: 'test-echo', preset: 'test', arch: 'dense', provider: 'test', vocabSize: 0, maxContext: 1 << 20 };
  }

  async complete(req: CompletionRequest, signal: AbortSignal, onToken?: (textSoFar: string) => boolean): Promise<CompletionResult> {
    const start = performance.now();
    const prompt = tokenizeForTest(req.prefix.slice(-8192));
    const reusedTokens = commonPrefixLength(prompt, this.previousPromptTokens);
    this.previousPromptTokens = prompt;
    // Only the part of the source after the continuation point is tokenized: O(maxTokens) per call.
    const source = echoContinuation(req.prefix.slice(-65536), req.suffix);
    const pieces = tokenizeForTest(source.slice(0, req.maxTokens * 64)).slice(0, req.maxTokens);
    let text = '';
    let tokens = 0;
    for (const piece of pieces) {
      if (signal.aborted) break;
      if (this.delayMs > 0) await sleep(this.delayMs, signal);
      if (signal.aborted) break;
      text += piece;
      tokens++;
      const stop = req.stop.find((s) => s && text.includes(s));
      if (stop) {
        text = text.slice(0, text.indexOf(stop));
        break;
      }
      if (onToken && !onToken(text)) break;
    }
    return { text, tokens, promptTokens: prompt.length, reusedTokens, ms: performance.now() - start };
  }

  async dispose(): Promise<void> {
    this.previousPromptTokens = [];
  }
}

function commonPrefixLength(a: string[], b: string[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
