/** Reading and writing tokenizer.json files. Writes are atomic (temporary sibling, fsync, rename). */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { fromTokenizerJson, toTokenizerJson } from './tokenizer-json.js';
import type { Tokenizer } from './tokenizer.js';

export async function saveTokenizer(path: string, tokenizer: Tokenizer): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, Buffer.from(JSON.stringify(toTokenizerJson(tokenizer)), 'utf8'));
}

export async function loadTokenizer(path: string): Promise<Tokenizer> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new Error(
      `cannot read tokenizer file ${path}: ${(e as Error).message}. Check the path, or train one with ` +
        `\`memoryformer tokenizer-bench --out ${path}\`.`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${path} is not valid JSON (${(e as Error).message}); the file is damaged, re-create it.`);
  }
  return fromTokenizerJson(json, path);
}
