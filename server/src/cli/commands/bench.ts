/**
 * `memoryformer bench`: speed measured side by side in one process (never asserted by tests).
 * Suites: layers (Memory Layer vs dense layer as ONNX graphs), decode (whole-model decode
 * tokens/s of MemoryFormer presets vs their dense twins). Results print as a table and, with
 * --json, as one JSON object including the machine description, for docs/BENCHMARKS.md.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Command } from '../main.js';
import { benchLayers } from '../../bench/layer-bench.js';
import { benchDecode } from '../../bench/decode-bench.js';
import { benchKernels, HEADER as KERNEL_HEADER } from '../../kernels/bench-kernels.js';
import { benchTrain } from '../../train/bench-train.js';
import { benchPrecision } from '../../bench/precision-bench.js';
import { loadTokenizer } from '../../tokenizer/storage.js';
import { collectSourceFiles } from '../../eval/source-files.js';
import { benchLsp, defaultBenchFile } from '../../bench/lsp-bench.js';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';

import { machineDescription } from '../../bench/timing.js';
import { ortVersion, PROVIDERS, type ProviderName } from '../../engine/ort.js';
import { intOption, usageError } from '../usage-error.js';

/** The folder holding package.json above `from` (the sources and the bundle sit at different depths). */
function packageRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

const SUITES = ['layers', 'kernels', 'decode', 'train', 'lsp', 'precision'] as const;
type Suite = (typeof SUITES)[number];

const USAGE = `Usage: memoryformer bench [--suite ${SUITES.join(',')}] [options]

Measures speed side by side in one run, on this machine (figures go to docs/BENCHMARKS.md).
  layers   the Memory Layer (ONNX: Gather + batched MatMul) against the dense layer it replaces,
           N = 1 and 512 tokens, d in {256, 512, 1024, 2048}, tau = 8
  kernels  the native Memory Layer kernels (fp32/fp16/int8, row-major and tiled) against ORT's dense
           MatMul kernel time, and table-read bandwidth against this machine's read bandwidth
  decode   whole-model decode tokens/s of MemoryFormer presets against their dense twins
  train    training tokens/s of the code presets and their dense twins, with a step's breakdown
  lsp      completion latency through the real language server (the built bundle) on a 1,000-line
           file with the default model: fresh positions, typed-ahead positions, a 50-keystroke burst
  precision  bits per byte with the tables as fp32, fp16 and int8, from a training checkpoint's fp32
           weights (default: the pretraining run's, .cache/pretrain; not part of 'all')

Options:
  --suite LIST      comma-separated suites (default: all)
  --dims LIST       layer widths for 'layers' (default 256,512,1024,2048)
  --threads LIST    intra-op thread counts (default 1,2)
  --presets LIST    presets for 'decode' (default code-mini,code-small)
  --prompt N        prompt tokens before decoding, for 'decode' (default 64)
  --provider NAME   ${PROVIDERS.join(' | ')} (default cpu)
  --reps N          repetitions per measurement (default 20; 10x that for one-token runs)
  --checkpoint DIR  'precision': checkpoint with fp32 weights (default .cache/pretrain/memoryformer/checkpoint)
  --data DIR        'precision': held-out code (default .cache/pretrain/held-out)
  --json FILE       also write the results as JSON to FILE
`;

function intList(s: string, what: string): number[] {
  const xs = s.split(',').map((x) => Number(x.trim()));
  if (xs.some((x) => !Number.isInteger(x) || x <= 0)) throw usageError(`--${what} must be a comma-separated list of positive integers, got '${s}'`);
  return xs;
}

export const benchCommand: Command = {
  summary: 'measure the Memory Layer and whole-model decode against the dense baseline',
  usage: USAGE,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        suite: { type: 'string', default: SUITES.filter((x) => x !== 'precision').join(',') },
        checkpoint: { type: 'string', default: '.cache/pretrain/memoryformer/checkpoint' },
        data: { type: 'string', default: '.cache/pretrain/held-out' },
        dims: { type: 'string', default: '256,512,1024,2048' },
        threads: { type: 'string', default: '1,2' },
        presets: { type: 'string', default: 'code-mini,code-small' },
        prompt: { type: 'string', default: '64' },
        provider: { type: 'string', default: 'cpu' },
        reps: { type: 'string', default: '20' },
        json: { type: 'string' },
      },
    });
    const suites = values.suite.split(',').map((s) => s.trim()) as Suite[];
    for (const s of suites) if (!SUITES.includes(s)) throw usageError(`unknown suite '${s}'; known: ${SUITES.join(', ')}`);
    const provider = values.provider as ProviderName;
    if (!PROVIDERS.includes(provider)) throw usageError(`--provider must be one of ${PROVIDERS.join(', ')}`);
    const threads = intList(values.threads, 'threads');
    const reps = intList(values.reps, 'reps')[0]!;
    const log = (line: string) => process.stdout.write(line + '\n');
    const machine = machineDescription();
    log(`machine: ${machine}; onnxruntime-node ${ortVersion()}; provider ${provider}`);
    const result: Record<string, unknown> = { machine, onnxruntime: ortVersion(), provider, date: new Date().toISOString() };
    if (suites.includes('layers')) {
      log('\n# Memory Layer vs dense layer (ONNX graphs; ratio = memory / dense, < 1 is faster)');
      result.layers = await benchLayers({ dims: intList(values.dims, 'dims'), tokens: [1, 512], threads, provider, reps, log });
    }
    if (suites.includes('kernels')) {
      log('\n# Native Memory Layer kernels vs ORT dense MatMul (ratio = kernel / dense kernel time)');
      log(KERNEL_HEADER);
      const kernelDims = intList(values.dims, 'dims').filter((d) => d >= 512);
      result.kernels = await benchKernels({ dims: kernelDims, threads, log });
    }
    if (suites.includes('decode')) {
      log(`\n# Whole-model decode (random weights; prompt ${values.prompt} tokens, 64 generated)`);
      const rows = [];
      for (const t of threads) {
        rows.push(...(await benchDecode({ presets: values.presets.split(','), provider, threads: t, promptTokens: intOption(values.prompt, 'prompt')!, decodeTokens: 64, reps: Math.max(3, Math.round(reps / 4)), log: (l) => log(`threads=${t} ${l}`) })));
      }
      result.decode = rows;
    }
    if (suites.includes('train')) {
      log('\n# Training steps (batch 8 x seq 128, random tokens; each preset, then its dense twin)');
      result.train = await benchTrain({ presets: values.presets.split(','), threads: Math.max(...threads), provider, compareScatter: true, log });
    }
    if (suites.includes('lsp')) {
      log('\n# Completion latency through the language server (ms, request to response)');
      const root = packageRoot(__dirname);
      const r = await benchLsp({ cli: join(root, 'dist', 'server', 'cli.js'), file: defaultBenchFile(root), positions: 60, threads: Math.max(...threads), log });
      const p = (x: { n: number; p50: number; p95: number }) => `p50 ${x.p50.toFixed(1)}, p95 ${x.p95.toFixed(1)} (n=${x.n})`;
      log(`file ${r.file} (${r.lines} lines)`);
      log(`fresh position, single-line       ${p(r.fresh)}; ${r.emptyFresh} answered with no suggestion`);
      log(`fresh position, line end (multi)  ${p(r.freshMultiLine)}`);
      log(`typed the suggestion's next char  ${p(r.typedAheadSuggestion)}`);
      log(`typed another char (KV reuse)     ${p(r.typedAheadOther)}`);
      log(`burst of ${r.burst.keystrokes} keystrokes: ${r.burst.totalMs.toFixed(0)} ms to the last answer, ${r.burst.modelCalls} model calls`);
      log(`server start to ready (model loaded): ${r.readyMs.toFixed(0)} ms; resident memory then ${(r.rssReadyBytes / 1e6).toFixed(0)} MB`);
      result.lsp = r;
    }
    if (suites.includes('precision')) {
      log('\n# Table precision: bits per byte of held-out code, tables as fp32 / fp16 / int8 (native decoder)');
      const tokenizer = await loadTokenizer(join(values.checkpoint, '..', 'model', 'tokenizer.json'));
      result.precision = await benchPrecision({ checkpoint: values.checkpoint, tokenizer, files: collectSourceFiles(values.data), maxBytes: 48 * 1024, seed: 1, log });
    }
    if (values.json) writeFileSync(values.json, JSON.stringify(result, null, 2) + '\n');
  },
};
