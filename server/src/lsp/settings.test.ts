import { defaultModelDir } from '../model/default-model.js';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_COMPLETION_SETTINGS } from '../../../protocol/lsp.js';
import { parseServeArgs } from '../cli/commands/serve.js';
import { resolveSettings } from './settings.js';

test('resolveSettings keeps good values and reports bad ones by name, keeping the default', () => {
  const { settings, problems } = resolveSettings({ maxTokens: 32.7, temperature: 0.5, maxLines: -1, prefixChars: 'x', bogus: 1, multiline: 'no' });
  assert.equal(settings.maxTokens, 32);
  assert.equal(settings.temperature, 0.5);
  assert.equal(settings.maxLines, DEFAULT_COMPLETION_SETTINGS.maxLines);
  assert.equal(settings.prefixChars, DEFAULT_COMPLETION_SETTINGS.prefixChars);
  assert.equal(problems.length, 4);
  assert.match(problems.join('\n'), /maxLines.*\[1, 1000\]/);
  assert.match(problems.join('\n'), /unknown completion setting "bogus"/);
  assert.deepEqual(resolveSettings('nope').problems.length, 1);
});

test('serve arguments: --stdio required, test model only when asked, clear errors', () => {
  assert.deepEqual(parseServeArgs(['--stdio', '--model', '/m']).model, { kind: 'onnx', dir: '/m' });
  assert.deepEqual(parseServeArgs(['--stdio', '--model-kind=test-echo', '--test-token-delay-ms', '5']).model, { kind: 'test-echo', tokenDelayMs: 5 });
  // Without --model the shipped default model is served (when the package has one).
  assert.deepEqual(parseServeArgs(['--stdio', '--clientProcessId=123']).model, (() => {
    const dir = defaultModelDir();
    return dir ? { kind: 'onnx', dir } : undefined;
  })());
  assert.deepEqual(parseServeArgs(['--stdio', '--model', '/m', '--device', 'webgpu', '--threads', '3']).model, { kind: 'onnx', dir: '/m', provider: 'webgpu', threads: 3 });
  assert.throws(() => parseServeArgs(['--stdio', '--device', 'tpu']), /--device must be/);
  assert.throws(() => parseServeArgs([]), /needs --stdio/);
  assert.throws(() => parseServeArgs(['--stdio', '--log-level', 'loud']), /--log-level must be one of/);
  assert.throws(() => parseServeArgs(['--stdio', '--frobnicate']), /unknown argument --frobnicate/);
  assert.throws(() => parseServeArgs(['--stdio', '--model']), /--model needs a value/);
});
