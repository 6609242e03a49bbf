/**
 * `memoryformer flops`: FLOPs, parameters and table memory of a model next to its counterpart
 * (a MemoryFormer next to the dense model of the same shape, or the other way round), per block
 * and for the whole model. The numbers come from server/src/model/flops.ts; this file only reads
 * the arguments and lays the report out, with where each layer runs on this machine
 * (server/src/engine/execution-plan.ts, the plan the language server follows).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import type { Command } from '../main.js';
import { PRESETS, presetNames, resolveConfig, type ModelConfig } from '../../model/config.js';
import { flopsReport, type FlopsReport, type LayerAccount, type ModelAccount, type StorageBytes } from '../../model/flops.js';
import { readModelConfig } from '../../model/model-dir.js';
import { executionPlan, renderPlan } from '../../engine/execution-plan.js';
import { kernelInfo } from '../../kernels/memory-layer-kernel.js';
import { PROVIDERS } from '../../engine/ort.js';
import { usageError } from '../usage-error.js';

const USAGE = `Usage: memoryformer flops (--preset NAME | --config FILE | --model DIR) [--seq N] [--provider NAME] [--json]

FLOPs (with and without attention; the paper's formulas and a count from the layer shapes),
parameter counts and table / weight memory of a model and its counterpart (MemoryFormer vs the
dense model of the same size), per block and for the whole model, with the saving in percent.
A multiply-add counts as one FLOP, as in the paper's Table 1. Then where each layer runs on this
machine, per phase (prefill, decode), and the dtype of its weights: the plan the language server follows.

Options:
  --preset NAME   a named config: ${presetNames().join(', ')}
  --config FILE   a JSON model config; missing fields take their defaults, and it may name a
                  "preset" to start from. With --preset too, the file's fields override the preset's.
  --model DIR     a model folder (its config.json), e.g. models/memoryformer-code-mini
  --seq N         sequence length s (default: the config's maxSeqLen)
  --provider NAME the execution provider to plan for: ${PROVIDERS.join(' | ')} (default cpu)
  --json          print one JSON object (the FlopsReport type in server/src/model/flops.ts, plus
                  "execution": ExecutionStep[] from server/src/engine/execution-plan.ts)
  -h, --help      show this help
`;

/** The model config fields a config file may set (anything else is probably a typo). */
const CONFIG_KEYS = new Set<string>([...Object.keys(PRESETS['paper-tiny'] ?? {}), 'preset']);

function readConfigFile(path: string): Partial<ModelConfig> & { preset?: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read config file '${path}': ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`config file '${path}' is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new Error(`config file '${path}' must hold a JSON object of model config fields, e.g. {"preset": "paper-tiny", "tau": 6}`);
  }
  const unknown = Object.keys(json).filter((k) => !CONFIG_KEYS.has(k));
  if (unknown.length) {
    // A warning, not an error: model directories may keep other fields next to the config.
    process.stderr.write(`memoryformer flops: ignoring unknown config field(s) ${unknown.join(', ')} in '${path}' ` +
      `(known: ${[...CONFIG_KEYS].join(', ')})\n`);
  }
  return json as Partial<ModelConfig> & { preset?: string };
}

function loadConfig(presetFlag: string | undefined, configPath: string | undefined): { cfg: ModelConfig; preset: string | null } {
  if (presetFlag === undefined && configPath === undefined) {
    throw usageError('give a model: --preset NAME or --config FILE');
  }
  const file = configPath === undefined ? {} : readConfigFile(configPath);
  if (presetFlag !== undefined && file.preset !== undefined && file.preset !== presetFlag) {
    throw usageError(`--preset ${presetFlag} and the config file's preset '${file.preset}' disagree; give one`);
  }
  const preset = presetFlag ?? file.preset ?? null;
  const cfg = resolveConfig({ ...file, ...(preset === null ? {} : { preset }) });
  return { cfg, preset };
}

function parseSeq(value: string | undefined, cfg: ModelConfig): number {
  if (value === undefined) return cfg.maxSeqLen;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n <= 0) {
    throw usageError(`--seq must be a positive integer (a sequence length in tokens), got '${value}'`);
  }
  return n;
}

/** A model folder's config.json (the model's own config, as the server loads it). */
async function loadModelConfig(dir: string): Promise<{ cfg: ModelConfig; preset: string }> {
  return { cfg: (await readModelConfig(dir)).config, preset: basename(dir) };
}

async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      preset: { type: 'string' },
      config: { type: 'string' },
      model: { type: 'string' },
      provider: { type: 'string', default: 'cpu' },
      seq: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.model !== undefined && (values.preset !== undefined || values.config !== undefined)) {
    throw usageError('give one model: --model DIR, or --preset NAME / --config FILE');
  }
  if (!(PROVIDERS as readonly string[]).includes(values.provider!)) throw usageError(`--provider must be one of ${PROVIDERS.join(', ')}, got '${values.provider}'`);
  const { cfg, preset } = values.model !== undefined ? await loadModelConfig(values.model) : loadConfig(values.preset, values.config);
  const report = flopsReport(cfg, parseSeq(values.seq, cfg), preset);
  const kernel = kernelInfo();
  const execution = executionPlan(cfg, values.provider!, kernel);
  if (values.json) {
    process.stdout.write(JSON.stringify({ ...report, execution }, null, 2) + '\n');
  } else {
    const kernels = kernel.backend === 'native' ? `native kernels ${kernel.isa}` : `no native kernels (${kernel.fallbackReason ?? 'addon not built'})`;
    process.stdout.write(renderReport(report) + `\nWhere each layer runs (this machine: provider ${values.provider}, ${kernels}):\n` + renderPlan(execution));
  }
  return 0;
}

export const flopsCommand: Command = {
  summary: 'FLOPs, parameters and table memory of a model vs its dense counterpart',
  usage: USAGE,
  run,
};

// ---- human-readable layout ----

function flops(n: number): string {
  // From 0.1G up in G, so a row reads in one unit and compares with the paper's figures.
  if (n >= 1e8) return `${(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(2)}K`;
  return String(n);
}

function count(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}K`;
  return String(n);
}

function bytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  return `${(n / 1e3).toFixed(1)} KB`;
}

/** Saving of the MemoryFormer against the dense model; where it needs more, say how many times. */
function saving(mf: number, dense: number): string {
  if (dense === 0) return '';
  if (mf <= dense) return `${(100 * (1 - mf / dense)).toFixed(1)}%`;
  return `${(mf / dense).toFixed(1)}x more`;
}

/** Aligns columns: the first `leftCols` to the left, the rest to the right. */
function table(rows: string[][], leftCols = 1): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows
    .map((r) => '  ' + r.map((c, i) => (i < leftCols ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('   ').trimEnd())
    .join('\n') + '\n';
}

function compareRow(label: string, mf: number, dense: number, fmt: (n: number) => string): string[] {
  return [label, fmt(mf), fmt(dense), saving(mf, dense)];
}

function bytesRows(label: string, mf: StorageBytes, dense: StorageBytes): string[][] {
  return (['fp32', 'fp16', 'int8'] as const).map((k) => compareRow(`${label} ${k}`, mf[k], dense[k], bytes));
}

function describe(m: ModelAccount): string {
  const c = m.config;
  if (c.arch === 'dense') return `dense: FFN ${c.ffnMult}d`;
  return `MemoryFormer: tau = ${c.tau}, K = ${c.dModel / c.tau}, ${c.expandBits} expanding bits`;
}

function layerCells(l: LayerAccount | undefined): string[] {
  if (!l) return ['(none: identity)', '', '', '', ''];
  const shape = l.kind === 'memory' ? `${l.inWidth}->${l.outWidth} tau ${l.tau} K ${l.chunks}` : `${l.inWidth}->${l.outWidth}`;
  const hash = l.sharesHashWith ? ` (hash of ${l.sharesHashWith})` : '';
  return [`${l.name} ${shape}${hash}`, flops(l.flops), count(l.weights), bytes(l.bytes.fp16)];
}

/** The dense layer each Memory Layer replaces: Q/K/V by name, ML1 -> FFN up, ML2 -> FFN down; O has none. */
function layerPairs(mf: LayerAccount[], dense: LayerAccount[]): Array<[LayerAccount | undefined, LayerAccount | undefined]> {
  const replaces: Record<string, string> = { Q: 'Q', K: 'K', V: 'V', ML1: 'FFN up', ML2: 'FFN down' };
  const pairs: Array<[LayerAccount | undefined, LayerAccount | undefined]> = [];
  for (const d of dense) pairs.push([mf.find((m) => replaces[m.name] === d.name), d]);
  return pairs;
}

export function renderReport(r: FlopsReport): string {
  const mf = r.memoryformer;
  const dn = r.dense;
  const c = mf.config;
  const subject = r.preset ?? (r.subject === 'memoryformer' ? 'this MemoryFormer' : 'this dense model');
  const other = r.subject === 'memoryformer' ? 'its dense counterpart' : 'its MemoryFormer counterpart';
  const out: string[] = [];
  out.push(`${subject} vs ${other}, s = ${r.seqLen} tokens; ${r.convention}`);
  out.push(`d = ${c.dModel}, ${c.nLayers} layers, ${c.nHeads} heads, vocab ${c.vocabSize}; ${describe(mf)}; ${describe(dn)}\n`);

  const pb = [mf.perBlock, dn.perBlock] as const;
  out.push('Per block');
  out.push(table([
    ['', 'MemoryFormer', 'Dense', 'Saving'],
    compareRow('FLOPs w/o attention (paper)', pb[0].paper.withoutAttention, pb[1].paper.withoutAttention, flops),
    compareRow('FLOPs total (paper)', pb[0].paper.total, pb[1].paper.total, flops),
    compareRow('FLOPs w/o attention (detailed)', pb[0].detailed.withoutAttention, pb[1].detailed.withoutAttention, flops),
    compareRow('FLOPs total (detailed)', pb[0].detailed.total, pb[1].detailed.total, flops),
    compareRow('Params: tables / matrices', pb[0].params.tables + pb[0].params.matrices, pb[1].params.tables + pb[1].params.matrices, count),
    compareRow('Params: biases and norms', pb[0].params.other, pb[1].params.other, count),
    ...bytesRows('Table / weight memory', pb[0].weightBytes, pb[1].weightBytes),
  ]));

  out.push('Layers of one block (detailed FLOPs, memory fp16)');
  out.push(table([
    ['MemoryFormer layer', 'FLOPs', 'values', 'fp16', 'replaces', 'FLOPs', 'weights', 'fp16'],
    ...layerPairs(pb[0].layers, pb[1].layers).map(([m, d]) => {
      const left = layerCells(m);
      const right = layerCells(d);
      return [left[0] ?? '', ...left.slice(1, 4), right[0] ?? '', ...right.slice(1, 4)];
    }),
  ]));

  out.push(`Whole model (${c.nLayers} blocks; LM head and embedding apart)`);
  out.push(table([
    ['', 'MemoryFormer', 'Dense', 'Saving'],
    compareRow('FLOPs blocks w/o attention (paper)', mf.blocks.paper.withoutAttention, dn.blocks.paper.withoutAttention, flops),
    compareRow('FLOPs blocks total (paper)', mf.blocks.paper.total, dn.blocks.paper.total, flops),
    compareRow('FLOPs blocks total (detailed)', mf.blocks.detailed.total, dn.blocks.detailed.total, flops),
    compareRow('FLOPs LM head (s d vocab)', mf.lmHead.flops, dn.lmHead.flops, flops),
    compareRow('FLOPs with LM head (paper)', mf.total.paperFlops, dn.total.paperFlops, flops),
    compareRow('FLOPs with LM head (detailed)', mf.total.detailedFlops, dn.total.detailedFlops, flops),
    compareRow('Params: blocks', mf.blocks.params.total, dn.blocks.params.total, count),
    compareRow('Params: embedding', mf.embedding.params, dn.embedding.params, count),
    compareRow('Params: LM head', mf.lmHead.params, dn.lmHead.params, count),
    compareRow('Params: total', mf.total.params, dn.total.params, count),
    ...bytesRows('Memory total', mf.total.bytes, dn.total.bytes),
  ]));

  out.push('Notes');
  for (const n of [...r.notes, 'Memory totals keep biases and norms in fp32.']) out.push(`  - ${n}`);
  return out.join('\n') + '\n';
}
