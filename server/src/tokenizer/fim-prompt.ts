/**
 * Fill-in-the-middle prompts, the only place special tokens enter a token sequence besides explicit
 * `specialId` calls. Two orders (Bavarian et al. 2022, "Efficient Training of Language Models to
 * Fill in the Middle"):
 *   psm (default; StarCoder, Qwen-Coder):
 *     <|fim_prefix|> prefix <|fim_suffix|> suffix <|fim_middle|>           -> the model writes the middle
 *   spm (the paper's SPM variant, Appendix D; our pretraining corpus uses it):
 *     <|fim_prefix|> <|fim_suffix|> suffix <|fim_middle|> prefix            -> the model writes the middle
 *     The prompt ends with the prefix, which flows straight into the middle: while the user types,
 *     the prompt only grows at its end, so the KV cache of everything before can be reused.
 * then <|endoftext|>. Optional repository context goes first, each file after <|file_sep|>.
 * Prefix, suffix and middle are encoded separately (never merged across a boundary), as at
 * completion time, where the prefix ends wherever the cursor is.
 */
import { SPECIAL_IDS } from './special-tokens.js';
import type { Tokenizer } from './tokenizer.js';

export interface FimInput {
  prefix: string | Uint8Array;
  suffix: string | Uint8Array;
  /** Other files' text to show before the prompt, each preceded by <|file_sep|>. */
  contextFiles?: Array<string | Uint8Array>;
  /** Order of the parts: 'psm' (default) or 'spm' (see above). */
  mode?: FimMode;
}

export type FimMode = 'psm' | 'spm';

export function encodeFimPrompt(tokenizer: Tokenizer, input: FimInput): number[] {
  const ids: number[] = [];
  for (const file of input.contextFiles ?? []) append(ids, SPECIAL_IDS.fileSep, tokenizer.encode(file));
  const mode = input.mode ?? 'psm';
  if (mode === 'spm') {
    ids.push(SPECIAL_IDS.fimPrefix);
    append(ids, SPECIAL_IDS.fimSuffix, tokenizer.encode(input.suffix));
    append(ids, SPECIAL_IDS.fimMiddle, tokenizer.encode(input.prefix));
    return ids;
  }
  if (mode !== 'psm') throw new Error(`FIM mode must be 'psm' or 'spm', got '${String(mode)}'`);
  append(ids, SPECIAL_IDS.fimPrefix, tokenizer.encode(input.prefix));
  append(ids, SPECIAL_IDS.fimSuffix, tokenizer.encode(input.suffix));
  ids.push(SPECIAL_IDS.fimMiddle);
  return ids;
}

/** A training example: the prompt followed by the middle and <|endoftext|>. */
export function encodeFimExample(tokenizer: Tokenizer, input: FimInput & { middle: string | Uint8Array }): number[] {
  const ids = encodeFimPrompt(tokenizer, input);
  for (const id of tokenizer.encode(input.middle)) ids.push(id);
  ids.push(SPECIAL_IDS.endOfText);
  return ids;
}

/** Appends one special token and then ids (a loop: spreading a long array would overflow the stack). */
function append(ids: number[], special: number, more: number[]): void {
  ids.push(special);
  for (const id of more) ids.push(id);
}
