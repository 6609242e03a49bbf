/** Byte-level BPE tokenizer for code with fill-in-the-middle special tokens. */
export * from './special-tokens.js';
export { Tokenizer } from './tokenizer.js';
export { trainBpe, countPieces, learnMerges, type TrainBpeOptions } from './train-bpe.js';
export { TokenStreamDecoder } from './stream-decoder.js';
export { encodeFimPrompt, encodeFimExample, type FimInput } from './fim-prompt.js';
export { loadTokenizer, saveTokenizer } from './storage.js';
export { toTokenizerJson, fromTokenizerJson } from './tokenizer-json.js';
