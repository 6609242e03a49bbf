/**
 * The pre-tokenizer: splits bytes into pieces that merges never cross. Tuned for code:
 *
 *   (?: |P)?L+         a word, with at most one space or punctuation character in front, so that
 *                      " return", ".map", "(value", "#include", "$x" can become single tokens.
 *                      Letters include "_" and every non-ASCII byte, so identifiers stay whole
 *                      and a UTF-8 character is never split between pieces.
 *    ?D{1,3}           digits, at most three per piece (as GPT-4) so numbers do not bloat the
 *                      vocabulary, with an optional leading space (" = 1" gives " =", " 1")
 *    ?P+               a run of punctuation, with an optional leading space: " =>", "();", " {"
 *   W*[\r\n][ \t]*     any whitespace that contains a line break, including the indentation of the
 *                      next line: "\n    " is one piece, the word after it starts unindented
 *   S+(?!NonW)         spaces not before a word: the last space is left to join the next word
 *   S+                 the remaining spaces/tabs
 *
 * (L letters, D digits, W whitespace, S horizontal whitespace, P anything else.)
 * The classes are written with two-digit hex escapes only, letters as a negated class ("not an
 * ASCII non-letter", so every non-ASCII byte or character counts as a letter). The one pattern
 * then means the same thing to JS on bytes (a latin1 view, one char per byte), to JS with the u
 * flag on text (transformers.js) and to Oniguruma (Hugging Face tokenizers), and for valid UTF-8
 * gives the same pieces on bytes as on text. Every byte is covered by some alternative, and no
 * alternative matches the empty string.
 */
const LETTER = '[^\\x00-\\x40\\x5B-\\x5E\\x60\\x7B-\\x7F]'; // A-Z _ a-z and non-ASCII
const PUNCT = '[\\x00-\\x08\\x0E-\\x1F\\x21-\\x2F\\x3A-\\x40\\x5B-\\x5E\\x60\\x7B-\\x7F]'; // ASCII, not letter/digit/space
const SPACE = '\\t\\n\\x0B\\x0C\\r '; // the ASCII whitespace (not \s: in JS that includes 0xA0 and 0x85)

/** The pattern, as written into tokenizer.json and used here on latin1 byte strings. */
export const SPLIT_PATTERN = [
  `(?: |${PUNCT})?${LETTER}+`,
  ' ?[0-9]{1,3}',
  ` ?${PUNCT}+`,
  `[${SPACE}]*[\\r\\n][\\t ]*`,
  `[\\t\\x0B\\x0C ]+(?![^${SPACE}])`,
  '[\\t\\x0B\\x0C ]+',
].join('|');

/** Reused (reset through lastIndex) rather than compiled per call. */
const bytePattern = new RegExp(SPLIT_PATTERN, 'y');

/**
 * Calls `onPiece(start, end)` for each piece of a latin1 byte string, in order; the pieces tile
 * the whole string.
 */
export function forEachPiece(byteString: string, onPiece: (start: number, end: number) => void): void {
  const re = bytePattern;
  let pos = 0;
  const n = byteString.length;
  while (pos < n) {
    re.lastIndex = pos;
    const m = re.exec(byteString);
    if (m === null || re.lastIndex <= pos) {
      // Cannot happen: the alternatives cover every byte. Fail loudly rather than lose bytes.
      throw new Error(`pre-tokenizer: no piece matches at byte ${pos} (char code ${byteString.charCodeAt(pos)})`);
    }
    onPiece(pos, re.lastIndex);
    pos = re.lastIndex;
  }
}

/** The pieces of a latin1 byte string, as substrings. */
export function splitPieces(byteString: string): string[] {
  const out: string[] = [];
  forEachPiece(byteString, (s, e) => out.push(byteString.slice(s, e)));
  return out;
}
