/**
 * Training checkpoints: one directory, replaced atomically as a whole (writeDirAtomic: a temporary
 * sibling, every file fsynced, then renamed), so a crash or SIGKILL during a save leaves the
 * previous checkpoint intact. Contents:
 *   config.json, model.safetensors   the model in the model-dir format (loadModel reads it for
 *                                    inference; tables in the config's tableDtype)
 *   train-state.safetensors          float32 master weights (param/<name>), AdamW moments
 *                                    (m/<name>, v/<name>)
 *   train-state.json                 step, data-loader position and RNG state, model and training
 *                                    configs, and the SHA-256 of both .safetensors files
 * Loading verifies the hashes and every tensor's size; a corrupt or truncated checkpoint is refused
 * with a message that says so and what to do.
 */
import { promises as fsp } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { validateConfig, type ModelConfig } from '../model/config.js';
import { numel, weightSpecs, type Weights } from '../model/weights.js';
import { configJson, CONFIG_FILE, serializeModelWeights, toStoredTensors, WEIGHTS_FILE } from '../model/model-dir.js';
import { parseSafetensors, serializeSafetensors, type SafetensorsTensor } from '../model/safetensors.js';
import { restoreInterruptedDirSwap, writeDirAtomic, writeFileDurable } from '../util/atomic-write.js';
import type { TrainerState } from './trainer.js';
import { validateTrainConfig, type TrainConfig } from './train-config.js';
import type { LoaderState } from './data-loader.js';

export const STATE_JSON = 'train-state.json';
export const STATE_TENSORS = 'train-state.safetensors';
const CHECKPOINT_FORMAT = 'memoryformer-checkpoint';
const CHECKPOINT_VERSION = 1;

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

export interface CheckpointMeta {
  /** Anything the caller wants to keep with the checkpoint (loss history, corpus description). */
  [key: string]: unknown;
}

export interface Checkpoint {
  model: ModelConfig;
  train: TrainConfig;
  state: TrainerState;
  meta: CheckpointMeta;
}

interface StateJson {
  format: string;
  version: number;
  saveId: string;
  step: number;
  loader: LoaderState;
  model: ModelConfig;
  train: TrainConfig;
  sha256: Record<string, string>;
  meta: CheckpointMeta;
}

function sha256(chunks: readonly Uint8Array[]): string {
  const h = createHash('sha256');
  for (const c of chunks) h.update(c);
  return h.digest('hex');
}

export interface SaveHooks {
  /** Test hook: called after the first file of the new checkpoint is written, before the rest. */
  midWrite?: () => Promise<void>;
}

export async function saveCheckpoint(dir: string, ck: Checkpoint, hooks: SaveHooks = {}): Promise<void> {
  const { model, train, state } = ck;
  const saveId = randomBytes(8).toString('hex');
  const stored = toStoredTensors(model, state.weights);
  const modelChunks = serializeModelWeights(stored, saveId);
  const entries: Array<[string, SafetensorsTensor]> = [];
  for (const s of weightSpecs(model)) {
    entries.push([`param/${s.name}`, { dtype: 'F32', shape: s.shape, data: state.weights.get(s.name)! }]);
    entries.push([`m/${s.name}`, { dtype: 'F32', shape: s.shape, data: state.optimizer.m.get(s.name)! }]);
    entries.push([`v/${s.name}`, { dtype: 'F32', shape: s.shape, data: state.optimizer.v.get(s.name)! }]);
  }
  const stateChunks = serializeSafetensors(entries, { format: CHECKPOINT_FORMAT, saveId });
  const json: StateJson = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    saveId,
    step: state.optimizer.step,
    loader: state.loader,
    model,
    train,
    sha256: { [WEIGHTS_FILE]: sha256(modelChunks), [STATE_TENSORS]: sha256(stateChunks) },
    meta: ck.meta,
  };
  await writeDirAtomic(dir, async (tmp) => {
    await writeFileDurable(join(tmp, STATE_TENSORS), stateChunks);
    await hooks.midWrite?.();
    await writeFileDurable(join(tmp, WEIGHTS_FILE), modelChunks);
    await writeFileDurable(join(tmp, CONFIG_FILE), new TextEncoder().encode(configJson(model, saveId)));
    await writeFileDurable(join(tmp, STATE_JSON), new TextEncoder().encode(JSON.stringify(json, null, 1) + '\n'));
  });
}

const REDO = 'delete it and resume from an earlier copy, or start training again without --resume';

async function readFile(path: string, dir: string, what: string): Promise<Buffer> {
  try {
    return await fsp.readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new CheckpointError(`checkpoint ${dir} is incomplete: ${what} is missing; ${REDO}`);
    throw e;
  }
}

/** Loads and verifies a checkpoint directory. */
export async function loadCheckpoint(dir: string): Promise<Checkpoint> {
  try {
    await fsp.stat(dir);
  } catch {
    if (!(await restoreInterruptedDirSwap(dir))) throw new CheckpointError(`no checkpoint at ${dir}; train without --resume first (checkpoints are written to <out>/checkpoint)`);
  }
  const jsonBytes = await readFile(join(dir, STATE_JSON), dir, STATE_JSON);
  let json: StateJson;
  try {
    json = JSON.parse(jsonBytes.toString('utf8')) as StateJson;
  } catch (e) {
    throw new CheckpointError(`checkpoint ${dir} is corrupt: ${STATE_JSON} is not valid JSON (${(e as Error).message}); ${REDO}`);
  }
  if (json.format !== CHECKPOINT_FORMAT || json.version !== CHECKPOINT_VERSION) {
    throw new CheckpointError(`${join(dir, STATE_JSON)} is not a version-${CHECKPOINT_VERSION} MemoryFormer training checkpoint (format ${JSON.stringify(json.format)}, version ${JSON.stringify(json.version)})`);
  }
  let model: ModelConfig;
  let train: TrainConfig;
  try {
    model = validateConfig({ ...json.model });
    train = validateTrainConfig({ ...json.train }, model);
  } catch (e) {
    throw new CheckpointError(`checkpoint ${dir} is corrupt: ${(e as Error).message}; ${REDO}`);
  }
  const bytes = await readFile(join(dir, STATE_TENSORS), dir, STATE_TENSORS);
  const modelBytes = await readFile(join(dir, WEIGHTS_FILE), dir, WEIGHTS_FILE);
  for (const [file, b] of [[STATE_TENSORS, bytes], [WEIGHTS_FILE, modelBytes]] as const) {
    const got = sha256([b]);
    if (got !== json.sha256?.[file]) {
      throw new CheckpointError(`checkpoint ${dir} is corrupt or truncated: ${file} (${b.byteLength} bytes) does not match the SHA-256 recorded in ${STATE_JSON}; ${REDO}`);
    }
  }
  let tensors: Map<string, SafetensorsTensor>;
  try {
    tensors = parseSafetensors(bytes, join(dir, STATE_TENSORS)).tensors;
  } catch (e) {
    throw new CheckpointError(`checkpoint ${dir} is corrupt: ${(e as Error).message}`);
  }
  const weights: Weights = new Map();
  const m: Weights = new Map();
  const v: Weights = new Map();
  for (const s of weightSpecs(model)) {
    for (const [prefix, into] of [['param', weights], ['m', m], ['v', v]] as const) {
      const t = tensors.get(`${prefix}/${s.name}`);
      if (!t || t.dtype !== 'F32' || numel(t.shape) !== numel(s.shape)) {
        throw new CheckpointError(`checkpoint ${dir} is corrupt: tensor ${prefix}/${s.name} is missing or not float32 [${s.shape.join(', ')}]; ${REDO}`);
      }
      // Own copy: parse may return views into the file buffer, and training writes in place.
      into.set(s.name, Float32Array.from(t.data as Float32Array));
    }
  }
  if (!Number.isInteger(json.step) || json.step < 0) throw new CheckpointError(`checkpoint ${dir} is corrupt: step ${json.step}; ${REDO}`);
  return { model, train, state: { weights, optimizer: { step: json.step, m, v }, loader: json.loader }, meta: json.meta ?? {} };
}
