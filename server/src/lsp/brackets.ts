/**
 * A small bracket scanner that skips string literals, for the bracket-balance rules of
 * post-processing. It is deliberately language-agnostic and approximate: it knows (), [], {} and
 * the quotes ' " ` (with backslash escapes; ' and " end at a line break), and // line comments.
 */

const OPENERS = '([{';
const CLOSERS = ')]}';
export const CLOSING_CHARS = ')]}';
export const QUOTE_CHARS = `'"\``;

export function isOpener(c: string): boolean {
  return c.length === 1 && OPENERS.includes(c);
}

export function isCloser(c: string): boolean {
  return c.length === 1 && CLOSERS.includes(c);
}

export function matchingOpener(closer: string): string {
  return OPENERS[CLOSERS.indexOf(closer)] ?? '';
}

export interface BracketScan {
  /** Openers still open at the end, innermost last. */
  open: string[];
  /** First closer that closes nothing opened inside the text (it closes something before it). */
  firstUnbalancedCloser?: { index: number; char: string };
  /** Closers that closed nothing. */
  unmatchedClosers: number;
  /** A string literal is still open at the end. */
  openQuote: boolean;
}

/** Scans text for brackets outside strings and line comments. */
export function scanBrackets(text: string): BracketScan {
  const open: string[] = [];
  let quote = '';
  let lineComment = false;
  let firstUnbalancedCloser: BracketScan['firstUnbalancedCloser'];
  let unmatchedClosers = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '\n') {
      lineComment = false;
      if (quote !== '`') quote = '';
      continue;
    }
    if (lineComment) continue;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      lineComment = true;
      continue;
    }
    if (QUOTE_CHARS.includes(c)) {
      quote = c;
    } else if (isOpener(c)) {
      open.push(c);
    } else if (isCloser(c)) {
      if (open.length && open[open.length - 1] === matchingOpener(c)) open.pop();
      else if (open.length) open.pop(); // mismatched: count it as closing the innermost, like editors do
      else {
        unmatchedClosers++;
        firstUnbalancedCloser ??= { index: i, char: c };
      }
    }
  }
  const scan: BracketScan = { open, unmatchedClosers, openQuote: quote !== '' };
  if (firstUnbalancedCloser) scan.firstUnbalancedCloser = firstUnbalancedCloser;
  return scan;
}

/** How far the text is from balanced: open brackets + closers of nothing + an unterminated string. */
export function imbalance(text: string): number {
  const s = scanBrackets(text);
  return s.open.length + s.unmatchedClosers + (s.openQuote ? 1 : 0);
}

/** Openers minus closers (outside strings), never below zero. */
export function openDepth(text: string): number {
  return scanBrackets(text).open.length;
}
