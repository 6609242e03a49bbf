import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSafetensors, readSafetensors, serializeSafetensors, writeSafetensors, type SafetensorsTensor } from './safetensors.js';
import { Rng } from '../util/rng.js';

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** A file built by hand from the format's definition, independent of the writer under test. */
function handBuilt(headerJson: string, data: Uint8Array, pad = true): Uint8Array {
  let text = headerJson;
  if (pad) while ((8 + Buffer.byteLength(text)) % 8 !== 0) text += ' ';
  const header = Buffer.from(text, 'utf8');
  const out = new Uint8Array(8 + header.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(header.length), true);
  out.set(header, 8);
  out.set(data, 8 + header.length);
  return out;
}

/** Little-endian bytes for float32 values and int8 values, written with DataView. */
function f32Bytes(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const dv = new DataView(out.buffer);
  values.forEach((v, i) => dv.setFloat32(i * 4, v, true));
  return out;
}

function randomTensors(seed: number): Map<string, SafetensorsTensor> {
  const rng = new Rng(seed);
  const f32 = new Float32Array(6 * 5).map(() => rng.normal());
  const f16 = new Uint16Array(7).map(() => rng.nextU32() & 0x7bff); // odd count: misaligns what follows
  const i8 = new Int8Array(3).map(() => (rng.nextU32() & 0xff) - 128);
  const f32b = new Float32Array(4).map(() => rng.normal());
  const f64 = new Float64Array(2).map(() => rng.normal());
  return new Map<string, SafetensorsTensor>([
    ['blocks.0.w', { dtype: 'F32', shape: [6, 5], data: f32 }],
    ['half', { dtype: 'F16', shape: [7], data: f16 }],
    ['bytes', { dtype: 'I8', shape: [3, 1], data: i8 }],
    ['after.misaligned', { dtype: 'F32', shape: [2, 2], data: f32b }],
    ['doubles', { dtype: 'F64', shape: [2], data: f64 }],
    ['empty', { dtype: 'F32', shape: [0, 4], data: new Float32Array(0) }],
  ]);
}

test('the writer produces the layout the format defines (checked by hand) and reads back exactly', () => {
  const tensors = randomTensors(11);
  const bytes = concat(serializeSafetensors(tensors, { format: 'pt', note: 'ünïcode' }));
  const dv = new DataView(bytes.buffer);
  const n = Number(dv.getBigUint64(0, true));
  assert.equal((8 + n) % 8, 0, 'header padded so the data section starts 8-byte aligned');
  const headerText = Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8');
  assert.match(headerText, /^\{.*\} *$/s, 'JSON object padded with spaces');
  const header = JSON.parse(headerText) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  assert.deepEqual(header.__metadata__, { format: 'pt', note: 'ünïcode' });
  // Packed in the given order, offsets relative to the data section.
  let expectBegin = 0;
  for (const [name, t] of tensors) {
    const h = header[name]!;
    assert.equal(h.dtype, t.dtype);
    assert.deepEqual(h.shape, t.shape);
    assert.deepEqual(h.data_offsets, [expectBegin, expectBegin + t.data.byteLength]);
    expectBegin += t.data.byteLength;
  }
  assert.equal(bytes.length, 8 + n + expectBegin);
  // The float32 bytes are little-endian IEEE values.
  const w = tensors.get('blocks.0.w')!.data as Float32Array;
  for (let i = 0; i < w.length; i++) assert.equal(dv.getFloat32(8 + n + i * 4, true), w[i]);

  const back = parseSafetensors(bytes, 'x.safetensors');
  assert.deepEqual([...back.tensors.keys()], [...tensors.keys()]);
  for (const [name, t] of tensors) {
    const b = back.tensors.get(name)!;
    assert.equal(b.dtype, t.dtype, name);
    assert.deepEqual(b.shape, t.shape, name);
    assert.equal(b.data.constructor, t.data.constructor, name);
    assert.deepEqual(b.data, t.data, name);
  }
  assert.deepEqual(back.metadata, { format: 'pt', note: 'ünïcode' });
  // Aligned tensors are views of the file buffer (no copy); the misaligned F32 one is a copy.
  assert.equal(back.tensors.get('blocks.0.w')!.data.buffer, bytes.buffer);
  assert.notEqual(back.tensors.get('after.misaligned')!.data.buffer, bytes.buffer);
});

test('reads a hand-built file, including one whose unpadded header misaligns the data', () => {
  const values = [1.5, -2.25, 3.0e-5, 65504];
  const json = '{"__metadata__":{"a":"b"},"x":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"y":{"dtype":"I8","shape":[2],"data_offsets":[16,18]}}';
  const data = concat([f32Bytes(values), new Uint8Array([0xff, 0x7f])]);
  for (const pad of [true, false]) {
    const file = handBuilt(json, data, pad);
    const st = parseSafetensors(file, 'hand.safetensors');
    assert.deepEqual([...(st.tensors.get('x')!.data as Float32Array)], values.map(Math.fround));
    assert.deepEqual([...(st.tensors.get('y')!.data as Int8Array)], [-1, 127]);
    assert.deepEqual(st.metadata, { a: 'b' });
  }
  // Also from Node Buffers at an odd offset inside a larger allocation (Buffer.slice is a view, not a copy).
  for (const pad of [true, false]) {
    const file = handBuilt(json, data, pad);
    const big = Buffer.alloc(file.length + 3, 0xee);
    big.set(file, 3);
    const st = parseSafetensors(big.subarray(3), 'offset.safetensors');
    assert.deepEqual([...(st.tensors.get('x')!.data as Float32Array)], values.map(Math.fround));
    assert.deepEqual([...(st.tensors.get('y')!.data as Int8Array)], [-1, 127]);
  }
});

test('files on disk round-trip through writeSafetensors / readSafetensors', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mf-st-'));
  const path = join(dir, 'model.safetensors');
  const tensors = randomTensors(12);
  await writeSafetensors(path, tensors);
  const back = await readSafetensors(path);
  for (const [name, t] of tensors) assert.deepEqual(back.tensors.get(name)!.data, t.data);
  assert.deepEqual(back.metadata, {});
  assert.ok(!readFileSync(path).subarray(8, 40).toString().includes('__metadata__'), 'no empty metadata written');
  rmSync(dir, { recursive: true });
});

test('damaged files give errors that name the file and the problem', async () => {
  const good = '{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}';
  const data = f32Bytes([0.1, 0.2, 0.3, 0.4]);
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ['truncated below 8 bytes', new Uint8Array(5), /bad\.safetensors: truncated: 5 bytes/],
    ['header length beyond the file', handBuilt(good, data).subarray(0, 40), /header length \d+ goes beyond the end of the file \(40 bytes\)/],
    ['absurd header length', (() => { const f = handBuilt(good, data); new DataView(f.buffer).setBigUint64(0, 2n ** 60n, true); return f; })(), /header length 1152921504606846976 goes beyond/],
    ['invalid JSON', handBuilt('{"w": {"dtype": "F32",', new Uint8Array(0)), /header is not valid JSON/],
    ['not an object', handBuilt('[1,2,3]', new Uint8Array(0)), /header is not a JSON object/],
    ['data truncated', handBuilt(good, data.subarray(0, 12)), /tensor 'w' has data_offsets \[0, 16\] beyond the data section \(12 bytes\); the file is truncated/],
    ['size does not match dtype x shape', handBuilt('{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,16]}}', data), /tensor 'w' has 16 bytes of data, but F32 x \[2, 3\] needs 24/],
    ['unknown dtype', handBuilt('{"w":{"dtype":"F8_E9","shape":[4],"data_offsets":[0,16]}}', data), /tensor 'w' has unknown dtype "F8_E9"/],
    ['offsets reversed', handBuilt('{"w":{"dtype":"F32","shape":[4],"data_offsets":[16,0]}}', data), /tensor 'w' has invalid data_offsets \[16,0\]/],
    ['bad shape', handBuilt('{"w":{"dtype":"F32","shape":[-4],"data_offsets":[0,16]}}', data), /tensor 'w' has an invalid shape \[-4\]/],
    ['gap', handBuilt('{"w":{"dtype":"F32","shape":[3],"data_offsets":[4,16]}}', data), /gap before tensor 'w'/],
    ['overlap', handBuilt('{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}', data), /tensor 'b' overlaps/],
    ['trailing bytes', handBuilt('{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}}', data), /4 bytes after the last tensor/],
    ['metadata not strings', handBuilt('{"__metadata__":{"n":3}}', new Uint8Array(0)), /__metadata__\.n must be a string/],
  ];
  for (const [what, bytes, pattern] of cases) {
    assert.throws(() => parseSafetensors(bytes, '/m/bad.safetensors'), (e: Error) => {
      assert.equal(e.name, 'SafetensorsError', what);
      assert.match(e.message, /^\/m\/bad\.safetensors: /, `${what}: names the file`);
      assert.match(e.message, pattern, `${what}: ${e.message}`);
      return true;
    });
  }
  // And through readSafetensors, with the real path.
  const dir = mkdtempSync(join(tmpdir(), 'mf-st-'));
  const path = join(dir, 'cut.safetensors');
  writeFileSync(path, handBuilt(good, data).subarray(0, 80));
  await assert.rejects(readSafetensors(path), new RegExp(`${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: tensor 'w' has data_offsets`));
  rmSync(dir, { recursive: true });
});

test('the writer refuses inconsistent tensors', () => {
  const one = (t: SafetensorsTensor) => serializeSafetensors([['w', t]]);
  assert.throws(() => one({ dtype: 'F32', shape: [3], data: new Float32Array(4) }), /shape \[3\] holds 3 values but the data has 4/);
  assert.throws(() => one({ dtype: 'F16', shape: [4], data: new Float32Array(4) }), /dtype F16 needs a Uint16Array, got a Float32Array/);
  assert.throws(() => one({ dtype: 'Q4' as 'F32', shape: [4], data: new Float32Array(4) }), /unknown dtype 'Q4'/);
  assert.throws(() => serializeSafetensors([['__metadata__', { dtype: 'F32', shape: [1], data: new Float32Array(1) }]]), /reserved/);
});
