/**
 * The text around the cursor that a completion is made from, bounded in lines and characters
 * (the model bounds it again in tokens). Reading is O(window), never O(document): a 50 MB file
 * costs the same as a small one once the document's line index exists.
 */
import type { Position, TextDocument } from 'vscode-languageserver-textdocument';

export interface WindowLimits {
  prefixLines: number;
  prefixChars: number;
  suffixLines: number;
  suffixChars: number;
}

export interface PromptWindow {
  /** Text before the cursor (whole lines, except when one line is longer than the window). */
  prefix: string;
  /** Text after the cursor. */
  suffix: string;
  /** The cursor line, left of the cursor (bounded by prefixChars). */
  linePrefix: string;
  /** The cursor line, right of the cursor, without the line break (bounded by suffixChars). */
  lineSuffix: string;
  /** Suffix text after the cursor line's break. */
  followingText: string;
  /** Offset of the cursor in the document. */
  offset: number;
  /** The document's line break, used when a multi-line suggestion is inserted. */
  eol: '\n' | '\r\n';
}

export function buildPromptWindow(doc: TextDocument, pos: Position, limits: WindowLimits): PromptWindow {
  const offset = doc.offsetAt(pos);
  const line = pos.line;

  // Prefix: from the start of the first allowed line, but no more than prefixChars.
  const firstLineStart = doc.offsetAt({ line: Math.max(0, line - limits.prefixLines + 1), character: 0 });
  const prefixStart = Math.max(firstLineStart, offset - limits.prefixChars);
  let prefix = doc.getText({ start: doc.positionAt(prefixStart), end: pos });
  if (prefixStart > firstLineStart && prefixStart > 0) {
    // Cut mid-line by the character bound: drop the partial first line when there is a whole one after it.
    const nl = prefix.indexOf('\n');
    if (nl >= 0) prefix = prefix.slice(nl + 1);
  }

  // Suffix: to the end of the last allowed line, but no more than suffixChars.
  const lastLineEnd = doc.offsetAt({ line: line + limits.suffixLines + 1, character: 0 });
  const suffixEnd = Math.min(lastLineEnd, offset + limits.suffixChars);
  let suffix = doc.getText({ start: pos, end: doc.positionAt(suffixEnd) });
  if (suffixEnd < lastLineEnd) {
    const nl = suffix.lastIndexOf('\n');
    if (nl >= 0) suffix = suffix.slice(0, nl + 1);
  }

  const prefixNl = prefix.lastIndexOf('\n');
  const linePrefix = prefixNl >= 0 ? prefix.slice(prefixNl + 1) : prefix;
  const suffixNl = suffix.indexOf('\n');
  const lineSuffixRaw = suffixNl >= 0 ? suffix.slice(0, suffixNl) : suffix;
  const lineSuffix = lineSuffixRaw.endsWith('\r') ? lineSuffixRaw.slice(0, -1) : lineSuffixRaw;
  const followingText = suffixNl >= 0 ? suffix.slice(suffixNl + 1) : '';
  const eol = detectEol(doc);
  return { prefix, suffix, linePrefix, lineSuffix, followingText, offset, eol };
}

/** The line break the document's first line ends with (O(1) once the line index exists). */
function detectEol(doc: TextDocument): '\n' | '\r\n' {
  if (doc.lineCount < 2) return '\n';
  const secondLine = doc.offsetAt({ line: 1, character: 0 });
  return doc.getText({ start: doc.positionAt(secondLine - 2), end: doc.positionAt(secondLine) }) === '\r\n' ? '\r\n' : '\n';
}

/**
 * True when the text is not worth completing: NUL characters (binary files), or many U+FFFD
 * replacement characters (the client decoded bytes that were not UTF-8) or C0 control characters.
 */
export function looksBinary(text: string): boolean {
  if (text.includes('\0')) return true;
  let odd = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0xfffd || (c < 0x20 && c !== 9 && c !== 10 && c !== 13 && c !== 12)) odd++;
  }
  return odd > 8 || (text.length > 0 && odd / text.length > 0.01);
}
