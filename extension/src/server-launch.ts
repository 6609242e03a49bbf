/**
 * How the language server is started: `node dist/server/cli.js serve --stdio ...`, run by the Node
 * that runs the extension host (vscode-languageclient forks it with process.execPath, and sets
 * ELECTRON_RUN_AS_NODE where the host is Electron). Pure, so the arguments are unit-tested.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { InitializationOptions } from '../../protocol/lsp.js';
import { serverSettings, type ExtensionConfig } from './config.js';

/** Extra server arguments, for tests and development only (e.g. `--model-kind test-echo`). */
export const SERVER_ARGS_ENV = 'MEMORYFORMER_SERVER_ARGS';
/** A different server entry file, for development only. */
export const SERVER_MODULE_ENV = 'MEMORYFORMER_SERVER_MODULE';

export interface ServerLaunch {
  module: string;
  args: string[];
  env: Record<string, string>;
  initializationOptions: InitializationOptions;
}

/** The folder of the model shipped with the extension (DEFAULT_MODEL_NAME in the server). */
export function defaultModelDir(extensionPath: string): string {
  return join(extensionPath, 'models', 'memoryformer-code-mini');
}

/**
 * `fineTunedDir`: this workspace's fine-tuned model (<storage>/finetuned), when there is one; it
 * comes first, since it was trained from the model in use and kept only because it was better here
 * ("Use Default Model" discards it).
 */
export function serverLaunch(extensionPath: string, config: ExtensionConfig, env: NodeJS.ProcessEnv, fineTunedDir?: string): ServerLaunch {
  const module = env[SERVER_MODULE_ENV] || join(extensionPath, 'dist', 'server', 'cli.js');
  const extra = splitArgs(env[SERVER_ARGS_ENV] ?? '');
  const testModel = extra.includes('--model-kind');
  const modelDir = fineTunedDir || config.modelPath || defaultModelDir(extensionPath);
  const args = ['serve', '--stdio', '--log-level', config.logLevel];
  // The test model replaces the real one; otherwise the model folder and engine are start-up arguments.
  if (!testModel) args.push('--model', modelDir, '--device', config.device, ...(config.threads > 0 ? ['--threads', String(config.threads)] : []));
  args.push(...extra);
  return {
    module,
    args,
    env: {},
    initializationOptions: serverSettings(config),
  };
}

/** Checks that the server entry exists; returns what is wrong, or undefined. */
export function checkServerModule(module: string): string | undefined {
  if (existsSync(module)) return undefined;
  return `the MemoryFormer server was not found at ${module}: the extension is incomplete (run \`npm run build\` in a development checkout, or reinstall the extension)`;
}

/**
 * Splits a command line on whitespace, honouring single and double quotes (no escapes: enough for
 * test arguments and paths with spaces).
 */
export function splitArgs(line: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line))) out.push(m[1] ?? m[2] ?? m[3] ?? '');
  return out;
}
