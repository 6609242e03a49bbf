/**
 * A model on disk is a directory with two files (docs/MODEL_FORMAT.md):
 *   config.json        the complete ModelConfig plus {"format": "memoryformer", "formatVersion": 1}
 *   model.safetensors  every weight of weightSpecs(config), named and shaped as there; Memory
 *                      Layer tables in config.tableDtype, everything else float32. An int8
 *                      table carries one float32 scale per row beside it, `<name>.scales`.
 *
 * Saving replaces the whole directory atomically (writeDirAtomic) rather than each file in
 * turn: the two files must match each other, and a reader should never see a new config.json
 * with old weights or the reverse, nor lose the last good model to a crash. Other files kept in
 * the directory (a tokenizer, notes) are carried over to the new version.
 *
 * Both files carry the same random save id, so that a reader that raced a save (read the old
 * config.json, then the new weights) notices, and reads again.
 */
import { promises as fsp } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { ConfigError, PRESETS, resolveConfig, validateConfig, type ModelConfig } from './config.js';
import { numel, sideBySideTables, weightSpecs, type WeightSpec, type Weights } from './weights.js';
import { parseSafetensors, serializeSafetensors, type SafetensorsTensor } from './safetensors.js';
import { float16ToFloat32, float32ToFloat16 } from '../util/float16.js';
import { int8ScaleOfMax, maxAbs, packTableTs, unpackTable } from '../kernels/table-format.js';
import { cleanStaleTemps, restoreInterruptedDirSwap, writeDirAtomic, writeFileDurable, type CleanupReport } from '../util/atomic-write.js';

export const FORMAT_NAME = 'memoryformer';
export const FORMAT_VERSION = 1;
export const CONFIG_FILE = 'config.json';
export const WEIGHTS_FILE = 'model.safetensors';

export type StoredDtype = 'float32' | 'float16' | 'int8';

/** A weight as stored: float16 values stay raw half bits (the ONNX graph takes them as they are). */
export interface StoredTensor {
  dtype: StoredDtype;
  shape: number[];
  data: Float32Array | Uint16Array | Int8Array;
  /** int8 tables only: one float32 scale per row, value = q * scale (the native kernels' format). */
  scales?: Float32Array;
}

/** Suffix of the tensor that holds an int8 table's row scales: `<table>.scales`, F32 [rows]. */
export const INT8_SCALES_SUFFIX = '.scales';

export interface LoadedModel {
  config: ModelConfig;
  /** In weightSpecs(config) order. */
  tensors: Map<string, StoredTensor>;
}

export class ModelFormatError extends Error {
  override name = 'ModelFormatError';
}

const REEXPORT = 're-export the model (save it again with this extension)';

/** The dtype a weight is stored in under a config: tables follow tableDtype, the rest is float32. */
export function storedDtype(spec: WeightSpec, cfg: ModelConfig): StoredDtype {
  return spec.role === 'table' ? cfg.tableDtype : 'float32';
}

const SAFETENSORS_DTYPE = { float32: 'F32', float16: 'F16', int8: 'I8' } as const;
const TYPED_ARRAY = { float32: Float32Array, float16: Uint16Array, int8: Int8Array } as const;

/**
 * float32 weights -> one stored tensor: fp16 rounds to nearest even; int8 quantises each row with
 * `rowScales` (default: the row's own maxabs / 127).
 */
function storeTensor(w: Float32Array, shape: number[], dtype: StoredDtype, rowScales?: Float32Array): StoredTensor {
  if (dtype === 'float16') return { dtype, shape, data: float32ToFloat16(w) };
  if (dtype === 'int8') {
    const { data, scales } = packTableTs(w, shape[0]!, shape[1]!, 'int8', 'row', rowScales);
    return { dtype, shape, data, scales: scales! };
  }
  return { dtype, shape, data: w };
}

/** Per row, the int8 scale of the largest magnitude in that row of any of `parts` ([rows, width] each). */
function int8RowScales(parts: Float32Array[], rows: number, width: number): Float32Array {
  const scales = new Float32Array(rows);
  for (let r = 0; r < rows; r++) scales[r] = int8ScaleOfMax(Math.max(...parts.map((v) => maxAbs(v, r * width, width))));
  return scales;
}

/**
 * Row scales shared by int8 tables read side by side (each block's Q, K and V): the largest of
 * theirs. The native decoder holds them as one table with one scale per row, so its int8 values are
 * then exactly the stored ones; with a scale each, the narrower parts were re-quantised there (up to
 * half a step of the widest part). The narrower parts lose a little resolution on disk instead
 * (measured: docs/BENCHMARKS.md section 3b).
 */
function sharedRowScales(cfg: ModelConfig, weights: Weights): Map<string, Float32Array> {
  const shared = new Map<string, Float32Array>();
  if (cfg.tableDtype !== 'int8') return shared;
  const byName = new Map(weightSpecs(cfg).map((s) => [s.name, s.shape]));
  for (const group of sideBySideTables(cfg)) {
    const [rows, width] = byName.get(group[0]!)! as [number, number];
    const scales = int8RowScales(group.map((n) => weights.get(n)!), rows, width);
    for (const n of group) shared.set(n, scales.slice());
  }
  return shared;
}

/** The float32 values a stored tensor stands for (float32 data are shared, not copied). */
export function storedToFloat32(t: StoredTensor): Float32Array {
  if (t.dtype === 'float16') return float16ToFloat32(t.data as Uint16Array);
  if (t.dtype === 'int8') return unpackTable(t.data as Int8Array, t.scales!, t.shape[0]!, t.shape[1]!, 'int8', 'row');
  return t.data as Float32Array;
}

/** The safetensors chunks of a model's weights file (int8 tables followed by their scales). */
export function serializeModelWeights(stored: Map<string, StoredTensor>, saveId: string): Uint8Array[] {
  const entries: Array<[string, SafetensorsTensor]> = [];
  for (const [name, t] of stored) {
    entries.push([name, { dtype: SAFETENSORS_DTYPE[t.dtype], shape: t.shape, data: t.data }]);
    if (t.dtype === 'int8') entries.push([name + INT8_SCALES_SUFFIX, { dtype: 'F32', shape: [t.shape[0]!], data: t.scales! }]);
  }
  return serializeSafetensors(entries, { format: FORMAT_NAME, formatVersion: String(FORMAT_VERSION), saveId });
}

function describe(dtype: string, shape: readonly number[]): string {
  return `${dtype} [${shape.join(', ')}]`;
}

function listProblems(problems: string[]): string {
  const shown = problems.slice(0, 6).join('; ');
  return problems.length > 6 ? `${shown}; and ${problems.length - 6} more` : shown;
}

/** Converts float32 weights (training's and the reference's form) to what is stored on disk. */
export function toStoredTensors(cfg: ModelConfig, weights: Weights): Map<string, StoredTensor> {
  const specs = weightSpecs(cfg);
  const problems: string[] = [];
  for (const spec of specs) {
    const w = weights.get(spec.name);
    const n = numel(spec.shape);
    if (!w) problems.push(`weight '${spec.name}' is missing (expected ${n} values, [${spec.shape.join(', ')}])`);
    else if (!(w instanceof Float32Array)) problems.push(`weight '${spec.name}' must be a Float32Array, got ${(w as object).constructor.name}`);
    else if (w.length !== n) problems.push(`weight '${spec.name}' has ${w.length} values, expected ${n} ([${spec.shape.join(', ')}])`);
  }
  const known = new Set(specs.map((s) => s.name));
  for (const name of weights.keys()) if (!known.has(name)) problems.push(`weight '${name}' is not part of this config's model`);
  if (problems.length) {
    throw new ModelFormatError(`cannot save: the weights do not match the config: ${listProblems(problems)}. Pass the weights built for this config (initWeights / training with the same config)`);
  }
  const shared = sharedRowScales(cfg, weights);
  return new Map(specs.map((spec) => [spec.name, storeTensor(weights.get(spec.name)!, [...spec.shape], storedDtype(spec, cfg), shared.get(spec.name))]));
}

/** Widens every tensor to float32 (training and the reference compute in float32). float32 data are shared, not copied. */
export function toFloat32Weights(tensors: Map<string, StoredTensor>): Weights {
  const out: Weights = new Map();
  for (const [name, t] of tensors) out.set(name, storedToFloat32(t));
  return out;
}

/** The text of config.json for a config (all fields written out, so later changes to defaults cannot alter a saved model). */
export function configJson(cfg: ModelConfig, saveId?: string): string {
  const out: Record<string, unknown> = { format: FORMAT_NAME, formatVersion: FORMAT_VERSION };
  if (saveId) out.saveId = saveId;
  // Sizes first, then the rest, so the file reads like the config table in the docs.
  for (const k of KEY_ORDER) if (k in cfg) out[k] = cfg[k];
  for (const [k, v] of Object.entries(cfg)) if (!(k in out)) out[k] = v;
  return JSON.stringify(out, null, 2) + '\n';
}

const KEY_ORDER: Array<keyof ModelConfig> = [
  'arch', 'vocabSize', 'dModel', 'nLayers', 'nHeads', 'maxSeqLen', 'rotaryFraction', 'rotaryBase', 'normEps',
  'tau', 'expandBits', 'hashTemperature', 'tableDtype', 'ffnMult',
];

const CONFIG_KEYS = new Set(Object.keys(Object.values(PRESETS)[0]!));

/** Parses and validates config.json text; `file` names it in errors. Returns the config and the save id (if any). */
export function parseConfigJson(text: string, file: string): { config: ModelConfig; saveId?: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ModelFormatError(`${file} is not valid JSON (${(e as Error).message}); fix it or ${REEXPORT}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ModelFormatError(`${file} must hold a JSON object (the model config); ${REEXPORT}`);
  }
  const { format, formatVersion, saveId, ...rest } = raw as Record<string, unknown>;
  if (format !== FORMAT_NAME) {
    throw new ModelFormatError(`${file} has format ${JSON.stringify(format)}, expected "${FORMAT_NAME}": this is not a model saved by this extension; ${REEXPORT}`);
  }
  if (formatVersion !== FORMAT_VERSION) {
    const newer = typeof formatVersion === 'number' && formatVersion > FORMAT_VERSION;
    throw new ModelFormatError(
      newer
        ? `${file} has formatVersion ${formatVersion}, but this extension reads version ${FORMAT_VERSION}: update the extension`
        : `${file} has formatVersion ${JSON.stringify(formatVersion)}, expected ${FORMAT_VERSION}; ${REEXPORT}`,
    );
  }
  const unknown = Object.keys(rest).filter((k) => !CONFIG_KEYS.has(k) && k !== 'preset');
  if (unknown.length) {
    throw new ModelFormatError(`${file} has unknown field(s) ${unknown.join(', ')} (known: ${[...CONFIG_KEYS].join(', ')}); fix the spelling or remove them`);
  }
  let config: ModelConfig;
  try {
    config = resolveConfig(rest as Partial<ModelConfig> & { preset?: string });
  } catch (e) {
    if (e instanceof ConfigError) throw new ModelFormatError(`${file}: ${e.message}; fix the file or ${REEXPORT}`);
    throw e;
  }
  return typeof saveId === 'string' ? { config, saveId } : { config };
}

/**
 * Checks stored tensors against weightSpecs(cfg) and returns them in spec order. `source`
 * names the weights file in the message.
 */
export function checkTensors(
  cfg: ModelConfig,
  tensors: ReadonlyMap<string, SafetensorsTensor | StoredTensor>,
  source: string,
  todo = `The file was written by another config (or config.json was edited): restore the config.json it was saved with, or ${REEXPORT}`,
): Map<string, StoredTensor> {
  const specs = weightSpecs(cfg);
  const problems: string[] = [];
  const out = new Map<string, StoredTensor>();
  for (const spec of specs) {
    const want = storedDtype(spec, cfg);
    const t = tensors.get(spec.name);
    if (!t) {
      problems.push(`weight '${spec.name}' is missing (expected ${describe(want, spec.shape)})`);
      continue;
    }
    const found = toStoredDtype(t.dtype);
    const shapeOk = t.shape.length === spec.shape.length && t.shape.every((n, i) => n === spec.shape[i]);
    if (found !== want || !shapeOk) {
      problems.push(`weight '${spec.name}' is ${describe(found ?? t.dtype, t.shape)}, expected ${describe(want, spec.shape)}`);
      continue;
    }
    const Want = TYPED_ARRAY[want];
    if (!(t.data instanceof Want) || t.data.length !== numel(spec.shape)) {
      problems.push(`weight '${spec.name}' holds a ${t.data.constructor.name} of ${t.data.length} values, expected a ${Want.name} of ${numel(spec.shape)} (${want})`);
      continue;
    }
    const stored: StoredTensor = { dtype: want, shape: [...t.shape], data: t.data as StoredTensor['data'] };
    if (want === 'int8') {
      const rows = spec.shape[0]!;
      const sc = 'scales' in t && t.scales ? { dtype: 'F32', shape: [rows], data: t.scales } : tensors.get(spec.name + INT8_SCALES_SUFFIX);
      if (!sc || toStoredDtype(sc.dtype) !== 'float32' || !(sc.data instanceof Float32Array) || sc.data.length !== rows) {
        problems.push(`int8 table '${spec.name}' has no float32 row scales '${spec.name}${INT8_SCALES_SUFFIX}' [${rows}]`);
        continue;
      }
      stored.scales = sc.data;
    }
    out.set(spec.name, stored);
  }
  const known = new Set(specs.map((s) => s.name));
  for (const s of specs) if (storedDtype(s, cfg) === 'int8') known.add(s.name + INT8_SCALES_SUFFIX);
  for (const [name, t] of tensors) {
    if (!known.has(name)) problems.push(`unexpected weight '${name}' (${describe(toStoredDtype(t.dtype) ?? t.dtype, t.shape)}) that this config's model does not have`);
  }
  if (problems.length) {
    throw new ModelFormatError(
      `${source} does not match the config (${cfg.arch}, dModel ${cfg.dModel}, nLayers ${cfg.nLayers}, tau ${cfg.tau}, tableDtype ${cfg.tableDtype}): ${listProblems(problems)}. ${todo}`,
    );
  }
  return out;
}

function toStoredDtype(dtype: string): StoredDtype | undefined {
  if (dtype === 'F32' || dtype === 'float32') return 'float32';
  if (dtype === 'F16' || dtype === 'float16') return 'float16';
  if (dtype === 'I8' || dtype === 'int8') return 'int8';
  return undefined;
}

/** Saves stored tensors (already in their on-disk dtypes) and the config, replacing `dir` atomically. */
export async function saveStoredModel(dir: string, cfg: ModelConfig, tensors: Map<string, StoredTensor>): Promise<void> {
  validateConfig({ ...cfg });
  const checked = checkTensors(cfg, tensors, 'cannot save: the set of weights', 'Pass the tensors built for this config (toStoredTensors converts float32 weights)');
  const saveId = randomBytes(8).toString('hex');
  const chunks = serializeModelWeights(checked, saveId);
  await writeDirAtomic(dir, async (tmp) => {
    await writeFileDurable(join(tmp, WEIGHTS_FILE), chunks);
    await writeFileDurable(join(tmp, CONFIG_FILE), new TextEncoder().encode(configJson(cfg, saveId)));
  });
}

/** Saves float32 weights: tables in cfg.tableDtype (fp16 rounded to nearest even, int8 with row scales), the rest float32. */
export async function saveModel(dir: string, cfg: ModelConfig, weights: Weights): Promise<void> {
  validateConfig({ ...cfg });
  await saveStoredModel(dir, cfg, toStoredTensors(cfg, weights));
}

async function readOrExplain(path: string, missing: string): Promise<Buffer> {
  try {
    return await fsp.readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new ModelFormatError(missing);
    throw e;
  }
}

/** A model directory's config.json, parsed and validated (and its save id), without the weights. */
export async function readModelConfig(dir: string): Promise<{ config: ModelConfig; saveId?: string }> {
  const configPath = join(dir, CONFIG_FILE);
  const configText = await readOrExplain(
    configPath,
    `${dir} has no ${CONFIG_FILE}: it is not a model directory (one holds ${CONFIG_FILE} and ${WEIGHTS_FILE}, written by saveModel); point at the right directory or ${REEXPORT}`,
  );
  return parseConfigJson(configText.toString('utf8'), configPath);
}

async function loadOnce(dir: string): Promise<LoadedModel & { idsMatch: boolean }> {
  const weightsPath = join(dir, WEIGHTS_FILE);
  const { config, saveId } = await readModelConfig(dir);
  const bytes = await readOrExplain(weightsPath, `${dir} has ${CONFIG_FILE} but no ${WEIGHTS_FILE}: the weights were deleted or never written; ${REEXPORT}`);
  const file = parseSafetensors(bytes, weightsPath);
  const tensors = checkTensors(config, file.tensors, weightsPath);
  const fileId = file.metadata.saveId;
  return { config, tensors, idsMatch: !saveId || !fileId || saveId === fileId };
}

/** Loads and validates a model directory. */
export async function loadModel(dir: string): Promise<LoadedModel> {
  let stat;
  try {
    stat = await fsp.stat(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    // A save killed between its two renames leaves the previous model aside; put it back.
    if (!(await restoreInterruptedDirSwap(dir))) {
      throw new ModelFormatError(`model directory ${dir} does not exist; train or export a model into it, or point at an existing model directory`);
    }
    stat = await fsp.stat(dir);
  }
  if (!stat.isDirectory()) throw new ModelFormatError(`${dir} is a file, but a model is a directory (${CONFIG_FILE} + ${WEIGHTS_FILE}); point at the directory`);
  // Save ids differ only when a save replaced the directory between our two reads: read again.
  for (let attempt = 0; ; attempt++) {
    const { idsMatch, ...model } = await loadOnce(dir);
    if (idsMatch) return model;
    if (attempt >= 2) {
      throw new ModelFormatError(
        `${join(dir, CONFIG_FILE)} and ${WEIGHTS_FILE} come from different saves (their saveId differs): a file was copied in from another save, or the model keeps being rewritten; ${REEXPORT}`,
      );
    }
  }
}

/** Removes temporary files and directories that killed saves left in and beside a model directory. */
export async function cleanStaleModelTemps(dir: string): Promise<CleanupReport> {
  const beside = await cleanStaleTemps(dirname(dir));
  const inside = await cleanStaleTemps(dir);
  return { removed: [...beside.removed, ...inside.removed], restored: [...beside.restored, ...inside.restored] };
}
