import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scanBrackets } from './brackets.js';
import { decideMode } from './completion-mode.js';
import { postProcess, shouldStopEarly, trimSuffixOverlap, type PostProcessContext } from './post-process.js';
import { Rng } from '../util/rng.js';

function ctx(p: Partial<PostProcessContext>): PostProcessContext {
  return { mode: 'multi-line', linePrefix: '', lineSuffix: '', followingText: '', maxLines: 16, ...p };
}

test('decideMode: mid-line is one line, line end and empty block several, inside a word none', () => {
  assert.equal(decideMode('  const x = ', '').mode, 'multi-line');
  assert.equal(decideMode('  const x = ', '   ').mode, 'multi-line');
  assert.equal(decideMode('  foo(', ')').mode, 'single-line');
  assert.equal(decideMode('  s = "', '";').mode, 'single-line'); // ';' is real text: mid-line
  assert.equal(decideMode('  s = "', '"').mode, 'single-line');
  assert.equal(decideMode('function f() {', '}').mode, 'multi-line');
  assert.equal(decideMode('  if (x', ' && y) {').mode, 'single-line');
  assert.equal(decideMode('  fo', 'o()').mode, 'none');
  assert.equal(decideMode('    ', 'return 1;').mode, 'none');
  assert.equal(decideMode('  x = ', '', 'single').mode, 'single-line');
});

test('scanBrackets: ignores brackets in strings and comments, finds the first closer of outside brackets', () => {
  assert.deepEqual(scanBrackets('a(b[")"], \'(\' // )').open, ['(']);
  assert.deepEqual(scanBrackets('x) + (y)').firstUnbalancedCloser, { index: 1, char: ')' });
  assert.equal(scanBrackets('f(a)').firstUnbalancedCloser, undefined);
});

test('scanBrackets: on random bracket strings without quotes it agrees with a stack reference', () => {
  const rng = new Rng(7);
  const alphabet = '()[]{}ab \n';
  for (let trial = 0; trial < 300; trial++) {
    let s = '';
    const n = 1 + Math.floor(rng.nextU32() / 2 ** 32 * 40);
    for (let i = 0; i < n; i++) s += alphabet[rng.nextU32() % alphabet.length];
    // Reference: a well-matched-only stack; only valid when the string has no mismatched pairs.
    const stack: string[] = [];
    let first: { index: number; char: string } | undefined;
    let mismatched = false;
    for (let i = 0; i < s.length; i++) {
      const c = s[i] as string;
      if ('([{'.includes(c)) stack.push(c);
      else if (')]}'.includes(c)) {
        const want = '([{'[')]}'.indexOf(c)];
        if (!stack.length) first ??= { index: i, char: c };
        else if (stack[stack.length - 1] === want) stack.pop();
        else mismatched = true;
      }
    }
    if (mismatched) continue;
    const got = scanBrackets(s);
    assert.deepEqual(got.open, stack, s);
    assert.deepEqual(got.firstUnbalancedCloser, first, s);
    assert.equal(got.unmatchedClosers, s.length - s.replace(/[)\]}]/g, '').length - (s.length - s.replace(/[([{]/g, '').length - stack.length), s);
  }
});

test('single-line: cut at the first line break, trailing spaces trimmed', () => {
  assert.deepEqual(postProcess('b + c;  \nreturn x;', ctx({ mode: 'single-line', linePrefix: 'a = ', lineSuffix: '' })), {
    text: 'b + c;',
    reason: 'single-line',
  });
});

test('single-line: a closer the rest of the line already has is not emitted', () => {
  const r = postProcess('a, b);', ctx({ mode: 'single-line', linePrefix: '  foo(', lineSuffix: ')' }));
  assert.equal(r.text, 'a, b');
  assert.equal(r.reason, 'closer');
  // A closer the suffix does not have is kept.
  assert.equal(postProcess('a, b)', ctx({ mode: 'single-line', linePrefix: '  foo(', lineSuffix: ' + 1' })).text, 'a, b)');
  // Brackets opened inside the suggestion are balanced by it.
  assert.equal(postProcess('g(x)', ctx({ mode: 'single-line', linePrefix: 'foo(', lineSuffix: ')' })).text, 'g(x)');
});

test('single-line: the end of the suggestion that repeats the rest of the line is trimmed', () => {
  assert.equal(trimSuffixOverlap('x + y;', ' + y;'), 'x');
  assert.equal(trimSuffixOverlap('name"', '"', 's = "'), 'name');
  assert.equal(trimSuffixOverlap('g(x)', ')', 'foo('), 'g(x)');
  assert.equal(trimSuffixOverlap('x = 1', '1 + 2'), 'x = 1'); // a one-character chance overlap stays
});

test('multi-line: stops at a dedent out of the block', () => {
  const r = postProcess('return a + b;\n}\n\nfunction g() {', ctx({ linePrefix: '  ', followingText: '' }));
  assert.deepEqual(r, { text: 'return a + b;', reason: 'dedent' });
});

test('multi-line: a block opened on the cursor line may be closed, then the suggestion ends', () => {
  const r = postProcess('\n  return 1;\n}\nfunction h() {}', ctx({ linePrefix: 'function f() {', followingText: '' }));
  assert.deepEqual(r, { text: '\n  return 1;\n}', reason: 'block-end' });
  // ...but not when the closer already follows the cursor.
  const r2 = postProcess('\n  return 1;\n}\n', ctx({ linePrefix: 'function f() {', followingText: '}\n' }));
  assert.equal(r2.text, '\n  return 1;');
});

test('multi-line: a repeated line and a line that duplicates the code after the cursor end it', () => {
  assert.equal(postProcess('x++;\n  x++;\n  y++;', ctx({ linePrefix: '  ' })).reason, 'repeat');
  assert.equal(postProcess('x++;\n  x++;\n  y++;', ctx({ linePrefix: '  ' })).text, 'x++;');
  const dup = postProcess('a = 1;\n  b = 2;\n  c = 3;', ctx({ linePrefix: '  ', followingText: '\n  c = 3;\n}' }));
  assert.deepEqual(dup, { text: 'a = 1;\n  b = 2;', reason: 'suffix-duplicate' });
});

test('multi-line: at most maxLines lines; blank and whitespace-only results are empty', () => {
  const lines = Array.from({ length: 30 }, (_, i) => `  v${i} = ${i};`).join('\n');
  const r = postProcess(lines.trimStart(), ctx({ linePrefix: '  ', maxLines: 5 }));
  assert.equal(r.text.split('\n').length, 5);
  assert.equal(r.reason, 'max-lines');
  assert.equal(postProcess('   \n  \n', ctx({ linePrefix: '  ' })).text, '');
  assert.equal(postProcess('\r\n', ctx({ linePrefix: '' })).text, '');
});

test('shouldStopEarly agrees with postProcess on where a streamed suggestion ends', () => {
  const c = ctx({ linePrefix: '  ', followingText: '' });
  const full = 'return a + b;\n}\nfunction g() {\n  return 2;\n}\n';
  // Stream it character by character: the stop must come right after the dedented line is complete.
  let stopAt = -1;
  for (let i = 1; i <= full.length; i++) {
    if (shouldStopEarly(full.slice(0, i), c)) {
      stopAt = i;
      break;
    }
  }
  assert.equal(full.slice(0, stopAt), 'return a + b;\n}\n');
  assert.equal(postProcess(full.slice(0, stopAt), c).text, postProcess(full, c).text);
  assert.equal(shouldStopEarly('abc', ctx({ mode: 'single-line' })), false);
  assert.equal(shouldStopEarly('abc\n', ctx({ mode: 'single-line' })), true);
});
