/**
 * `memoryformer serve --stdio`: the language server editors start. stdout carries LSP messages;
 * every log line goes to stderr.
 */
import { Logger, LOG_LEVELS, keepConsoleOffStdout, type LogLevel } from '../../lsp/logger.js';
import { startServer } from '../../lsp/server.js';
import type { ModelSpec } from '../../lsp/worker-protocol.js';
import { PROVIDERS, type ProviderChoice } from '../../engine/ort.js';
import { defaultModelDir } from '../../model/default-model.js';

export const summary = 'run the language server (LSP over stdio) that serves inline completions';

export const usage = `usage: memoryformer serve --stdio [--model DIR] [--device auto|cpu|webgpu|cuda] [--threads N]
                          [--log-level error|warn|info|debug]

  --stdio              speak LSP on stdin/stdout (the only transport)
  --model DIR          model folder to load (default: the shipped default model)
  --device NAME        execution provider (default cpu; auto picks the fastest that works)
  --threads N          intra-op threads for the CPU provider (default: all cores)
  --log-level LEVEL    stderr verbosity (default info)
  --cache-size N       completions kept in the LRU cache (default 256)

For protocol tests only (never for users):
  --model-kind test-echo       a deterministic stand-in model that copies document text
  --test-token-delay-ms N      its delay per token, so cancellation can be observed
  --parent-check-ms N          how often to check that the editor is alive (default 2000)`;

export interface ServeOptions {
  model?: ModelSpec;
  logLevel: LogLevel;
  cacheCapacity: number;
  testTokenDelayMs: number;
  parentCheckMs: number;
}

/** Parses serve's arguments; throws an Error saying what is wrong. */
export function parseServeArgs(argv: string[]): ServeOptions {
  let stdio = false;
  let modelDir: string | undefined;
  let modelKind: 'onnx' | 'test-echo' = 'onnx';
  let provider: ProviderChoice | undefined;
  let threads: number | undefined;
  const o: ServeOptions = { logLevel: 'info', cacheCapacity: 256, testTokenDelayMs: 0, parentCheckMs: 2000 };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = splitFlag(argv[i] as string);
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new Error(`${flag} needs a value\n${usage}`);
      return v;
    };
    switch (flag) {
      case '--stdio':
        stdio = true;
        break;
      case '--model':
        modelDir = value();
        break;
      case '--device': {
        const v = value();
        if (v !== 'auto' && !(PROVIDERS as readonly string[]).includes(v)) throw new Error(`--device must be auto, ${PROVIDERS.join(', ')}; got ${v}`);
        provider = v as ProviderChoice;
        break;
      }
      case '--threads':
        threads = intArg(flag, value(), 1, 256);
        break;
      case '--model-kind': {
        const v = value();
        if (v !== 'onnx' && v !== 'test-echo') throw new Error(`--model-kind must be onnx or test-echo, got ${v}`);
        modelKind = v;
        break;
      }
      case '--log-level': {
        const v = value();
        if (!LOG_LEVELS.includes(v as LogLevel)) throw new Error(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got ${v}`);
        o.logLevel = v as LogLevel;
        break;
      }
      case '--cache-size':
        o.cacheCapacity = intArg(flag, value(), 0, 100000);
        break;
      case '--test-token-delay-ms':
        o.testTokenDelayMs = intArg(flag, value(), 0, 60000);
        break;
      case '--parent-check-ms':
        o.parentCheckMs = intArg(flag, value(), 10, 600000);
        break;
      case '--clientProcessId':
        // Added by vscode-languageclient; vscode-languageserver watches that process itself.
        value();
        break;
      default:
        throw new Error(`unknown argument ${argv[i]}\n${usage}`);
    }
  }
  if (!stdio) throw new Error(`serve needs --stdio (LSP over stdin/stdout is the only transport)\n${usage}`);
  if (modelKind === 'test-echo') o.model = { kind: 'test-echo', tokenDelayMs: o.testTokenDelayMs };
  else {
    const dir = modelDir ?? defaultModelDir();
    if (dir) o.model = { kind: 'onnx', dir, ...(provider ? { provider } : {}), ...(threads ? { threads } : {}) };
  }
  return o;
}

/**
 * Starts the server. The returned promise never resolves: the process lives until the client
 * sends exit, closes stdin, or dies (the server then ends the process itself).
 */
export async function run(argv: string[]): Promise<void> {
  keepConsoleOffStdout();
  let o: ServeOptions;
  try {
    o = parseServeArgs(argv);
  } catch (e) {
    process.stderr.write(`memoryformer serve: ${(e as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  const logger = new Logger(o.logLevel);
  startServer({
    ...(o.model ? { model: o.model } : {}),
    testTokenDelayMs: o.testTokenDelayMs,
    parentCheckMs: o.parentCheckMs,
    cacheCapacity: o.cacheCapacity,
    maxPending: 4,
    logger,
    input: process.stdin,
    output: process.stdout,
  });
  await new Promise<never>(() => {});
}

function splitFlag(arg: string): [string, string | undefined] {
  const eq = arg.indexOf('=');
  return arg.startsWith('--') && eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
}

function intArg(flag: string, v: string, lo: number, hi: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < lo || n > hi) throw new Error(`${flag} must be an integer in [${lo}, ${hi}], got ${v}`);
  return n;
}
