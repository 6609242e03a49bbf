import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DEFAULT_CONFIG } from './config.js';
import { defaultModelDir, serverLaunch, SERVER_ARGS_ENV, SERVER_MODULE_ENV, splitArgs } from './server-launch.js';

const word = () => Math.random().toString(36).slice(2, 2 + 1 + Math.floor(Math.random() * 8));

test('splitArgs splits on whitespace and keeps quoted arguments whole', () => {
  for (let trial = 0; trial < 300; trial++) {
    const args = Array.from({ length: Math.floor(Math.random() * 6) }, () => (Math.random() < 0.3 ? `${word()} ${word()}` : word()));
    const line = args.map((a) => (a.includes(' ') ? (Math.random() < 0.5 ? `"${a}"` : `'${a}'`) : a)).join(' '.repeat(1 + Math.floor(Math.random() * 3)));
    assert.deepEqual(splitArgs(`  ${line} `), args);
  }
});

test('the server runs `cli.js serve --stdio` with the model folder, the log level and the engine choices', () => {
  const ext = `/ext/${word()}`;
  const modelPath = Math.random() < 0.5 ? '' : `/models/${word()}`;
  const config = { ...DEFAULT_CONFIG, modelPath, logLevel: 'debug' as const, device: 'cpu' as const, threads: 3 };
  const l = serverLaunch(ext, config, {});
  assert.equal(l.module, join(ext, 'dist', 'server', 'cli.js'));
  assert.deepEqual(l.args, ['serve', '--stdio', '--log-level', 'debug', '--model', modelPath || defaultModelDir(ext), '--device', 'cpu', '--threads', '3']);
  assert.deepEqual(serverLaunch(ext, { ...config, threads: 0 }, {}).args.slice(-2), ['--device', 'cpu'], 'threads 0: the runtime chooses');
  assert.deepEqual(l.initializationOptions, { completion: { maxTokens: config.maxTokens, temperature: config.temperature } });
});

test('test arguments from the environment replace the model; a server module override is honoured', () => {
  const module = `/dev/${word()}/cli.js`;
  const l = serverLaunch('/ext', DEFAULT_CONFIG, { [SERVER_ARGS_ENV]: '--model-kind test-echo --test-token-delay-ms 5', [SERVER_MODULE_ENV]: module });
  assert.equal(l.module, module);
  assert.deepEqual(l.args, ['serve', '--stdio', '--log-level', 'info', '--model-kind', 'test-echo', '--test-token-delay-ms', '5']);
});

test('a fine-tuned model of the workspace comes before the modelPath setting and the shipped model', () => {
  const ext = `/ext/${word()}`;
  const fineTuned = `/storage/${word()}/finetuned`;
  const modelPath = Math.random() < 0.5 ? '' : `/models/${word()}`;
  const args = serverLaunch(ext, { ...DEFAULT_CONFIG, modelPath }, {}, fineTuned).args;
  assert.equal(args[args.indexOf('--model') + 1], fineTuned);
  const without = serverLaunch(ext, { ...DEFAULT_CONFIG, modelPath }, {}, undefined).args;
  assert.equal(without[without.indexOf('--model') + 1], modelPath || defaultModelDir(ext));
});
