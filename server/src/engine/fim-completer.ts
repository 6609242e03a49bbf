/**
 * Code completion at a cursor: a fill-in-the-middle prompt from the text before and after the
 * cursor, generation with the model, and the text it produces. Knows tokenizer, model and cache;
 * knows nothing of editors or LSP.
 *
 * Prompt (SPM order, FIM paper): <|fim_prefix|><|fim_suffix|> suffix <|fim_middle|> prefix
 * The prompt ends with the prefix, so the model continues the text before the cursor, and while
 * the user types (the prefix grows at its end) the KV cache of everything before is reused.
 *
 * Token healing: the prefix's last token may be a partial word ("ret" of "return"). It is removed
 * from the prompt and the first generated token is restricted to tokens starting with its bytes,
 * so the model can choose the whole-word token it saw in training.
 */
import { performance } from 'node:perf_hooks';
import { SPECIAL_IDS, isSpecialId } from '../tokenizer/special-tokens.js';
import { TokenStreamDecoder } from '../tokenizer/stream-decoder.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import { generate, type GenerateOptions } from './generate.js';
import type { ModelRunner } from './model-runner.js';

export interface FimRequest {
  prefix: string;
  suffix: string;
  maxTokens: number;
  temperature: number;
  topP: number;
  /** Generation stops before any of these texts. */
  stop: readonly string[];
  seed?: number;
}

export interface FimResult {
  text: string;
  tokens: number;
  promptTokens: number;
  reusedTokens: number;
  ms: number;
}

export interface FimOptions {
  /** Token budget for the text before the cursor (most of the context: it matters most). */
  prefixTokens: number;
  /** Token budget for the text after the cursor. */
  suffixTokens: number;
  /** Re-generate the prompt's last token under a prefix constraint (see the file comment). */
  tokenHealing: boolean;
  /**
   * Logit penalty for tokens already generated in this completion (CTRL-style: positive logits
   * divided, negative multiplied). Small models loop ("b, b, b, ..."); the prompt is not
   * penalised because code rightly repeats identifiers from its context.
   */
  repetitionPenalty: number;
}

/** Budgets in the spirit of Continue (prefix <= 30%... of 1024) scaled to a small model's context. */
export const DEFAULT_FIM_OPTIONS: FimOptions = { prefixTokens: 384, suffixTokens: 96, tokenHealing: true, repetitionPenalty: 1.2 };

/**
 * The default budgets, shrunk in proportion to fit a model's context while leaving `room` tokens
 * for the completion itself.
 */
export function fimOptionsFor(capacity: number, room = 64): FimOptions {
  const available = capacity - room - 3; // 3 special tokens
  const total = DEFAULT_FIM_OPTIONS.prefixTokens + DEFAULT_FIM_OPTIONS.suffixTokens;
  if (available >= total) return DEFAULT_FIM_OPTIONS;
  const prefixTokens = Math.max(1, Math.floor((available * DEFAULT_FIM_OPTIONS.prefixTokens) / total));
  return { ...DEFAULT_FIM_OPTIONS, prefixTokens, suffixTokens: Math.max(0, available - prefixTokens) };
}

const STOP_IDS = [SPECIAL_IDS.endOfText, SPECIAL_IDS.fileSep, SPECIAL_IDS.fimPrefix, SPECIAL_IDS.fimSuffix, SPECIAL_IDS.fimMiddle, SPECIAL_IDS.pad];

export class FimCompleter {
  /** Calls run one at a time: they share one KV cache. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly tokensStartingWith = new Map<string, number[]>();

  constructor(
    readonly runner: ModelRunner,
    readonly tokenizer: Tokenizer,
    readonly options: FimOptions = DEFAULT_FIM_OPTIONS,
    /** Decodes with the native Memory Layer kernels after the ONNX prefill (MemoryFormer only). */
    readonly decoder?: GenerateOptions['decoder'],
  ) {
    const maxPrompt = options.prefixTokens + options.suffixTokens + 3;
    if (maxPrompt >= runner.cache.capacity) {
      throw new Error(`prompt budget ${maxPrompt} tokens leaves no room to generate in a context of ${runner.cache.capacity}`);
    }
  }

  /** The prompt's token ids and the bytes removed by token healing. */
  buildPrompt(prefix: string, suffix: string): { ids: number[]; healed: Uint8Array | null } {
    let pre = this.tokenizer.encode(prefix);
    if (pre.length > this.options.prefixTokens) pre = pre.slice(pre.length - this.options.prefixTokens);
    let suf = this.tokenizer.encode(suffix);
    if (suf.length > this.options.suffixTokens) suf = suf.slice(0, this.options.suffixTokens);
    let healed: Uint8Array | null = null;
    const last = pre[pre.length - 1];
    if (this.options.tokenHealing && last !== undefined && !isSpecialId(last)) {
      // Any last token may be cut where the cursor is ("ret" of "return", the space of " 'fs'"):
      // the first generated token must start with its bytes, and may be the same token.
      healed = this.tokenizer.tokenBytes(last);
      pre = pre.slice(0, -1);
    }
    const ids = [SPECIAL_IDS.fimPrefix, SPECIAL_IDS.fimSuffix, ...suf, SPECIAL_IDS.fimMiddle, ...pre];
    return { ids, healed };
  }

  /** Ids of every token whose bytes start with `prefix`. */
  private allowedAfterHealing(prefix: Uint8Array): number[] {
    const key = Buffer.from(prefix).toString('latin1');
    let ids = this.tokensStartingWith.get(key);
    if (!ids) {
      ids = [];
      for (let id = 0; id < this.tokenizer.vocabSize; id++) {
        if (isSpecialId(id)) continue;
        const b = this.tokenizer.tokenBytes(id);
        if (b.length < prefix.length) continue;
        let ok = true;
        for (let i = 0; i < prefix.length && ok; i++) ok = b[i] === prefix[i];
        if (ok) ids.push(id);
      }
      if (this.tokensStartingWith.size > 1000) this.tokensStartingWith.clear();
      this.tokensStartingWith.set(key, ids);
    }
    return ids;
  }

  complete(req: FimRequest, signal?: AbortSignal, onText?: (textSoFar: string) => boolean): Promise<FimResult> {
    const run = this.queue.then(() => this.completeNow(req, signal, onText));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async completeNow(req: FimRequest, signal?: AbortSignal, onText?: (textSoFar: string) => boolean): Promise<FimResult> {
    const t0 = performance.now();
    const { ids, healed } = this.buildPrompt(req.prefix, req.suffix);
    const room = this.runner.cache.capacity - ids.length - 1;
    const decoder = new TokenStreamDecoder(this.tokenizer);
    let text = '';
    let skip = healed ? healed.length : 0; // bytes of the healed token already in the document
    let skipBuf = '';
    const healedText = healed ? Buffer.from(healed).toString('utf8') : '';
    const res = await generate(this.runner, ids, {
      maxTokens: Math.max(0, Math.min(req.maxTokens, room)),
      temperature: req.temperature,
      topP: req.topP,
      seed: req.seed,
      signal,
      stopTokens: STOP_IDS,
      allowedFirstTokens: healed ? this.allowedAfterHealing(healed) : undefined,
      repetitionPenalty: this.options.repetitionPenalty,
      decoder: this.decoder,
      onToken: (gen) => {
        let piece = decoder.push(gen[gen.length - 1]!);
        if (skip > 0) {
          // Drop the healed token's text: the user already typed it.
          skipBuf += piece;
          if (skipBuf.length < healedText.length) return true;
          piece = skipBuf.slice(healedText.length);
          skip = 0;
        }
        text += piece;
        for (const s of req.stop) {
          const at = s ? text.indexOf(s) : -1;
          if (at >= 0) {
            text = text.slice(0, at);
            return false;
          }
        }
        return onText ? onText(text) !== false : true;
      },
    });
    // A character left unfinished at the end is dropped rather than shown as U+FFFD.
    return {
      text,
      tokens: res.tokens.length,
      promptTokens: ids.length,
      reusedTokens: res.reusedTokens,
      ms: performance.now() - t0,
    };
  }
}
