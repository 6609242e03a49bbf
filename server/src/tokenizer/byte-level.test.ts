import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../util/rng.js';
import { BYTE_TO_CHAR, byteLevelToBytes, bytesToByteLevel, bytesToLatin1, latin1ToBytes } from './byte-level.js';

test('byte alphabet is a bijection matching the published GPT-2 table', () => {
  assert.equal(new Set(BYTE_TO_CHAR).size, 256);
  // Known entries of GPT-2's bytes_to_unicode: space -> Ġ, newline -> Ċ, tab -> ĉ, 0x00 -> Ā, 0xAD -> Ń.
  assert.equal(BYTE_TO_CHAR[0x20], '\u0120');
  assert.equal(BYTE_TO_CHAR[0x0a], '\u010a');
  assert.equal(BYTE_TO_CHAR[0x09], '\u0109');
  assert.equal(BYTE_TO_CHAR[0x00], '\u0100');
  assert.equal(BYTE_TO_CHAR[0xad], '\u0143');
  assert.equal(BYTE_TO_CHAR[0x41], 'A');
  assert.equal(BYTE_TO_CHAR[0xff], '\u00ff');
  for (const c of BYTE_TO_CHAR) assert.ok(!/\s/.test(c), `no whitespace in the alphabet: ${JSON.stringify(c)}`);
});

test('byte-level and latin1 views round-trip random bytes', () => {
  const rng = new Rng(11);
  for (let t = 0; t < 50; t++) {
    const bytes = new Uint8Array(rng.int(300));
    for (let i = 0; i < bytes.length; i++) bytes[i] = rng.int(256);
    assert.deepEqual(byteLevelToBytes(bytesToByteLevel(bytes)), bytes);
    const s = bytesToLatin1(bytes);
    assert.equal(s.length, bytes.length);
    for (let i = 0; i < bytes.length; i++) assert.equal(s.charCodeAt(i), bytes[i]);
    assert.deepEqual(latin1ToBytes(s), bytes);
  }
  assert.equal(byteLevelToBytes('a b'), null, 'a plain space is not in the alphabet');
});
