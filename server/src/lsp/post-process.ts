/**
 * Turns what the model generated into what the editor shows: one line mid-line; at a line end,
 * lines up to the end of the block (a dedent, or the closer of a block the suggestion opened); never
 * a closer the text after the cursor already has, never a line that duplicates the code after the
 * cursor, never a repeated line; trailing whitespace trimmed. The same rules decide, while tokens
 * stream, when the model can stop early (shouldStopEarly).
 */
import { imbalance, isCloser, openDepth, scanBrackets } from './brackets.js';
import type { CompletionMode } from './completion-mode.js';

export interface PostProcessContext {
  mode: CompletionMode;
  /** Cursor line, left of the cursor. */
  linePrefix: string;
  /** Cursor line, right of the cursor. */
  lineSuffix: string;
  /** Text after the cursor line. */
  followingText: string;
  maxLines: number;
  tabSize?: number;
}

export type StopReason =
  | 'end' // the model's text was used to its end
  | 'single-line' // mid-line: cut at the first line break
  | 'dedent' // a line left the cursor's block
  | 'block-end' // the block the suggestion was writing is closed
  | 'closer' // a closer the text after the cursor already has
  | 'repeat' // the same line twice in a row
  | 'suffix-duplicate' // a line that is the next line after the cursor
  | 'max-lines';

export interface PostProcessResult {
  text: string;
  reason: StopReason;
}

export function postProcess(raw: string, ctx: PostProcessContext): PostProcessResult {
  let text = raw.replace(/\r\n?/g, '\n');
  let reason: StopReason = 'end';

  if (ctx.mode === 'single-line') {
    const nl = text.indexOf('\n');
    if (nl >= 0) {
      text = text.slice(0, nl);
      reason = 'single-line';
    }
  }

  const closerCut = cutAtOwnedCloser(text, ctx);
  if (closerCut !== undefined) {
    text = closerCut;
    reason = 'closer';
  }

  if (ctx.mode === 'multi-line') {
    const lines = text.split('\n');
    const kept = keepBlockLines(lines, ctx);
    if (kept.reason !== 'end') reason = kept.reason;
    text = kept.lines.join('\n');
  } else {
    const trimmed = trimSuffixOverlap(text, ctx.lineSuffix, ctx.linePrefix);
    if (trimmed !== text) {
      text = trimmed;
      reason = 'closer';
    }
  }

  text = trimTrailingWhitespace(text);
  return { text, reason };
}

/** While streaming: true once the rules above have decided where the suggestion ends. */
export function shouldStopEarly(textSoFar: string, ctx: PostProcessContext): boolean {
  const text = textSoFar.replace(/\r\n?/g, '\n');
  if (ctx.mode === 'single-line' && text.includes('\n')) return true;
  if (cutAtOwnedCloser(text, ctx) !== undefined) return true;
  if (ctx.mode === 'multi-line') {
    // Judge whole lines only: a partial line's indentation is not known yet.
    const lastNl = text.lastIndexOf('\n');
    if (lastNl < 0) return false;
    const complete = text.slice(0, lastNl).split('\n');
    if (complete.length > ctx.maxLines) return true;
    return keepBlockLines(complete, ctx).reason !== 'end';
  }
  return false;
}

/**
 * The first closer in the text that closes something opened before the cursor, when the text after
 * the cursor starts with that same closer: the suggestion ends just before it.
 */
function cutAtOwnedCloser(text: string, ctx: PostProcessContext): string | undefined {
  const closer = scanBrackets(text).firstUnbalancedCloser;
  if (!closer) return undefined;
  const next = firstNonSpace(ctx.lineSuffix) || firstNonSpace(ctx.followingText);
  return next === closer.char ? text.slice(0, closer.index) : undefined;
}

function keepBlockLines(lines: string[], ctx: PostProcessContext): { lines: string[]; reason: StopReason } {
  const tab = ctx.tabSize ?? 4;
  const baseIndent = indentWidth(ctx.linePrefix, tab);
  const nextLine = firstNonBlankLine(ctx.followingText);
  const kept: string[] = [lines[0] ?? ''];
  // Depth counts the cursor line's open brackets, so a block opened there can be closed.
  let depth = openDepth(ctx.linePrefix + kept[0]);
  let previous = (ctx.linePrefix + kept[0]).trimEnd();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim() === '') {
      kept.push(line);
      continue;
    }
    if (kept.length >= ctx.maxLines) return { lines: kept, reason: 'max-lines' };
    const indent = indentWidth(line, tab);
    if (indent < baseIndent) return { lines: kept, reason: 'dedent' };
    const startsWithCloser = isCloser(line.trim()[0] ?? '');
    if (indent === baseIndent && startsWithCloser && depth <= 0) return { lines: kept, reason: 'dedent' };
    if (line.trimEnd() === previous) return { lines: kept, reason: 'repeat' };
    if (nextLine !== undefined && line.trim() === nextLine) return { lines: kept, reason: 'suffix-duplicate' };
    kept.push(line);
    previous = line.trimEnd();
    const before = depth;
    depth = openDepth(ctx.linePrefix + kept.join('\n'));
    if (before > 0 && depth === 0 && indent === baseIndent) return { lines: kept, reason: 'block-end' };
  }
  return { lines: kept, reason: 'end' };
}

/**
 * Mid-line: drop the end of the suggestion that the rest of the line already has. A trim must not
 * unbalance the line's brackets or quotes (in `foo(|)`, the suggestion `g(x)` keeps its `)`).
 */
export function trimSuffixOverlap(text: string, lineSuffix: string, linePrefix = ''): string {
  const suffix = lineSuffix.trimEnd();
  if (!suffix || !text) return text;
  const untrimmed = imbalance(linePrefix + text + lineSuffix);
  const max = Math.min(text.length, suffix.length);
  for (let k = max; k >= 1; k--) {
    if (!text.endsWith(suffix.slice(0, k))) continue;
    // Short overlaps of ordinary text are likely chance ("x = 1" before "1 + 2"); punctuation is not.
    const overlap = suffix.slice(0, k);
    const meaningful = k === suffix.length || k >= 3 || [...overlap].every((c) => isCloser(c) || `'"\`;,`.includes(c));
    const trimmed = text.slice(0, text.length - k);
    if (meaningful && imbalance(linePrefix + trimmed + lineSuffix) <= untrimmed) return trimmed;
  }
  return text;
}

function trimTrailingWhitespace(text: string): string {
  const lines = text.split('\n').map((l) => l.trimEnd());
  while (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  const out = lines.join('\n');
  return out.trim() === '' ? '' : out;
}

export function indentWidth(line: string, tabSize: number): number {
  let w = 0;
  for (const c of line) {
    if (c === ' ') w++;
    else if (c === '\t') w += tabSize - (w % tabSize);
    else break;
  }
  return w;
}

function firstNonSpace(text: string): string {
  const m = /\S/.exec(text);
  return m ? m[0] : '';
}

function firstNonBlankLine(text: string): string | undefined {
  for (const line of text.split('\n', 50)) {
    if (line.trim() !== '') return line.trim();
  }
  return undefined;
}
