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
