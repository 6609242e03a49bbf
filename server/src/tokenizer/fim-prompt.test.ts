import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeFimExample, encodeFimPrompt } from './fim-prompt.js';
import { SPECIAL_IDS } from './special-tokens.js';
import { trainBpe } from './train-bpe.js';

const tokenizer = trainBpe(['let x = 1;\nlet y = 2;\n'.repeat(10)], { vocabSize: 300 });

test('FIM prompts are <file_sep> ctx... <fim_prefix> P <fim_suffix> S <fim_middle>, specials only where placed', () => {
  const prefix = 'let x = <|fim_middle|>';
  const suffix = ';\nlet y';
  const ctx = 'let y = 2;\n';
  const ids = encodeFimPrompt(tokenizer, { prefix, suffix, contextFiles: [ctx] });
  const expected = [
    SPECIAL_IDS.fileSep, ...tokenizer.encode(ctx),
    SPECIAL_IDS.fimPrefix, ...tokenizer.encode(prefix),
    SPECIAL_IDS.fimSuffix, ...tokenizer.encode(suffix),
    SPECIAL_IDS.fimMiddle,
  ];
  assert.deepEqual(ids, expected);
  assert.equal(ids.filter((id) => id === SPECIAL_IDS.fimMiddle).length, 1, 'the literal text in the prefix is not a special token');
  const example = encodeFimExample(tokenizer, { prefix, suffix, middle: '1' });
  assert.deepEqual(example.slice(0, -2), encodeFimPrompt(tokenizer, { prefix, suffix }));
  assert.deepEqual(example.slice(-2), [...tokenizer.encode('1'), SPECIAL_IDS.endOfText]);
});

test('SPM prompts are <fim_prefix> <fim_suffix> S <fim_middle> P, so the prompt ends with the prefix; PSM stays the default', () => {
  const prefix = 'let x = ';
  const suffix = ';\nlet y = 2;\n';
  const ids = encodeFimPrompt(tokenizer, { prefix, suffix, mode: 'spm', contextFiles: ['let z;\n'] });
  assert.deepEqual(ids, [
    SPECIAL_IDS.fileSep, ...tokenizer.encode('let z;\n'),
    SPECIAL_IDS.fimPrefix, SPECIAL_IDS.fimSuffix, ...tokenizer.encode(suffix),
    SPECIAL_IDS.fimMiddle, ...tokenizer.encode(prefix),
  ]);
  // Typing more text only appends tokens after the old prompt (KV-cache reuse); checked on a boundary the tokenizer keeps.
  const longer = encodeFimPrompt(tokenizer, { prefix: prefix + '1', suffix, mode: 'spm' });
  const shorter = encodeFimPrompt(tokenizer, { prefix, suffix, mode: 'spm' });
  assert.deepEqual(longer.slice(0, shorter.length - tokenizer.encode(prefix).length), shorter.slice(0, shorter.length - tokenizer.encode(prefix).length));
  assert.deepEqual(encodeFimPrompt(tokenizer, { prefix, suffix }), encodeFimPrompt(tokenizer, { prefix, suffix, mode: 'psm' }));
  const example = encodeFimExample(tokenizer, { prefix, suffix, middle: '1', mode: 'spm' });
  assert.deepEqual(example, [...ids.slice(ids.indexOf(SPECIAL_IDS.fimPrefix)), ...tokenizer.encode('1'), SPECIAL_IDS.endOfText]);
});
