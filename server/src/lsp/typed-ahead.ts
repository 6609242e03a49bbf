/**
 * Typed-ahead reuse: while the user types exactly the first characters of the suggestion shown,
 * the rest of it is still right, so it is answered at once without asking the model.
 */

export interface ShownSuggestion {
  /** Cursor offset when the suggestion was made. */
  offset: number;
  /** The end of the prefix window then (enough to recognise the same spot). */
  prefixTail: string;
  /** The text right of the cursor then, on its line and after. */
  suffix: string;
  text: string;
}

const TAIL_CHARS = 256;

export function rememberSuggestion(offset: number, prefix: string, suffix: string, text: string): ShownSuggestion {
  return { offset, prefixTail: prefix.slice(-TAIL_CHARS), suffix, text };
}

/**
 * The remainder of `shown` if the cursor moved forward by typing the suggestion's first characters
 * (and the text after the cursor is unchanged); undefined otherwise.
 */
export function typedAheadRemainder(shown: ShownSuggestion, offset: number, prefix: string, suffix: string): string | undefined {
  const typed = offset - shown.offset;
  if (typed <= 0 || typed >= shown.text.length) return undefined;
  if (suffix !== shown.suffix) return undefined;
  const typedText = shown.text.slice(0, typed);
  if (!prefix.endsWith(shown.prefixTail + typedText)) return undefined;
  const rest = shown.text.slice(typed);
  return rest.trim() === '' ? undefined : rest;
}
