import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig, type ModelConfig } from './config.js';
import { initWeights, numel, weightSpecs } from './weights.js';
import {
  cleanStaleModelTemps,
  loadModel,
  saveModel,
  saveStoredModel,
  toFloat32Weights,
  toStoredTensors,
  type StoredTensor,
} from './model-dir.js';
import { parseSafetensors, serializeSafetensors, type SafetensorsTensor } from './safetensors.js';

// Small but complete models: two layers, every weight kind, tables with 16 and 64 rows per chunk.
const MF: ModelConfig = resolveConfig({ arch: 'memoryformer', vocabSize: 37, dModel: 12, nLayers: 2, nHeads: 2, tau: 4, expandBits: 2, maxSeqLen: 16, tableDtype: 'float16' });
const MF32: ModelConfig = { ...MF, tableDtype: 'float32' };
const DENSE: ModelConfig = resolveConfig({ arch: 'dense', vocabSize: 29, dModel: 8, nLayers: 2, nHeads: 2, maxSeqLen: 16 });

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'mf-model-'));
}

/** Half-precision value nearest to x, ties to even, by float64 arithmetic (independent of float16.ts; normal range only). */
function referenceFp16(x: number): number {
  const e = Math.max(Math.floor(Math.log2(Math.abs(x))), -14);
  const ulp = 2 ** (e - 10);
  const q = x / ulp;
  let r = Math.round(q);
  if (Math.abs(q - Math.trunc(q)) === 0.5) r = 2 * Math.round(q / 2); // tie: to even
  return r * ulp;
}

test('round trip: float32 weights exact, fp16 tables equal to the fp16-rounded values', async () => {
  const dir = join(tempDir(), 'model');
  for (const cfg of [MF, MF32, DENSE]) {
    const weights = initWeights(cfg, { seed: 5, randomizeAll: true });
    await saveModel(dir, cfg, weights);
    const { config, tensors } = await loadModel(dir);
    assert.deepEqual(config, cfg);
    assert.deepEqual([...tensors.keys()], weightSpecs(cfg).map((s) => s.name), 'weightSpecs order');
    const wide = toFloat32Weights(tensors);
    let tables = 0;
    for (const spec of weightSpecs(cfg)) {
      const t = tensors.get(spec.name)!;
      const orig = weights.get(spec.name)!;
      assert.deepEqual(t.shape, spec.shape);
      if (spec.role === 'table' && cfg.tableDtype === 'float16') {
        tables++;
        assert.equal(t.dtype, 'float16', spec.name);
        assert.ok(t.data instanceof Uint16Array, 'fp16 tables stay raw half bits');
        const got = wide.get(spec.name)!;
        for (let i = 0; i < orig.length; i++) {
          if (Math.abs(orig[i]!) < 2 ** -14) continue; // the float64 reference covers normal halves only
          assert.equal(got[i], referenceFp16(orig[i]!), `${spec.name}[${i}] = ${orig[i]}`);
        }
        assert.notDeepEqual(got, orig, 'rounding really happened');
      } else {
        assert.equal(t.dtype, 'float32', spec.name);
        assert.deepEqual(wide.get(spec.name), orig, spec.name);
      }
    }
    if (cfg === MF) assert.equal(tables, 2 * 5);
  }
  rmSync(join(dir, '..'), { recursive: true });
});

const MF8: ModelConfig = { ...MF, tableDtype: 'int8' };

test('int8 tables: I8 values and an F32 scale per row on disk (shared by each block\'s Q/K/V); values within half a step of the float32 weights', async () => {
  const dir = join(tempDir(), 'model');
  const weights = initWeights(MF8, { seed: 6, randomizeAll: true });
  await saveModel(dir, MF8, weights);
  const file = parseSafetensors(readFileSync(join(dir, 'model.safetensors')), 'model.safetensors');
  const { config, tensors } = await loadModel(dir);
  assert.equal(config.tableDtype, 'int8');
  const wide = toFloat32Weights(tensors);
  let tables = 0, narrower = 0;
  // The tables whose rows share a scale: a block's Q, K and V, read side by side under one hash.
  const partsOf = (name: string) => (/attn\.[qkv]\.table$/.test(name) ? ['q', 'k', 'v'].map((p) => name.replace(/attn\.[qkv]\./, `attn.${p}.`)) : [name]);
  for (const spec of weightSpecs(MF8)) {
    if (spec.role !== 'table') continue;
    tables++;
    const [rows, out] = spec.shape as [number, number];
    const q = file.tensors.get(spec.name)!;
    const sc = file.tensors.get(`${spec.name}.scales`)!;
    assert.equal(q.dtype, 'I8', spec.name);
    assert.equal(sc.dtype, 'F32', spec.name);
    assert.deepEqual(sc.shape, [rows]);
    const orig = weights.get(spec.name)!;
    const got = wide.get(spec.name)!;
    for (let r = 0; r < rows; r++) {
      // Independent float64 reference: scale = maxabs / 127 over the row of every part, every value within half a step.
      let m = 0, own = 0;
      for (const part of partsOf(spec.name)) {
        const w = weights.get(part)!;
        for (let j = 0; j < out; j++) m = Math.max(m, Math.abs(w[r * out + j]!));
      }
      for (let j = 0; j < out; j++) own = Math.max(own, Math.abs(orig[r * out + j]!));
      if (own < m) narrower++;
      const scale = (sc.data as Float32Array)[r]!;
      assert.ok(Math.abs(scale - m / 127) <= 1e-7 * scale, `${spec.name} row ${r} scale`);
      for (let j = 0; j < out; j++) {
        assert.ok(Math.abs(got[r * out + j]! - orig[r * out + j]!) <= 0.5 * scale * (1 + 1e-6), `${spec.name}[${r}, ${j}]`);
        assert.equal(got[r * out + j], Math.fround((q.data as Int8Array)[r * out + j]! * scale));
      }
    }
  }
  assert.equal(tables, 2 * 5);
  assert.ok(narrower > 0, 'some Q/K/V rows were quantised with a wider part\'s scale');
  // A file whose int8 table lost its scales is refused with the name of what is missing.
  const broken = [...file.tensors].filter(([n]) => n !== 'blocks.1.ml2.table.scales');
  writeFileSync(join(dir, 'model.safetensors'), Buffer.concat(serializeSafetensors(broken, file.metadata)));
  await assert.rejects(loadModel(dir), /int8 table 'blocks\.1\.ml2\.table' has no float32 row scales 'blocks\.1\.ml2\.table\.scales' \[192\]/);
  rmSync(join(dir, '..'), { recursive: true });
});

test('the files follow the documented layout', async () => {
  const parent = tempDir();
  const dir = join(parent, 'model');
  await saveModel(dir, MF, initWeights(MF, { seed: 1 }));
  assert.deepEqual(readdirSync(dir).sort(), ['config.json', 'model.safetensors']);
  assert.deepEqual(readdirSync(parent), ['model'], 'no temporary directory left');
  const cfgJson = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(cfgJson.format, 'memoryformer');
  assert.equal(cfgJson.formatVersion, 1);
  for (const [k, v] of Object.entries(MF)) assert.equal(cfgJson[k], v, `config.json has ${k}`);
  const st = parseSafetensors(readFileSync(join(dir, 'model.safetensors')), 'model.safetensors');
  for (const spec of weightSpecs(MF)) {
    const t = st.tensors.get(spec.name)!;
    assert.equal(t.dtype, spec.role === 'table' ? 'F16' : 'F32', spec.name);
    assert.deepEqual(t.shape, spec.shape);
  }
  assert.equal(st.metadata.format, 'memoryformer');
  assert.equal(st.metadata.saveId, cfgJson.saveId);
  // The table of chunk k starts at row k * 2^tau: [K * 2^tau, out] with K = 12/4 = 3, 2^4 = 16.
  assert.deepEqual(st.tensors.get('blocks.0.attn.q.table')!.shape, [48, 12]);
  assert.deepEqual(st.tensors.get('blocks.1.ml2.table')!.shape, [(18 / 6) * 64, 12]);
  rmSync(parent, { recursive: true });
});

test('saving again replaces the model and keeps other files in the directory', async () => {
  const parent = tempDir();
  const dir = join(parent, 'model');
  await saveModel(dir, DENSE, initWeights(DENSE, { seed: 1 }));
  writeFileSync(join(dir, 'tokenizer.json'), '{"kept":true}');
  const second = initWeights(DENSE, { seed: 2, randomizeAll: true });
  await saveModel(dir, DENSE, second);
  const { tensors } = await loadModel(dir);
  assert.deepEqual(toFloat32Weights(tensors).get('embed.weight'), second.get('embed.weight'));
  assert.equal(readFileSync(join(dir, 'tokenizer.json'), 'utf8'), '{"kept":true}');
  assert.deepEqual(readdirSync(parent), ['model']);
  rmSync(parent, { recursive: true });
});

/** Writes a model directory by hand: config.json as given and model.safetensors from the given tensors. */
function writeRaw(dir: string, config: object, tensors: Array<[string, SafetensorsTensor]>): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  writeFileSync(join(dir, 'model.safetensors'), Buffer.concat(serializeSafetensors(tensors)));
}

function storedEntries(cfg: ModelConfig): Array<[string, SafetensorsTensor]> {
  const stored = toStoredTensors(cfg, initWeights(cfg, { seed: 3, randomizeAll: true }));
  return [...stored].map(([n, t]) => [n, { dtype: t.dtype === 'float16' ? 'F16' : 'F32', shape: t.shape, data: t.data }]);
}

const header = { format: 'memoryformer', formatVersion: 1 };

async function expectLoadError(dir: string, ...patterns: RegExp[]): Promise<void> {
  await assert.rejects(loadModel(dir), (e: Error) => {
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

test('weights that do not match the config name the weight, what was expected and found, and what to do', async () => {
  const root = tempDir();
  const good = storedEntries(MF);
  const cfg = { ...header, ...MF };
  const table = 'blocks.1.ml1.table';
  const tableShape = good.find(([n]) => n === table)![1].shape;

  writeRaw(join(root, 'missing'), cfg, good.filter(([n]) => n !== 'blocks.0.ln.bias'));
  await expectLoadError(join(root, 'missing'), /model\.safetensors does not match the config/, /weight 'blocks\.0\.ln\.bias' is missing \(expected float32 \[18\]\)/, /re-export the model/, /written by another config/);

  writeRaw(join(root, 'extra'), cfg, [...good, ['blocks.2.norm1.weight', { dtype: 'F32', shape: [12], data: new Float32Array(12).fill(1.5) }]]);
  await expectLoadError(join(root, 'extra'), /unexpected weight 'blocks\.2\.norm1\.weight' \(float32 \[12\]\)/, /re-export the model/);

  const wrongShape = good.map(([n, t]): [string, SafetensorsTensor] => (n === 'embed.weight' ? [n, { ...t, shape: [12, 37] }] : [n, t]));
  writeRaw(join(root, 'shape'), cfg, wrongShape);
  await expectLoadError(join(root, 'shape'), /weight 'embed\.weight' is float32 \[12, 37\], expected float32 \[37, 12\]/);

  // A float32 table where config.json says float16 tables.
  const wrongDtype = good.map(([n, t]): [string, SafetensorsTensor] =>
    n === table ? [n, { dtype: 'F32', shape: t.shape, data: new Float32Array(numel(t.shape)).fill(0.25) }] : [n, t],
  );
  writeRaw(join(root, 'dtype'), cfg, wrongDtype);
  await expectLoadError(join(root, 'dtype'), new RegExp(`weight '${table.replace(/\./g, '\\.')}' is float32 \\[${tableShape.join(', ')}\\], expected float16 \\[${tableShape.join(', ')}\\]`), /tableDtype float16/);

  // Some other dtype entirely.
  const int8 = good.map(([n, t]): [string, SafetensorsTensor] => (n === 'lm_head.weight' ? [n, { dtype: 'I8', shape: t.shape, data: new Int8Array(numel(t.shape)).fill(3) }] : [n, t]));
  writeRaw(join(root, 'int8'), cfg, int8);
  await expectLoadError(join(root, 'int8'), /weight 'lm_head\.weight' is int8 \[12, 37\], expected float32 \[12, 37\]/);

  // Weights saved with one config, config.json of another.
  writeRaw(join(root, 'other-config'), { ...header, ...DENSE }, good);
  await expectLoadError(join(root, 'other-config'), /\(dense, dModel 8/, /weight 'blocks\.0\.norm1\.bias' is missing/, /and \d+ more/, /written by another config/);
  rmSync(root, { recursive: true });
});

test('missing or damaged directories and files give clear errors', async () => {
  const root = tempDir();
  await expectLoadError(join(root, 'nope'), /model directory .*nope does not exist/);

  writeFileSync(join(root, 'a-file'), 'x');
  await expectLoadError(join(root, 'a-file'), /is a file, but a model is a directory/);

  mkdirSync(join(root, 'empty'));
  await expectLoadError(join(root, 'empty'), /empty has no config\.json: it is not a model directory/);

  const dir = join(root, 'm');
  await saveModel(dir, MF, initWeights(MF, { seed: 4 }));
  const weights = readFileSync(join(dir, 'model.safetensors'));
  const configText = readFileSync(join(dir, 'config.json'), 'utf8');

  rmSync(join(dir, 'model.safetensors'));
  await expectLoadError(dir, /has config\.json but no model\.safetensors/, /re-export the model/);

  writeFileSync(join(dir, 'model.safetensors'), weights.subarray(0, weights.length - 100));
  await expectLoadError(dir, /m\/model\.safetensors: tensor '.*' has data_offsets .* beyond the data section/);
  writeFileSync(join(dir, 'model.safetensors'), weights.subarray(0, 6));
  await expectLoadError(dir, /m\/model\.safetensors: truncated: 6 bytes/);
  writeFileSync(join(dir, 'model.safetensors'), weights);

  const setConfig = (text: string) => writeFileSync(join(dir, 'config.json'), text);
  const cfgObj = JSON.parse(configText) as Record<string, unknown>;
  setConfig(configText.slice(0, 40));
  await expectLoadError(dir, /config\.json is not valid JSON/);
  setConfig(JSON.stringify({ ...cfgObj, format: 'gguf' }));
  await expectLoadError(dir, /format "gguf", expected "memoryformer"/);
  setConfig(JSON.stringify({ ...cfgObj, formatVersion: 2 }));
  await expectLoadError(dir, /formatVersion 2, but this extension reads version 1: update the extension/);
  setConfig(JSON.stringify({ ...cfgObj, nHeads: 5 }));
  await expectLoadError(dir, /config\.json: invalid model config: dModel \(12\) must be divisible by nHeads \(5\)/);
  setConfig(JSON.stringify({ ...cfgObj, dmodel: 12 }));
  await expectLoadError(dir, /unknown field\(s\) dmodel/);

  // Weights from another save of the same config.
  setConfig(configText);
  await loadModel(dir);
  setConfig(JSON.stringify({ ...cfgObj, saveId: 'feedfacefeedface' }));
  await expectLoadError(dir, /come from different saves/);
  // A hand-edited config.json without a saveId is accepted.
  const { saveId: _drop, ...noId } = cfgObj;
  setConfig(JSON.stringify({ ...noId, hashTemperature: 0.5 }));
  assert.equal((await loadModel(dir)).config.hashTemperature, 0.5);
  rmSync(root, { recursive: true });
});

test('saveModel refuses weights that do not match the config', async () => {
  const dir = join(tempDir(), 'model');
  const w = initWeights(MF, { seed: 6 });
  const missing = new Map(w);
  missing.delete('blocks.1.attn.v.bias');
  await assert.rejects(saveModel(dir, MF, missing), /weight 'blocks\.1\.attn\.v\.bias' is missing/);
  const short = new Map(w).set('embed.weight', new Float32Array(5));
  await assert.rejects(saveModel(dir, MF, short), /weight 'embed\.weight' has 5 values, expected 444/);
  const extra = new Map(w).set('bonus', new Float32Array(1));
  await assert.rejects(saveModel(dir, MF, extra), /weight 'bonus' is not part of this config's model/);
  await assert.rejects(saveModel(dir, { ...MF, nHeads: 5 }, w), /must be divisible by nHeads/);
  // Stored tensors with mismatched data are refused too (a float16 dtype over float32 data).
  const bad = new Map<string, StoredTensor>(toStoredTensors(MF, w));
  bad.set('blocks.0.attn.q.table', { dtype: 'float16', shape: [48, 12], data: new Float32Array(48 * 12) });
  await assert.rejects(saveStoredModel(dir, MF, bad), /cannot save: the set of weights does not match .*'blocks\.0\.attn\.q\.table' holds a Float32Array of 576 values, expected a Uint16Array of 576 \(float16\)/);
  // float32 tables under a float16 config
  await assert.rejects(saveStoredModel(dir, MF, toStoredTensors(MF32, w)), /'blocks\.0\.attn\.q\.table' is float32 \[48, 12\], expected float16 \[48, 12\].*toStoredTensors/);
  // Nothing was written by any failed save.
  assert.deepEqual(readdirSync(join(dir, '..')), []);
  rmSync(join(dir, '..'), { recursive: true });
});

test('a save interrupted between its two renames is undone on load', async () => {
  const parent = tempDir();
  const dir = join(parent, 'model');
  const w = initWeights(DENSE, { seed: 8, randomizeAll: true });
  await saveModel(dir, DENSE, w);
  // What a writer killed after "dir -> dir.old-<pid>-<hex>" leaves (pid 2^22+7: above Linux's default pid range, not running).
  const { renameSync } = await import('node:fs');
  renameSync(dir, `${dir}.old-4194311-0123abcd`);
  mkdirSync(`${dir}.tmp-4194311-89abcdef`);
  const { tensors } = await loadModel(dir);
  assert.deepEqual(toFloat32Weights(tensors).get('lm_head.weight'), w.get('lm_head.weight'));
  const report = await cleanStaleModelTemps(dir);
  assert.deepEqual(report.removed, [`${dir}.tmp-4194311-89abcdef`]);
  assert.deepEqual(readdirSync(parent), ['model']);
  rmSync(parent, { recursive: true });
});
