/**
 * Makes the CompletionModel a worker hosts, from a ModelSpec. This is the one place the language
 * server meets the model engine.
 */
import { existsSync, statSync } from 'node:fs';
import type { CompletionModel } from './completion-model.js';
import { TestEchoModel } from './test-model.js';
import { loadOnnxCompletionModel } from './onnx-completion-model.js';
import type { ModelSpec } from './worker-protocol.js';

export async function loadCompletionModel(spec: ModelSpec): Promise<CompletionModel> {
  switch (spec.kind) {
    case 'test-echo':
      return new TestEchoModel({ tokenDelayMs: spec.tokenDelayMs });
    case 'onnx': {
      if (!existsSync(spec.dir) || !statSync(spec.dir).isDirectory()) {
        throw new Error(`model folder ${spec.dir} does not exist or is not a folder: pass --model with the folder an export wrote`);
      }
      return loadOnnxCompletionModel(spec.dir, { provider: spec.provider, threads: spec.threads });
    }
  }
}
