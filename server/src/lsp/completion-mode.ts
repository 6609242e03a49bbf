/**
 * Whether to suggest one line, several, or nothing, from the text around the cursor on its line.
 * Mid-line (real code to the right) a suggestion can only finish the line; at a line end, or in an
 * empty block, it may run over several lines.
 */
import { CLOSING_CHARS, QUOTE_CHARS } from './brackets.js';

export type CompletionMode = 'single-line' | 'multi-line';

export type ModeDecision =
  | { mode: CompletionMode; reason: string }
  | { mode: 'none'; reason: string };

const WORD_CHAR = /[\p{L}\p{N}_$]/u;

export function decideMode(linePrefix: string, lineSuffix: string, setting: 'auto' | 'single' = 'auto'): ModeDecision {
  const decision = decideAuto(linePrefix, lineSuffix);
  if (decision.mode === 'multi-line' && setting === 'single') return { mode: 'single-line', reason: 'multiline setting is "single"' };
  return decision;
}

function decideAuto(linePrefix: string, lineSuffix: string): ModeDecision {
  const right = lineSuffix.replace(/\s+/g, '');
  if (right === '') return { mode: 'multi-line', reason: 'line end' };
  const next = lineSuffix[0] ?? '';
  if (WORD_CHAR.test(next)) return { mode: 'none', reason: 'cursor inside a word' };
  const onlyClosers = [...right].every((c) => CLOSING_CHARS.includes(c) || QUOTE_CHARS.includes(c));
  if (onlyClosers) {
    // `{|}`: an empty block; a body over several lines is what is wanted.
    if (linePrefix.trimEnd().endsWith('{') && right.startsWith('}')) return { mode: 'multi-line', reason: 'empty block' };
    return { mode: 'single-line', reason: 'only closing brackets or quotes to the right' };
  }
  if (linePrefix.trim() === '') return { mode: 'none', reason: 'code to the right of the indentation' };
  return { mode: 'single-line', reason: 'mid-line' };
}
