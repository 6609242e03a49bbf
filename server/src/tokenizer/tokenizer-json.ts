/**
 * Conversion to and from Hugging Face's tokenizer.json, so other tools (the `tokenizers` library,
 * transformers, llama.cpp's converters) can read our vocabularies:
 *   model: BPE with vocab {byte-level string: id} and merges ["left right", ...] in rank order;
 *   pre_tokenizer: Split on our code pattern (pretokenize.ts), then ByteLevel without its own regex;
 *   decoder: ByteLevel; added_tokens: the special tokens, `special: true`, ids 0..5.
 * The special tokens are in added_tokens only, not in model.vocab (as Llama 3 does), so no
 * learned token can collide with them. Note: Hugging Face's tokenizers match added tokens inside
 * ordinary text; our own encode() never does (see special-tokens.ts).
 */
import { byteLevelToBytes, bytesToByteLevel } from './byte-level.js';
import { SPLIT_PATTERN } from './pretokenize.js';
import { FIRST_BYTE_ID, FIRST_MERGE_ID, MAX_VOCAB_SIZE, SPECIAL_TOKENS } from './special-tokens.js';
import { Tokenizer } from './tokenizer.js';

const PRE_TOKENIZER = {
  type: 'Sequence',
  pretokenizers: [
    { type: 'Split', pattern: { Regex: SPLIT_PATTERN }, behavior: 'Isolated', invert: false },
    { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
  ],
};

export function toTokenizerJson(tokenizer: Tokenizer): object {
  const tokenString = (id: number) => bytesToByteLevel(tokenizer.tokenBytes(id));
  // A null-prototype object: a token spelled "__proto__" (common in JavaScript) must be an ordinary key.
  const vocab: Record<string, number> = Object.create(null) as Record<string, number>;
  for (let id = FIRST_BYTE_ID; id < tokenizer.vocabSize; id++) vocab[tokenString(id)] = id;
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((t) => ({
      id: t.id,
      content: t.content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: null,
    pre_tokenizer: PRE_TOKENIZER,
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges: tokenizer.merges.map(([a, b]) => `${tokenString(a)} ${tokenString(b)}`),
    },
  };
}

/** Validates a parsed tokenizer.json and builds the tokenizer. `where` names the file in errors. */
export function fromTokenizerJson(json: unknown, where: string): Tokenizer {
  const fail = (what: string): never => {
    throw new Error(
      `${where}: ${what}. Only byte-level BPE tokenizers written by MemoryFormer (saveTokenizer, ` +
        '`memoryformer tokenizer-bench --out`) can be loaded; re-create the file with one of those.',
    );
  };
  if (!isObject(json)) return fail('not a JSON object');
  const model = json['model'];
  if (!isObject(model) || model['type'] !== 'BPE') return fail('model.type is not "BPE"');
  if (JSON.stringify(json['pre_tokenizer']) !== JSON.stringify(PRE_TOKENIZER)) {
    return fail('pre_tokenizer differs from the MemoryFormer code pre-tokenizer (pieces would be split differently)');
  }

  const added = json['added_tokens'];
  if (!Array.isArray(added)) return fail('added_tokens is missing');
  for (const t of SPECIAL_TOKENS) {
    const entry = added.find((a: unknown) => isObject(a) && a['content'] === t.content);
    if (!isObject(entry) || entry['id'] !== t.id || entry['special'] !== true) {
      return fail(`special token ${t.content} must be in added_tokens with id ${t.id} and "special": true`);
    }
  }

  const vocab = model['vocab'];
  if (!isObject(vocab)) return fail('model.vocab is not an object');
  const idOf = new Map<string, number>();
  for (const [token, id] of Object.entries(vocab)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < FIRST_BYTE_ID || id >= MAX_VOCAB_SIZE) {
      return fail(`model.vocab[${JSON.stringify(token)}] = ${JSON.stringify(id)} is not an id from ${FIRST_BYTE_ID} to ${MAX_VOCAB_SIZE - 1}`);
    }
    if (byteLevelToBytes(token) === null) return fail(`model.vocab has ${JSON.stringify(token)}, which is not a byte-level token`);
    idOf.set(token, id);
  }
  for (let b = 0; b < 256; b++) {
    const token = bytesToByteLevel(Uint8Array.of(b));
    if (idOf.get(token) !== FIRST_BYTE_ID + b) return fail(`byte ${b} must be token ${JSON.stringify(token)} with id ${FIRST_BYTE_ID + b}`);
  }

  const rawMerges = model['merges'];
  if (!Array.isArray(rawMerges)) return fail('model.merges is not an array');
  if (idOf.size !== 256 + rawMerges.length) {
    return fail(`model.vocab has ${idOf.size} tokens but 256 bytes + ${rawMerges.length} merges = ${256 + rawMerges.length} were expected`);
  }
  const merges: Array<[number, number]> = [];
  rawMerges.forEach((m: unknown, r: number) => {
    // Both of Hugging Face's spellings: "left right" (older) and ["left", "right"] (newer).
    const parts = typeof m === 'string' ? m.split(' ') : m;
    if (!Array.isArray(parts) || parts.length !== 2 || typeof parts[0] !== 'string' || typeof parts[1] !== 'string') {
      return fail(`model.merges[${r}] = ${JSON.stringify(m)} is not a pair of tokens`);
    }
    const [left, right] = parts as [string, string];
    const a = idOf.get(left);
    const b = idOf.get(right);
    if (a === undefined || b === undefined) return fail(`model.merges[${r}] uses a token that is not in model.vocab`);
    if (idOf.get(left + right) !== FIRST_MERGE_ID + r) {
      return fail(`model.merges[${r}] must create token ${JSON.stringify(left + right)} with id ${FIRST_MERGE_ID + r} (merge ids follow merge order)`);
    }
    merges.push([a, b]);
  });
  try {
    return Tokenizer.fromMerges(merges);
  } catch (e) {
    return fail((e as Error).message);
  }
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
