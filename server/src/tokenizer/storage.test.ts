import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../util/rng.js';
import { bytesToByteLevel } from './byte-level.js';
import { SPLIT_PATTERN } from './pretokenize.js';
import { loadTokenizer, saveTokenizer } from './storage.js';
import { FIRST_MERGE_ID } from './special-tokens.js';
import { trainBpe } from './train-bpe.js';

const rng = new Rng(31);
const docs = Array.from({ length: 40 }, () => {
  let s = '';
  for (let i = 0; i < 80; i++) s += ['if (', 'x', ' = ', 'foo', '\n    ', 'é', '});', '\t', '123'][rng.int(9)];
  return s;
});
const tokenizer = trainBpe(docs, { vocabSize: 500 });
const dir = mkdtempSync(join(tmpdir(), 'tokenizer-test-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('save then load gives the same merges and encodings; the file is Hugging Face BPE format', async () => {
  const path = join(dir, 'sub', 'tokenizer.json');
  await saveTokenizer(path, tokenizer);
  assert.deepEqual(readdirSync(join(dir, 'sub')), ['tokenizer.json'], 'no temporary file left behind');
  const loaded = await loadTokenizer(path);
  assert.deepEqual(loaded.merges, tokenizer.merges);
  assert.equal(loaded.vocabSize, tokenizer.vocabSize);
  for (const d of docs) assert.deepEqual(loaded.encode(d), tokenizer.encode(d));

  const json = JSON.parse(readFileSync(path, 'utf8'));
  assert.equal(json.model.type, 'BPE');
  assert.equal(json.pre_tokenizer.pretokenizers[0].pattern.Regex, SPLIT_PATTERN);
  assert.equal(json.decoder.type, 'ByteLevel');
  assert.deepEqual(json.added_tokens.map((t: { id: number; special: boolean }) => [t.id, t.special]), [0, 1, 2, 3, 4, 5].map((i) => [i, true]));
  assert.equal(Object.keys(json.model.vocab).length, tokenizer.vocabSize - 6);
  assert.equal(json.model.vocab['Ġ'], 6 + 0x20, 'space is "Ġ" with id 6 + 32');
  // Merge r is "left right" in byte-level spelling and creates id 262 + r.
  const [a, b] = tokenizer.merges[0]!;
  const left = bytesToByteLevel(tokenizer.tokenBytes(a));
  const right = bytesToByteLevel(tokenizer.tokenBytes(b));
  assert.equal(json.model.merges[0], `${left} ${right}`);
  assert.equal(json.model.vocab[left + right], FIRST_MERGE_ID);
});

test('loading accepts the newer ["left", "right"] merge spelling', async () => {
  const path = join(dir, 'pairs.json');
  await saveTokenizer(path, tokenizer);
  const json = JSON.parse(readFileSync(path, 'utf8'));
  json.model.merges = json.model.merges.map((m: string) => m.split(' '));
  writeFileSync(path, JSON.stringify(json));
  assert.deepEqual((await loadTokenizer(path)).merges, tokenizer.merges);
});

test('bad files are refused with a message that names the problem', async () => {
  const good = join(dir, 'good.json');
  await saveTokenizer(good, tokenizer);
  const base = readFileSync(good, 'utf8');
  const variant = async (name: string, edit: (j: any) => void) => {
    const j = JSON.parse(base);
    edit(j);
    const p = join(dir, name);
    writeFileSync(p, JSON.stringify(j));
    return loadTokenizer(p);
  };
  await assert.rejects(loadTokenizer(join(dir, 'missing.json')), /cannot read tokenizer file .*missing\.json/);
  writeFileSync(join(dir, 'trunc.json'), base.slice(0, base.length / 2));
  await assert.rejects(loadTokenizer(join(dir, 'trunc.json')), /not valid JSON/);
  await assert.rejects(variant('wp.json', (j) => (j.model.type = 'WordPiece')), /model\.type is not "BPE"/);
  await assert.rejects(variant('pre.json', (j) => (j.pre_tokenizer = { type: 'ByteLevel' })), /pre_tokenizer differs/);
  await assert.rejects(variant('sp.json', (j) => (j.added_tokens[3].id = 9)), /<\|fim_middle\|> must be in added_tokens with id 3/);
  await assert.rejects(variant('swap.json', (j) => ([j.model.merges[0], j.model.merges[1]] = [j.model.merges[1], j.model.merges[0]])), /merges\[0\] must create token/);
  await assert.rejects(variant('extra.json', (j) => (j.model.vocab['zzzz'] = 9999)), /tokens but 256 bytes/);
  await assert.rejects(variant('byte.json', (j) => delete j.model.vocab['Ġ']), /byte 32 must be token "Ġ"/);
});
