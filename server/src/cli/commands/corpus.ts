/**
 * `memoryformer corpus`: builds the pretraining corpus of the default code model from the pinned
 * source list (permissively licensed npm and Debian Python packages), and optionally its token
 * streams and the model's SOURCES.md. The registry is contacted only for packages missing from
 * the cache. See docs/CORPUS.md.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Command } from '../main.js';
import { buildCorpus, mb } from '../../corpus/build-corpus.js';
import { corpusTotals } from '../../corpus/manifest.js';
import { loadSources } from '../../corpus/sources.js';
import { renderSourcesMarkdown } from '../../corpus/sources-md.js';
import { writeTokenStreams } from '../../corpus/write-token-streams.js';
import { loadTokenizer } from '../../tokenizer/storage.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { usageError } from '../usage-error.js';

const USAGE = `Usage: memoryformer corpus --out DIR [options]

Builds the pretraining corpus: fetches the pinned packages (cached in --cache), refuses
non-permissive licenses, filters and deduplicates source files, splits them by file into
train / val / test, and writes DIR/corpus.json (manifest) and DIR/{train,val,test}.txt.

Options:
  --out DIR          output folder (replaced atomically)
  --sources FILE     pinned source list (default scripts/corpus-sources.json)
  --cache DIR        download cache (default .cache/corpus)
  --max-mb N         stop adding files after N MB of kept source (default 40)
  --seed N           seed for document order and FIM split points (default 1)
  --tokenizer FILE   also write DIR/train.bin and DIR/val.bin (uint16 LE token streams)
  --fim-rate R       share of documents encoded fill-in-the-middle, SPM order (default 0.5)
  --model NAME       also write models/NAME/SOURCES.md (sources, versions, licenses, sizes)
`;

function number(value: string, what: string, check: (x: number) => boolean, rule: string): number {
  const x = Number(value);
  if (value.trim() === '' || !Number.isFinite(x) || !check(x)) throw usageError(`--${what} must be ${rule}, got '${value}'`);
  return x;
}

export const corpusCommand: Command = {
  summary: 'build the pretraining corpus (pinned permissive packages) and its token streams',
  usage: USAGE,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        out: { type: 'string' },
        sources: { type: 'string', default: 'scripts/corpus-sources.json' },
        cache: { type: 'string', default: '.cache/corpus' },
        'max-mb': { type: 'string', default: '40' },
        seed: { type: 'string', default: '1' },
        tokenizer: { type: 'string' },
        'fim-rate': { type: 'string', default: '0.5' },
        model: { type: 'string' },
      },
    });
    if (!values.out) throw usageError('--out DIR is required');
    const maxMb = number(values['max-mb'], 'max-mb', (x) => x > 0, 'a positive number');
    const seed = number(values.seed, 'seed', (x) => Number.isInteger(x) && x >= 0 && x < 2 ** 32, 'an integer in [0, 2^32)');
    const fimRate = number(values['fim-rate'], 'fim-rate', (x) => x >= 0 && x <= 1, 'a number in [0, 1]');
    if (values.model !== undefined && !/^[\w.-]+$/.test(values.model)) throw usageError(`--model must be a plain folder name, got '${values.model}'`);
    const log = (line: string) => process.stdout.write(line + '\n');

    // Load the tokenizer first, so that a bad tokenizer file fails before minutes of work.
    const tokenizer = values.tokenizer ? await loadTokenizer(values.tokenizer) : undefined;
    const started = Date.now();
    const sources = loadSources(values.sources);
    const cacheDir = resolve(values.cache);
    mkdirSync(cacheDir, { recursive: true });
    log(`corpus: ${sources.length} sources from ${values.sources}, cache ${cacheDir}, at most ${maxMb} MB`);
    const manifest = await buildCorpus({ sources, outDir: resolve(values.out), cacheDir, maxBytes: Math.round(maxMb * 1e6), log });
    const t = corpusTotals(manifest);
    log('');
    log(`sources: ${t.sourcesUsed} used, ${t.sourcesRefused} refused${t.sourcesRefused ? ': ' + manifest.sources.filter((s) => s.status === 'refused').map((s) => `${s.name} (${s.license})`).join(', ') : ''}`);
    log(`files kept: ${t.filesKept} (${mb(t.bytesKept)})`);
    log(`files dropped: ${Object.entries(t.dropped).sort((a, b) => b[1] - a[1]).map(([r, n]) => `${r} ${n}`).join(', ') || 'none'}`);
    log(`bytes by language: ${Object.entries(t.bytesByLanguage).map(([l, b]) => `${l} ${mb(b)}`).join(', ')}`);
    log(`splits: ${Object.entries(t.bySplit).map(([s, x]) => `${s} ${x.files} files ${mb(x.bytes)}`).join(', ')}`);
    log(`corpus written to ${values.out} in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    if (tokenizer) {
      const t0 = Date.now();
      await writeTokenStreams(resolve(values.out), tokenizer, { seed, fimRate, log });
      log(`token streams written in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    if (values.model) {
      const dir = join('models', values.model);
      mkdirSync(dir, { recursive: true });
      await writeFileAtomic(join(dir, 'SOURCES.md'), Buffer.from(renderSourcesMarkdown(manifest, values.model)));
      log(`wrote ${join(dir, 'SOURCES.md')}`);
    }
  },
};
