/**
 * Writes a complete tiny model folder (config.json, model.safetensors, tokenizer.json) with a
 * real BPE tokenizer trained on some of this repository's sources and random weights, for tests
 * that need the real engine behind the language server or the CLI.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { trainBpe } from '../../server/src/tokenizer/train-bpe.js';
import { saveTokenizer } from '../../server/src/tokenizer/storage.js';
import { saveModel } from '../../server/src/model/model-dir.js';
import { initWeights } from '../../server/src/model/weights.js';
import { tinyConfig } from './tiny-model.js';

const ROOT = join(__dirname, '..', '..');

export async function writeTinyModelDir(dir: string, arch: 'memoryformer' | 'dense' = 'memoryformer', seed = 1): Promise<void> {
  const texts = ['server/src/engine/model-runner.ts', 'server/src/engine/generate.ts', 'server/src/engine/kv-cache.ts'].map((f) => readFileSync(join(ROOT, f), 'utf8'));
  const tokenizer = trainBpe(texts, { vocabSize: 400 });
  const cfg = { ...tinyConfig(arch), vocabSize: tokenizer.vocabSize, maxSeqLen: 1024 };
  await saveModel(dir, cfg, initWeights(cfg, { seed }));
  await saveTokenizer(join(dir, 'tokenizer.json'), tokenizer);
}
