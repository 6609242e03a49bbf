import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Rng } from '../util/rng.js';
import { trainBpe } from '../tokenizer/train-bpe.js';
import { SPECIAL_IDS } from '../tokenizer/special-tokens.js';
import { buildCorpus } from './build-corpus.js';
import { checkLicense } from './licenses.js';
import { corpusTotals, readManifest, readSplitDocuments, MANIFEST_FILE } from './manifest.js';
import { parseSources, type CorpusSource } from './sources.js';
import { renderSourcesMarkdown } from './sources-md.js';
import { readTokenStream } from './token-stream.js';
import { writeTokenStreams } from './write-token-streams.js';
import { randomSource } from './test-helpers.js';

/** Local "packages" (no network): folder per source with files, and a declared license. */
function makePackages(root: string, rng: Rng) {
  const shared = randomSource(rng, 30);
  const pkgs: Record<string, { license: string; files: Record<string, string> }> = {
    alpha: { license: 'MIT', files: { 'package.json': '{}', 'src/shared.ts': shared, 'dist/index.js': randomSource(rng, 20), 'src/x.d.ts': randomSource(rng, 5) } },
    beta: { license: 'GPL-3.0', files: { 'src/secret.js': randomSource(rng, 30) } },
    gamma: { license: 'Apache-2.0', files: { 'lib/copy.js': shared, 'lib/reindented.js': shared.replace(/^ {2}/gm, '\t'), 'lib/app.min.js': randomSource(rng, 5) } },
  };
  for (let i = 0; i < 120; i++) pkgs.alpha!.files[`src/m${i}.ts`] = randomSource(rng, 5 + rng.int(40));
  for (let i = 0; i < 40; i++) pkgs.gamma!.files[`py/mod${i}.py`] = randomSource(rng, 5 + rng.int(40));
  for (const [name, p] of Object.entries(pkgs)) {
    for (const [rel, text] of Object.entries(p.files)) {
      const path = join(root, name, rel);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
    }
  }
  const sources: CorpusSource[] = Object.keys(pkgs).map((name) => ({ kind: 'npm', name, version: '1.0.0' }));
  const fetch = (_cache: string, s: CorpusSource) => ({ root: join(root, s.name), license: checkLicense(pkgs[s.name]!.license), cached: true });
  return { pkgs, sources, fetch };
}

test('corpus build: license refusal, filtering, dedup, split files with exact offsets, deterministic output, token streams', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mf-corpus-'));
  try {
    const { pkgs, sources, fetch } = makePackages(join(dir, 'pkgs'), new Rng(17));
    const out = join(dir, 'out');
    const m = await buildCorpus({ sources, outDir: out, cacheDir: join(dir, 'cache'), maxBytes: 1e9, fetch });
    const [alpha, beta, gamma] = m.sources;
    assert.equal(beta!.status, 'refused');
    assert.match(beta!.reason!, /GPL-3.0/);
    assert.equal(m.files.filter((f) => f.package === 'beta@1.0.0').length, 0, 'nothing from a refused source');
    assert.deepEqual(alpha!.dropped, { extension: 1, vendored: 1, declaration: 1 });
    assert.deepEqual(gamma!.dropped, { 'exact-duplicate': 1, 'near-duplicate': 1, vendored: 1 });
    assert.equal(alpha!.files, 121);
    assert.equal(gamma!.files, 40);
    // Every kept file comes back byte for byte from its split's text file.
    const back = new Map<string, string>();
    for (const split of ['train', 'val', 'test'] as const) {
      for (const { file, bytes } of readSplitDocuments(out, readManifest(out), split)) back.set(`${file.package}/${file.file}`, Buffer.from(bytes).toString('utf8'));
    }
    assert.equal(back.size, 161);
    for (const [name, p] of Object.entries(pkgs)) {
      for (const [rel, text] of Object.entries(p.files)) if (back.has(`${name}@1.0.0/${rel}`)) assert.equal(back.get(`${name}@1.0.0/${rel}`), text);
    }
    const t = corpusTotals(m);
    assert.equal(t.bySplit.train.files + t.bySplit.val.files + t.bySplit.test.files, 161);
    assert.ok(t.bySplit.val.files > 0 && t.bySplit.test.files > 0, JSON.stringify(t.bySplit));
    assert.equal(t.bytesByLanguage.python, Object.entries(pkgs.gamma!.files).filter(([k]) => k.endsWith('.py')).reduce((a, [, v]) => a + Buffer.byteLength(v), 0));

    // A rebuild gives the same bytes; a budget stops adding files and counts the rest.
    const before = readFileSync(join(out, MANIFEST_FILE));
    await buildCorpus({ sources, outDir: out, cacheDir: join(dir, 'cache'), maxBytes: 1e9, fetch });
    assert.deepEqual(readFileSync(join(out, MANIFEST_FILE)), before);
    const small = await buildCorpus({ sources, outDir: join(dir, 'small'), cacheDir: join(dir, 'cache'), maxBytes: 5000, fetch });
    assert.ok(corpusTotals(small).bytesKept <= 5000 && (corpusTotals(small).dropped.budget ?? 0) > 100);
    const capped = await buildCorpus({ sources: sources.map((s) => (s.name === 'alpha' ? { ...s, maxBytes: 3000 } : s)), outDir: join(dir, 'capped'), cacheDir: join(dir, 'cache'), maxBytes: 1e9, fetch });
    assert.ok(capped.sources[0]!.bytes <= 3000 && capped.sources[2]!.files === 40);

    // Token streams: split on <|endoftext|>, each document reassembles to a val/train file.
    const tokenizer = trainBpe([readFileSync(join(out, 'train.txt'))], { vocabSize: 800 });
    const stats = await writeTokenStreams(out, tokenizer, { seed: 5, fimRate: 0.5 });
    for (const split of ['train', 'val'] as const) {
      const ids = Array.from(readTokenStream(join(out, `${split}.bin`)));
      const expected = [...readSplitDocuments(out, readManifest(out), split)].map((d) => Buffer.from(d.bytes).toString('utf8')).sort();
      const got: string[] = [];
      let start = 0;
      for (let i = 0; i < ids.length; i++) {
        if (ids[i] !== SPECIAL_IDS.endOfText) continue;
        const doc = ids.slice(start, i);
        start = i + 1;
        if (doc[0] === SPECIAL_IDS.fimPrefix) {
          const mid = doc.indexOf(SPECIAL_IDS.fimMiddle);
          got.push(tokenizer.decodeText(doc.slice(mid + 1)) + tokenizer.decodeText(doc.slice(2, mid)));
        } else got.push(tokenizer.decodeText(doc));
      }
      assert.equal(start, ids.length, 'the stream ends with <|endoftext|>');
      assert.deepEqual(got.sort(), expected);
      assert.equal(stats[split]!.tokens, ids.length);
    }
    const train1 = readFileSync(join(out, 'train.bin'));
    await writeTokenStreams(out, tokenizer, { seed: 5, fimRate: 0.5 });
    assert.deepEqual(readFileSync(join(out, 'train.bin')), train1, 'same seed, same stream');
    await writeTokenStreams(out, tokenizer, { seed: 6, fimRate: 0.5 });
    assert.notDeepEqual(readFileSync(join(out, 'train.bin')), train1);

    const md = renderSourcesMarkdown(m, 'code-small');
    assert.match(md, /\| npm \| alpha \| 1\.0\.0 \| MIT \| 121 \|/);
    assert.match(md, /\| npm \| gamma \| 1\.0\.0 \| Apache-2\.0 \| 40 \|/);
    assert.match(md, /Refused[^\n]*\n\n- npm beta 1\.0\.0: .*GPL-3\.0/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('source lists must pin exact versions, known kinds, no duplicates', () => {
  assert.deepEqual(parseSources({ sources: [{ kind: 'npm', name: '@scope/x', version: '1.2.3' }, { kind: 'deb', name: 'python3-six', version: '1.16.0-4', maxMb: 2 }] }), [
    { kind: 'npm', name: '@scope/x', version: '1.2.3' },
    { kind: 'deb', name: 'python3-six', version: '1.16.0-4', maxBytes: 2e6 },
  ]);
  assert.throws(() => parseSources({ sources: [{ kind: 'npm', name: 'x', version: '^1.2.3' }] }), /exact version/);
  assert.throws(() => parseSources({ sources: [{ kind: 'pip', name: 'x', version: '1' }] }), /"kind"/);
  assert.throws(() => parseSources({ sources: [{ kind: 'npm', name: 'x', version: '1' }, { kind: 'npm', name: 'x', version: '2' }] }), /twice/);
  assert.throws(() => parseSources({ sources: [{ kind: 'npm', name: 'x', version: '1', maxMb: -1 }] }), /maxMb/);
  assert.throws(() => parseSources([]), /expected an object/);
});
