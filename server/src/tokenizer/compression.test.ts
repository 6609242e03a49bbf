import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sep } from 'node:path';
import { findNodeModules, findSourceFiles, readCorpus } from './source-corpus.js';
import { trainBpe } from './train-bpe.js';

test('an 8k vocabulary trained on a few MB of code compresses unseen code to > 2.5 bytes per token', (t) => {
  const nodeModules = findNodeModules([process.cwd(), __dirname]);
  assert.ok(nodeModules, 'the test needs the installed node_modules (run npm install)');
  // Train on installed packages' code except the vscode-* ones, evaluate on those (other projects' code).
  const isHeldOutPackage = (f: string) => f.includes(`${sep}vscode-`);
  const all = findSourceFiles(nodeModules);
  const train = readCorpus(all.filter((f) => !isHeldOutPackage(f)), 4_000_000, 64 * 1024);
  const heldOut = readCorpus(all.filter(isHeldOutPackage), 2_000_000);
  const trainBytes = train.reduce((s, b) => s + b.length, 0);
  assert.ok(trainBytes > 3_000_000, `only ${trainBytes} bytes of training code found`);
  const tokenizer = trainBpe(train, { vocabSize: 8192 });
  assert.equal(tokenizer.vocabSize, 8192);
  let bytes = 0;
  let tokens = 0;
  for (const b of heldOut) {
    bytes += b.length;
    tokens += tokenizer.encode(b).length;
  }
  const bytesPerToken = bytes / tokens;
  t.diagnostic(`${bytesPerToken.toFixed(3)} bytes/token on ${bytes} held-out bytes (trained on ${trainBytes} bytes)`);
  assert.ok(bytesPerToken > 2.5, `bytes per token ${bytesPerToken.toFixed(3)} on ${bytes} held-out bytes`);
  // An untrained (bytes only) tokenizer gives exactly 1 byte per token: the figure comes from the merges.
  assert.equal(trainBpe([], { vocabSize: 8192 }).encode(heldOut[0]!).length, heldOut[0]!.length);
});
