/** Leveled logging to stderr only: stdout carries the LSP protocol and must never see a stray line. */
import { format } from 'node:util';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];

export class Logger {
  constructor(public level: LogLevel = 'info') {}

  log(level: LogLevel, text: string): void {
    if (LOG_LEVELS.indexOf(level) > LOG_LEVELS.indexOf(this.level)) return;
    process.stderr.write(`[memoryformer ${new Date().toISOString()} ${level}] ${text}\n`);
  }
  error = (t: string) => this.log('error', t);
  warn = (t: string) => this.log('warn', t);
  info = (t: string) => this.log('info', t);
  debug = (t: string) => this.log('debug', t);
}

/** Sends console.log/info/debug (from any library in this thread) to stderr instead of stdout. */
export function keepConsoleOffStdout(): void {
  const toStderr = (...args: unknown[]) => {
    process.stderr.write(format(...args) + '\n');
  };
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
}
