import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { Rng } from '../util/rng.js';
import { buildPromptWindow, looksBinary, type WindowLimits } from './prompt-window.js';

function randInt(rng: Rng, n: number): number {
  return Math.floor((rng.nextU32() / 2 ** 32) * n);
}

function randomDoc(rng: Rng): string {
  const lines: string[] = [];
  const n = 1 + randInt(rng, 60);
  for (let i = 0; i < n; i++) {
    let l = ' '.repeat(randInt(rng, 6));
    const len = randInt(rng, 50);
    for (let j = 0; j < len; j++) l += 'abcxyz(){};= '[randInt(rng, 13)];
    lines.push(l);
  }
  return lines.join(rng.nextU32() % 4 === 0 ? '\r\n' : '\n');
}

/** Reference from whole-document string operations (O(document), obviously right). */
function reference(text: string, line: number, ch: number, lim: WindowLimits) {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(eol);
  const offset = lines.slice(0, line).reduce((a, l) => a + l.length + eol.length, 0) + ch;
  const firstLine = Math.max(0, line - lim.prefixLines + 1);
  const firstStart = lines.slice(0, firstLine).reduce((a, l) => a + l.length + eol.length, 0);
  let prefix = text.slice(Math.max(firstStart, offset - lim.prefixChars), offset);
  if (offset - lim.prefixChars > firstStart && prefix.includes('\n')) prefix = prefix.slice(prefix.indexOf('\n') + 1);
  const lastLine = line + lim.suffixLines;
  const lastEnd = lastLine + 1 >= lines.length ? text.length : lines.slice(0, lastLine + 1).reduce((a, l) => a + l.length + eol.length, 0);
  let suffix = text.slice(offset, Math.min(lastEnd, offset + lim.suffixChars));
  if (offset + lim.suffixChars < lastEnd && suffix.includes('\n')) suffix = suffix.slice(0, suffix.lastIndexOf('\n') + 1);
  return { prefix, suffix, offset, linePrefix: (lines[line] as string).slice(0, ch).slice(-lim.prefixChars) };
}

test('buildPromptWindow matches a whole-document reference on random documents, positions and limits', () => {
  const rng = new Rng(11);
  for (let trial = 0; trial < 400; trial++) {
    const text = randomDoc(rng);
    const doc = TextDocument.create('file:///r.txt', 'plaintext', 1, text);
    const line = randInt(rng, doc.lineCount);
    const lineText = (text.split(/\r?\n/)[line] as string);
    const ch = randInt(rng, lineText.length + 1);
    const lim: WindowLimits = {
      prefixLines: 1 + randInt(rng, 20),
      prefixChars: 16 + randInt(rng, 400),
      suffixLines: randInt(rng, 10),
      suffixChars: randInt(rng, 300),
    };
    const w = buildPromptWindow(doc, { line, character: ch }, lim);
    const ref = reference(text, line, ch, lim);
    assert.equal(w.offset, ref.offset);
    assert.equal(w.prefix, ref.prefix, `prefix, trial ${trial}`);
    assert.equal(w.suffix, ref.suffix, `suffix, trial ${trial}`);
    assert.ok(ref.linePrefix.endsWith(w.linePrefix));
    assert.ok(w.prefix.length <= lim.prefixChars && w.suffix.length <= lim.suffixChars);
    assert.ok(!w.lineSuffix.includes('\n') && !w.lineSuffix.includes('\r'));
    assert.equal(w.eol, text.includes('\r\n') ? '\r\n' : '\n');
  }
});

test('looksBinary: NUL or many undecodable/control characters, not ordinary code', () => {
  assert.equal(looksBinary('const x = 1;\n\tfoo();\r\n'), false);
  assert.equal(looksBinary('a\0b'), true);
  assert.equal(looksBinary('\ufffd'.repeat(20) + 'x'.repeat(100)), true);
  assert.equal(looksBinary('// caf\ufffd\n' + 'x'.repeat(2000)), false);
});
