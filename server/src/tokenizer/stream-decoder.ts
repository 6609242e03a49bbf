/**
 * Streaming decode: feed ids one at a time as a model generates them, get text back that only ever
 * contains complete UTF-8 characters. A character split across tokens is held back until its last
 * byte arrives; invalid bytes become U+FFFD once it is certain they cannot start a valid character.
 */
import { isSpecialId } from './special-tokens.js';
import type { Tokenizer } from './tokenizer.js';

export class TokenStreamDecoder {
  private readonly utf8 = new TextDecoder('utf-8', { fatal: false });

  constructor(
    private readonly tokenizer: Tokenizer,
    private readonly options: { skipSpecial?: boolean } = {},
  ) {}

  /** Adds one token; returns the text that became complete (often '', never half a character). */
  push(id: number): string {
    const bytes = this.options.skipSpecial && isSpecialId(id) ? new Uint8Array(0) : this.tokenizer.tokenBytes(id);
    return this.utf8.decode(bytes, { stream: true });
  }

  /** Ends the stream: returns what was held back (an unfinished character becomes U+FFFD). */
  end(): string {
    return this.utf8.decode();
  }
}
