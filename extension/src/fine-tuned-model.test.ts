import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discardFineTunedModel, findFineTunedModel } from './fine-tuned-model.js';

test('a fine-tuned model is found only when its config.json is there, and discarding removes only it', async () => {
  const storage = mkdtempSync(join(tmpdir(), 'mf-ext-ft-'));
  try {
    assert.equal(findFineTunedModel(undefined), undefined);
    assert.equal(findFineTunedModel(storage), undefined);
    mkdirSync(join(storage, 'finetuned'));
    assert.equal(findFineTunedModel(storage), undefined, 'an empty folder is not a model');
    writeFileSync(join(storage, 'finetuned', 'config.json'), '{}');
    writeFileSync(join(storage, 'finetuned', 'model.safetensors'), Buffer.alloc(16 + Math.floor(Math.random() * 100)));
    writeFileSync(join(storage, 'last-fine-tune.json'), '{}');
    assert.equal(findFineTunedModel(storage), join(storage, 'finetuned'));
    await discardFineTunedModel(storage);
    assert.equal(findFineTunedModel(storage), undefined);
    assert.ok(!existsSync(join(storage, 'finetuned')));
    assert.ok(existsSync(join(storage, 'last-fine-tune.json')), 'the run report stays');
    await discardFineTunedModel(storage); // nothing there: no error
  } finally {
    rmSync(storage, { recursive: true, force: true });
  }
});
