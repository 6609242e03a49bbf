import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../util/rng.js';
import { readTokenStream, TokenStreamWriter } from './token-stream.js';

test('token streams round-trip through uint16 little-endian files, across buffer flushes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mf-tokens-'));
  try {
    const rng = new Rng(13);
    const ids = Array.from({ length: (1 << 20) + 12345 }, () => rng.int(65536));
    ids[0] = 0x1234;
    ids[1] = 65535;
    const path = join(dir, 'train.bin');
    const w = await TokenStreamWriter.open(path);
    for (let i = 0; i < ids.length; ) {
      const n = 1 + rng.int(5000);
      await w.write(ids.slice(i, i + n));
      i += n;
    }
    assert.equal(await w.close(), ids.length);
    const raw = readFileSync(path);
    assert.equal(raw.length, ids.length * 2);
    assert.deepEqual([raw[0], raw[1], raw[2], raw[3]], [0x34, 0x12, 0xff, 0xff], 'little-endian byte order');
    assert.deepEqual(Array.from(readTokenStream(path)), ids);
    assert.deepEqual(readdirSync(dir), ['train.bin'], 'no temporary file left');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ids that do not fit 16 bits are refused, and an aborted stream leaves nothing; odd-length files are refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mf-tokens-'));
  try {
    const w = await TokenStreamWriter.open(join(dir, 'val.bin'));
    await assert.rejects(w.write([1, 65536]), /unsigned 16-bit/);
    await assert.rejects(w.write([-1]), /unsigned 16-bit/);
    await assert.rejects(w.write([1.5]), /unsigned 16-bit/);
    await w.abort();
    assert.deepEqual(readdirSync(dir), []);
    writeFileSync(join(dir, 'odd.bin'), Buffer.from([1, 2, 3]));
    assert.throws(() => readTokenStream(join(dir, 'odd.bin')), /odd number of bytes/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
