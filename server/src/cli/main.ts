/**
 * The `memoryformer` command line.
 *
 * Every subcommand lives in commands/<name>.ts and is registered in COMMANDS below, so adding
 * train / eval / serve / bench is one file plus one line here. A command gets the arguments after
 * its name and parses them itself with node:util parseArgs ({ strict: true }), whose errors for
 * unknown options and bad values are turned into usage errors (exit 2) here.
 *
 * Exit codes: 0 success; 1 the command failed (message `memoryformer: <message>`, the stack too
 * when MEMORYFORMER_DEBUG=1); 2 usage error (unknown command or option, missing argument).
 */
import { flopsCommand } from './commands/flops.js';
import { benchCommand } from './commands/bench.js';
import { tokenizerBenchCommand } from './commands/tokenizer-bench.js';
import * as serve from './commands/serve.js';
import { evalCommand } from './commands/eval.js';
import { trainCommand } from './commands/train.js';
import { corpusCommand } from './commands/corpus.js';
import { pretrainCommand } from './commands/pretrain.js';
import { finetuneCommand } from './commands/finetune.js';
import { convertCommand } from './commands/convert.js';

export interface Command {
  /** One line for `memoryformer --help`. */
  summary: string;
  /** Full help for `memoryformer <name> --help`: usage line, description, options. */
  usage: string;
  /** Runs with the arguments after the command name. Returns an exit code (default 0) or throws. */
  run(argv: string[]): Promise<number | void> | number | void;
}

/**
 * The commands, by name. A command signals wrong arguments (exit 2, with a pointer to its --help) by throwing an Error
 * whose `code` is 'ERR_USAGE'; parseArgs' own ERR_PARSE_ARGS_* errors count the same. Commands must
 * not import values from this file: it runs main() on load.
 */
export const COMMANDS: Readonly<Record<string, Command>> = {
  flops: flopsCommand,
  bench: benchCommand,
  'tokenizer-bench': tokenizerBenchCommand,
  serve: { summary: serve.summary, usage: serve.usage, run: serve.run },
  eval: evalCommand,
  train: trainCommand,
  corpus: corpusCommand,
  pretrain: pretrainCommand,
  finetune: finetuneCommand,
  convert: convertCommand,
};

function mainUsage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'Usage: memoryformer <command> [options]',
    '',
    'MemoryFormer (hash-table layers instead of fully-connected ones) for local code completion.',
    '',
    'Commands:',
    ...lines,
    '',
    "Run 'memoryformer <command> --help' for a command's options.",
    'Set MEMORYFORMER_DEBUG=1 to see stack traces of errors.',
    '',
  ].join('\n');
}

/** True for errors about the arguments: ours and node:util parseArgs' ERR_PARSE_ARGS_*. */
function isUsageError(err: unknown): err is Error {
  const code = (err as { code?: unknown } | null)?.code;
  return err instanceof Error && typeof code === 'string' && (code === 'ERR_USAGE' || code.startsWith('ERR_PARSE_ARGS_'));
}

/** parseArgs' messages carry advice about '--' that only confuses here; keep the first sentence. */
function usageMessage(err: Error): string {
  return err.message.replace(/\. To specify a positional argument.*$/s, '');
}

/** Help is asked for when -h/--help appears before a '--' separator. */
function wantsHelp(argv: string[]): boolean {
  for (const a of argv) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    process.stderr.write(mainUsage());
    return 2;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const topic = rest[0];
    const cmd = topic === undefined ? undefined : COMMANDS[topic];
    if (topic !== undefined && !cmd) return unknownCommand(topic);
    process.stdout.write(cmd ? cmd.usage : mainUsage());
    return 0;
  }
  if (name.startsWith('-')) {
    process.stderr.write(`memoryformer: unknown option '${name}' (options go after the command).\n\n${mainUsage()}`);
    return 2;
  }
  const cmd = Object.prototype.hasOwnProperty.call(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!cmd) return unknownCommand(name);
  if (wantsHelp(rest)) {
    process.stdout.write(cmd.usage);
    return 0;
  }
  try {
    return (await cmd.run(rest)) ?? 0;
  } catch (err) {
    const debug = process.env.MEMORYFORMER_DEBUG === '1';
    if (isUsageError(err)) {
      process.stderr.write(`memoryformer ${name}: ${usageMessage(err)}\nRun 'memoryformer ${name} --help' for usage.\n`);
      if (debug && err.stack) process.stderr.write(err.stack + '\n');
      return 2;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`memoryformer: ${message}\n`);
    if (debug && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
    return 1;
  }
}

function unknownCommand(name: string): number {
  process.stderr.write(`memoryformer: unknown command '${name}'. Known commands: ${Object.keys(COMMANDS).join(', ')}.\n` +
    "Run 'memoryformer --help' for usage.\n");
  return 2;
}

// This file is only ever an entry point (tsx in development, dist/server/cli.js when bundled), so it
// runs on load. process.exitCode, not process.exit(), lets piped output drain first.
void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
