/**
 * The special tokens and the fixed layout of the vocabulary.
 *
 * Ids 0..5 are special tokens (always, in every vocabulary we train), ids 6..261 are the 256
 * single bytes (id = FIRST_BYTE_ID + byte), and ids from 262 on are merges in the order they were
 * learned. Fixing the special ids means prompt code and the model can hard-code them.
 *
 * Special tokens never come out of `encode` of ordinary text, even when the text literally contains
 * "<|endoftext|>": those characters are encoded as bytes. They are inserted only through explicit
 * APIs (`Tokenizer.specialId`, `encodeFimPrompt`).
 */
export const SPECIAL_TOKENS = [
  { name: 'endOfText', content: '<|endoftext|>', id: 0 },
  { name: 'fimPrefix', content: '<|fim_prefix|>', id: 1 },
  { name: 'fimSuffix', content: '<|fim_suffix|>', id: 2 },
  { name: 'fimMiddle', content: '<|fim_middle|>', id: 3 },
  { name: 'fileSep', content: '<|file_sep|>', id: 4 },
  { name: 'pad', content: '<|pad|>', id: 5 },
] as const;

export type SpecialTokenName = (typeof SPECIAL_TOKENS)[number]['name'];

/** Special token ids by name, e.g. SPECIAL_IDS.fimMiddle === 3. */
export const SPECIAL_IDS: { readonly [K in SpecialTokenName]: number } = Object.freeze(
  Object.fromEntries(SPECIAL_TOKENS.map((t) => [t.name, t.id])) as { [K in SpecialTokenName]: number },
);

export const NUM_SPECIAL_TOKENS = SPECIAL_TOKENS.length;
/** Id of the single-byte token for byte b is FIRST_BYTE_ID + b. */
export const FIRST_BYTE_ID = NUM_SPECIAL_TOKENS;
/** Id of the first learned merge; merge number r gets id FIRST_MERGE_ID + r. */
export const FIRST_MERGE_ID = FIRST_BYTE_ID + 256;
/**
 * Largest vocabulary supported: pair keys are left * 65536 + right, which keeps them small
 * integers (fast Map keys) for the vocabulary sizes a completion model uses.
 */
export const MAX_VOCAB_SIZE = 65536;

export function isSpecialId(id: number): boolean {
  return id >= 0 && id < NUM_SPECIAL_TOKENS;
}
