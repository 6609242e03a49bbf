/**
 * Fill-in-the-middle prompts, the only place special tokens enter a token sequence besides explicit
 * `specialId` calls. Format PSM (prefix, suffix, middle), as StarCoder and Qwen-Coder use:
 *   <|fim_prefix|> prefix <|fim_suffix|> suffix <|fim_middle|>   -> the model writes the middle,
 * then <|endoftext|>. Optional repository context goes first, each file after <|file_sep|>.
 */
import { SPECIAL_IDS } from './special-tokens.js';
import type { Tokenizer } from './tokenizer.js';

export interface FimInput {
  prefix: string | Uint8Array;
  suffix: string | Uint8Array;
  /** Other files' text to show before the prompt, each preceded by <|file_sep|>. */
  contextFiles?: Array<string | Uint8Array>;
}

export function encodeFimPrompt(tokenizer: Tokenizer, input: FimInput): number[] {
  const ids: number[] = [];
  for (const file of input.contextFiles ?? []) append(ids, SPECIAL_IDS.fileSep, tokenizer.encode(file));
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
