/**
 * Completion latency as an editor sees it: the real language server (dist/server/cli.js, the
 * bundle the extension runs) in a child process, driven over stdio with vscode-jsonrpc, on a real
 * ~1,000-line source file with the default model. Measured: request -> response for fresh cursor
 * positions, for typed-ahead positions (the user typed the suggestion's next character, and the
 * user typed something else: KV-cache reuse), and a burst of 50 keystrokes of which only the last
 * should reach the model.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { StatsRequest, StatusRequest } from '../../../protocol/lsp.js';
import { Rng } from '../util/rng.js';

export interface LspBenchOptions {
  cli: string;
  model?: string;
  file: string;
  positions: number;
  threads?: number;
  log?: (line: string) => void;
}

export interface Percentiles {
  n: number;
  p50: number;
  p95: number;
  mean: number;
}

export interface LspBenchResult {
  file: string;
  lines: number;
  /** Mid-line, code to the right: the suggestion finishes the line. */
  fresh: Percentiles;
  /** At the end of a line being typed: the suggestion may run over several lines. */
  freshMultiLine: Percentiles;
  typedAheadSuggestion: Percentiles;
  typedAheadOther: Percentiles;
  burst: { keystrokes: number; totalMs: number; modelCalls: number; lastResponseMs: number };
  emptyFresh: number;
  /** From spawning the server to its status 'ready' (model loaded; polled every 10 ms). */
  readyMs: number;
  /** The server process's resident memory once ready, before any completion. */
  rssReadyBytes: number;
}

function pct(xs: number[]): Percentiles {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
  return { n: s.length, p50: at(0.5), p95: at(0.95), mean: s.reduce((a, b) => a + b, 0) / Math.max(1, s.length) };
}

interface Item { insertText: string | { value: string } }

export async function benchLsp(o: LspBenchOptions): Promise<LspBenchResult> {
  if (!existsSync(o.cli)) throw new Error(`${o.cli} not found: run npm run build first`);
  const args = [o.cli, 'serve', '--stdio', ...(o.model ? ['--model', o.model] : []), ...(o.threads ? ['--threads', String(o.threads)] : []), '--log-level', 'error'];
  const spawned = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const conn = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  conn.onNotification(() => {});
  conn.listen();
  try {
    await conn.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {} });
    void conn.sendNotification('initialized', {});
    for (let i = 0; ; i++) {
      const st = await conn.sendRequest(StatusRequest);
      if (st.state === 'ready') break;
      if (st.state === 'error' || i > 3000) throw new Error(`server did not become ready: ${st.message ?? ''}\n${stderr}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    const readyMs = performance.now() - spawned;
    const rssReadyBytes = (await conn.sendRequest(StatsRequest)).memory.rssBytes;
    let text = readFileSync(o.file, 'utf8');
    const lines = text.split('\n');
    const uri = 'file:///bench/' + o.file.split('/').pop();
    let version = 1;
    void conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'javascript', version, text } });
    const complete = async (line: number, character: number): Promise<{ ms: number; text: string }> => {
      const t0 = performance.now();
      const res = await conn.sendRequest<{ items: Item[] } | null>('textDocument/inlineCompletion', {
        textDocument: { uri },
        position: { line, character },
        context: { triggerKind: 2 },
      });
      const ms = performance.now() - t0;
      const item = res?.items?.[0];
      const t = item ? (typeof item.insertText === 'string' ? item.insertText : item.insertText.value) : '';
      return { ms, text: t };
    };
    /** The user has typed the first `character` characters of this line: the rest is not there yet. */
    const cutLine = (line: number, character: number) => {
      const cur = text.split('\n');
      const end = cur[line]!.length;
      cur[line] = cur[line]!.slice(0, character);
      text = cur.join('\n');
      void conn.sendNotification('textDocument/didChange', {
        textDocument: { uri, version: ++version },
        contentChanges: [{ range: { start: { line, character }, end: { line, character: end } }, text: '' }],
      });
    };
    const insert = (line: number, character: number, s: string) => {
      const cur = text.split('\n');
      cur[line] = cur[line]!.slice(0, character) + s + cur[line]!.slice(character);
      text = cur.join('\n');
      void conn.sendNotification('textDocument/didChange', {
        textDocument: { uri, version: ++version },
        contentChanges: [{ range: { start: { line, character }, end: { line, character } }, text: s }],
      });
    };
    const rng = new Rng(7);
    const candidates = lines.map((l, i) => ({ l, i })).filter(({ l }) => l.trim().length > 8);
    rng.shuffle(candidates);
    const fresh: number[] = [];
    const freshMulti: number[] = [];
    const aheadSuggestion: number[] = [];
    const aheadOther: number[] = [];
    let empty = 0;
    // Warm-up: first runs allocate and compile.
    for (let i = 0; i < 3; i++) await complete(candidates[i]!.i, Math.floor(candidates[i]!.l.length / 2));
    for (const { i, l } of candidates.slice(3, 3 + o.positions)) {
      // Single-line: a cursor mid-line, not inside a word (the next character is not a word character).
      let col = Math.max(1, Math.floor(l.length * (0.2 + 0.6 * rng.next())));
      while (col < l.length && /[\w$]/.test(l[col]!)) col++;
      if (col >= l.length) col = Math.max(1, l.length - 1);
      const r = await complete(i, col);
      fresh.push(r.ms);
      if (!r.text) {
        empty++;
        // The user types a character that is not a suggestion: the prompt extends the cached one.
        insert(i, col, 'x');
        aheadOther.push((await complete(i, col + 1)).ms);
      } else {
        insert(i, col, r.text[0]!);
        aheadSuggestion.push((await complete(i, col + 1)).ms);
      }
    }
    for (const { i, l } of candidates.slice(3 + o.positions, 3 + 2 * Math.ceil(o.positions / 3) + o.positions)) {
      const col = Math.max(1, Math.floor(l.length * (0.3 + 0.5 * rng.next())));
      cutLine(i, col);
      freshMulti.push((await complete(i, col)).ms);
    }
    // A burst: 50 keystrokes, each followed by a request, without waiting; only the last matters.
    const before = await conn.sendRequest(StatsRequest);
    const target = candidates[candidates.length - 1]!;
    const t0 = performance.now();
    const pending: Promise<{ ms: number; text: string }>[] = [];
    let col = Math.floor(target.l.length / 2);
    cutLine(target.i, col);
    for (let k = 0; k < 50; k++) {
      insert(target.i, col, 'a');
      col++;
      pending.push(complete(target.i, col).catch(() => ({ ms: NaN, text: '' })));
    }
    const results = await Promise.all(pending);
    const totalMs = performance.now() - t0;
    const after = await conn.sendRequest(StatsRequest);
    return {
      file: o.file,
      lines: lines.length,
      fresh: pct(fresh),
      freshMultiLine: pct(freshMulti),
      typedAheadSuggestion: pct(aheadSuggestion),
      typedAheadOther: pct(aheadOther),
      burst: { keystrokes: 50, totalMs, modelCalls: after.requests.modelCalls - before.requests.modelCalls, lastResponseMs: results[results.length - 1]!.ms },
      emptyFresh: empty,
      readyMs,
      rssReadyBytes,
    };
  } finally {
    conn.dispose();
    child.kill();
  }
}

/** A real ~1,000-line source file that every install has (the language client's notebook support). */
export function defaultBenchFile(root: string): string {
  return join(root, 'node_modules/vscode-languageclient/lib/common/notebook.js');
}
