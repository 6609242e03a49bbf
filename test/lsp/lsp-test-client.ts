/**
 * Drives the REAL language server in a child process over stdio, as an editor would, with
 * vscode-jsonrpc's node client. Used by the integration tests in this folder.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type CancellationToken,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import type { InlineCompletionList } from 'vscode-languageserver-protocol';
import { StatusChangedNotification, StatusRequest, type InitializationOptions, type StatusResult } from '../../protocol/lsp.js';

export const ROOT = join(__dirname, '..', '..');
const ENTRY = join(ROOT, 'server', 'src', 'cli', 'commands', 'serve-entry.ts');

export interface ServerSession {
  child: ChildProcessWithoutNullStreams;
  conn: MessageConnection;
  stderr: () => string;
  /** Resolves with the exit code when the server process ends. */
  exited: Promise<number | null>;
  statuses: StatusResult[];
  open(uri: string, text: string, version?: number): void;
  complete(uri: string, line: number, character: number, token?: CancellationToken): Promise<InlineCompletionList | null>;
  waitForState(state: StatusResult['state']): Promise<StatusResult>;
  stop(): Promise<void>;
}

export interface StartOptions {
  args?: string[];
  initializationOptions?: InitializationOptions;
  processId?: number | null;
  /** Serve this model folder with the real engine instead of the protocol-test model. */
  modelDir?: string;
  /** Skip initialize (for tests of raw input). */
  skipInitialize?: boolean;
}

export async function startTestServer(o: StartOptions = {}): Promise<ServerSession> {
  const model = o.modelDir ? ['--model', o.modelDir] : ['--model-kind', 'test-echo'];
  const args = ['--import', 'tsx', ENTRY, '--stdio', ...model, ...(o.args ?? [])];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const conn = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const statuses: StatusResult[] = [];
  conn.onNotification(StatusChangedNotification, (st) => {
    statuses.push(st);
  });
  conn.onNotification('window/showMessage', () => {});
  conn.onNotification('window/logMessage', () => {});
  conn.listen();
  const session: ServerSession = {
    child,
    conn,
    stderr: () => stderr,
    exited,
    statuses,
    open(uri, text, version = 1) {
      void conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'javascript', version, text } });
    },
    complete(uri, line, character, token) {
      const params = { textDocument: { uri }, position: { line, character }, context: { triggerKind: 2 } };
      return token
        ? conn.sendRequest<InlineCompletionList | null>('textDocument/inlineCompletion', params, token)
        : conn.sendRequest<InlineCompletionList | null>('textDocument/inlineCompletion', params);
    },
    async waitForState(state) {
      for (;;) {
        const s = await conn.sendRequest(StatusRequest);
        if (s.state === state) return s;
        if (s.state === 'error' && state !== 'error') throw new Error(`server is in error: ${s.message}\n${stderr}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill();
      await exited;
      conn.dispose();
    },
  };
  if (!o.skipInitialize) {
    await conn.sendRequest('initialize', {
      processId: o.processId === undefined ? process.pid : o.processId,
      rootUri: null,
      capabilities: {},
      initializationOptions: o.initializationOptions ?? {},
    });
    void conn.sendNotification('initialized', {});
    await session.waitForState('ready');
  }
  return session;
}

/** A raw LSP frame (header + body bytes), for sending input no well-behaved client would. */
export function frame(body: Buffer | string): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return Buffer.concat([Buffer.from(`Content-Length: ${bytes.length}\r\n\r\n`, 'ascii'), bytes]);
}
