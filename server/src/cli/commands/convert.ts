/**
 * `memoryformer convert --from DIR --table-dtype int8 --out DIR`: writes a model folder whose
 * Memory Layer tables are stored in another dtype. From a training checkpoint the float32 master
 * weights are quantised once; from a model folder the stored values are widened first (so fp16 ->
 * int8 rounds twice: prefer the checkpoint when there is one).
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Command } from '../main.js';
import { TABLE_DTYPES, type ModelConfig, type TableDtype } from '../../model/config.js';
import { loadModel, saveModel, toFloat32Weights, WEIGHTS_FILE } from '../../model/model-dir.js';
import type { Weights } from '../../model/weights.js';
import { loadCheckpoint, STATE_JSON } from '../../train/checkpoint.js';
import { usageError } from '../usage-error.js';

const USAGE = `Usage: memoryformer convert --from DIR --table-dtype ${TABLE_DTYPES.join('|')} --out DIR

Writes a model folder with its Memory Layer tables stored as float32, float16 or int8 (one float32
scale per row; docs/MODEL_FORMAT.md). Other files already in --out (tokenizer.json, the model card)
are kept; the folder is replaced atomically.

Options:
  --from DIR          a training checkpoint (its float32 master weights) or a model folder
  --table-dtype NAME  ${TABLE_DTYPES.join(' | ')}
  --out DIR           the model folder to write (may be --from when that is a model folder)
`;

async function readWeights(from: string): Promise<{ config: ModelConfig; weights: Weights; source: string }> {
  if (existsSync(join(from, STATE_JSON))) {
    const ck = await loadCheckpoint(from);
    return { config: ck.model, weights: ck.state.weights, source: 'checkpoint (float32 master weights)' };
  }
  const { config, tensors } = await loadModel(from);
  return { config, weights: toFloat32Weights(tensors), source: `model folder (tables ${config.tableDtype})` };
}

export const convertCommand: Command = {
  summary: 'store a model\'s Memory Layer tables as float32, float16 or int8',
  usage: USAGE,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      options: { from: { type: 'string' }, 'table-dtype': { type: 'string' }, out: { type: 'string' } },
    });
    if (!values.from) throw usageError('--from DIR is required (a checkpoint or a model folder)');
    if (!values.out) throw usageError('--out DIR is required');
    const dtype = values['table-dtype'] as TableDtype | undefined;
    if (!dtype || !TABLE_DTYPES.includes(dtype)) throw usageError(`--table-dtype must be one of ${TABLE_DTYPES.join(', ')}, got '${dtype ?? ''}'`);
    const { config, weights, source } = await readWeights(values.from);
    if (config.arch !== 'memoryformer') throw new Error(`${values.from} holds a dense model: it has no Memory Layer tables to convert`);
    const cfg: ModelConfig = { ...config, tableDtype: dtype };
    await saveModel(values.out, cfg, weights);
    const bytes = statSync(join(values.out, WEIGHTS_FILE)).size;
    process.stdout.write(`wrote ${values.out}: tables ${dtype}, ${WEIGHTS_FILE} ${(bytes / 1e6).toFixed(1)} MB, from the ${source}\n`);
  },
};
