/**
 * `memoryformer eval --model DIR --data DIR`: bits per byte and line-completion exact match /
 * edit similarity of a model on every source file under a folder (server/src/eval/).
 */
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import type { Command } from '../main.js';
import { PROVIDERS, type ProviderChoice } from '../../engine/ort.js';
import { loadTokenizer } from '../../tokenizer/storage.js';
import { collectSourceFiles } from '../../eval/source-files.js';
import { DEFAULT_EVAL_OPTIONS } from '../../eval/evaluate.js';
import { evaluateModelDir, type DecodeWay } from '../../eval/evaluate-model-dir.js';
import { defaultModelDir } from '../../model/default-model.js';
import { intOption, usageError } from '../usage-error.js';

const USAGE = `Usage: memoryformer eval --data DIR [--model DIR] [--limit N] [--seed N] [--json]

Evaluates a completion model on every source file under DIR:
  bits per byte          how well the model predicts the code (left to right)
  line completion        at sampled cursor positions (line starts and mid-line) the model completes
                         the rest of the line from the text before the cursor and the lines after
                         (fill-in-the-middle); exact match and edit similarity (CodeXGLUE convention)

Options:
  --model DIR        model folder (config.json, model.safetensors, tokenizer.json); default: the shipped model
  --data DIR         folder of source files
  --limit N          cursor positions for line completion (default ${DEFAULT_EVAL_OPTIONS.limit})
  --bpb-bytes N      bytes of code scored for bits per byte (default ${DEFAULT_EVAL_OPTIONS.maxBpbBytes})
  --seed N           sampling seed (default 0); results are deterministic given it
  --device NAME      auto | ${PROVIDERS.join(' | ')} (default cpu)
  --threads N        intra-op threads
  --decode WAY       native | onnx: how generated tokens are decoded for line completion (default: what
                     the language server does, native on the CPU when the addon is built; see
                     \`memoryformer flops --model DIR\`)
  --json             print the report as JSON
`;

function nonNegInt(v: string, what: string): number {
  return intOption(v, what, 0)!;
}

export const evalCommand: Command = {
  summary: 'bits per byte and line-completion exact match / edit similarity on a folder of code',
  usage: USAGE,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        model: { type: 'string' },
        data: { type: 'string' },
        limit: { type: 'string', default: String(DEFAULT_EVAL_OPTIONS.limit) },
        'bpb-bytes': { type: 'string', default: String(DEFAULT_EVAL_OPTIONS.maxBpbBytes) },
        seed: { type: 'string', default: '0' },
        device: { type: 'string', default: 'cpu' },
        threads: { type: 'string' },
        decode: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    });
    if (!values.data) throw usageError('--data DIR is required');
    const modelDir = values.model ?? defaultModelDir();
    if (!modelDir) throw new Error('no --model given and no default model is shipped in models/');
    const device = values.device as ProviderChoice;
    if (device !== 'auto' && !PROVIDERS.includes(device)) throw usageError(`--device must be auto or one of ${PROVIDERS.join(', ')}`);
    const files = collectSourceFiles(values.data);
    const tokenizer = await loadTokenizer(join(modelDir, 'tokenizer.json'));
    const progress = !values.json && process.stderr.isTTY;
    if (values.decode !== undefined && values.decode !== 'native' && values.decode !== 'onnx') throw usageError(`--decode must be native or onnx, got '${values.decode}'`);
    const report = await evaluateModelDir(modelDir, tokenizer, files, {
      provider: device,
      threads: values.threads ? nonNegInt(values.threads, 'threads') : undefined,
      decode: values.decode as DecodeWay | undefined,
      seed: nonNegInt(values.seed, 'seed'),
      limit: nonNegInt(values.limit, 'limit'),
      maxBpbBytes: nonNegInt(values['bpb-bytes'], 'bpb-bytes'),
      onProgress: progress ? (d, t) => process.stderr.write(`\rline completion ${d}/${t}`) : undefined,
    });
    if (progress) process.stderr.write('\n');
    if (values.json) {
      process.stdout.write(JSON.stringify({ model: modelDir, data: values.data, ...report }, null, 2) + '\n');
      return;
    }
    const lc = report.lineCompletion;
    const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
    process.stdout.write(
      [
        `model ${modelDir} on ${values.data}: ${report.files} files, ${report.seconds.toFixed(1)} s (generated tokens: ${report.decode})`,
        `bits per byte        ${report.bpb.bitsPerByte.toFixed(3)}  (${report.bpb.bytes} bytes, ${report.bpb.tokens} tokens)`,
        `line completion      ${lc.positions} positions: exact match ${pct(lc.exactMatch)}, edit similarity ${pct(lc.editSimilarity)}`,
        `  at line starts     ${lc.lineStart.positions}: EM ${pct(lc.lineStart.exactMatch)}, ES ${pct(lc.lineStart.editSimilarity)}`,
        `  mid-line           ${lc.midLine.positions}: EM ${pct(lc.midLine.exactMatch)}, ES ${pct(lc.midLine.editSimilarity)}`,
        '',
      ].join('\n'),
    );
  },
};
