/**
 * Messages between the VS Code extension and the performance dashboard webview, declared once and
 * imported by both. The extension pushes figures (ExtensionToWebview); the page asks for things
 * (WebviewToExtension). Both sides receive `unknown` from postMessage, so each direction has a
 * runtime validator: a malformed message is reported (a string saying what is wrong) and ignored,
 * never trusted.
 *
 * This file is bundled into the browser page: it imports only types (erased at build time).
 */
import type { OpTiming, StatsResult } from './lsp.js';

// ---------------------------------------------------------------------------------------------
// FLOPs report, as the dashboard reads it
// ---------------------------------------------------------------------------------------------
// protocol/ must not import server/, so the part of server/src/model/flops.ts's FlopsReport that the
// page reads is restated here; test/webview/protocol-compat.test.ts checks at compile time that the
// server's FlopsReport is assignable to it (so a change there that breaks the page fails tsc).

export interface ReportStorageBytes {
  fp32: number;
  fp16: number;
  int8: number;
}

export interface ReportFlopSplit {
  withoutAttention: number;
  attention: number;
  total: number;
}

export interface ReportLayer {
  /** 'Q', 'K', 'V', 'ML1', 'ML2' (MemoryFormer) or 'Q', 'K', 'V', 'O', 'FFN up', 'FFN down' (dense). */
  name: string;
  kind: 'memory' | 'dense';
  inWidth: number;
  outWidth: number;
  tau: number | null;
  chunks: number | null;
  weights: number;
  /** FLOPs of this layer at the report's sequence length (multiply-add = 1 FLOP). */
  flops: number;
  hashFlops: number;
  bytes: ReportStorageBytes;
}

export interface ReportModelAccount {
  config: { arch: 'memoryformer' | 'dense'; dModel: number; nLayers: number; vocabSize: number; tau: number; tableDtype: string };
  perBlock: { paper: ReportFlopSplit; detailed: ReportFlopSplit; layers: ReportLayer[]; weightBytes: ReportStorageBytes };
  blocks: { count: number; paper: ReportFlopSplit; detailed: ReportFlopSplit; weightBytes: ReportStorageBytes };
  lmHead: { flops: number; params: number };
  total: { paperFlops: number; detailedFlops: number; params: number; bytes: ReportStorageBytes };
}

/** What `memoryformer flops --json` prints (server/src/model/flops.ts FlopsReport), as far as the page reads it. */
export interface DashboardFlopsReport {
  seqLen: number;
  preset: string | null;
  subject: 'memoryformer' | 'dense';
  memoryformer: ReportModelAccount;
  dense: ReportModelAccount;
  savingPercent: {
    perBlock: {
      paper: { withoutAttention: number; total: number };
      detailed: { withoutAttention: number; total: number };
      params: number;
      weightBytesFp16: number;
    };
    model: { paperFlops: number; detailedFlops: number; params: number };
  };
}

// ---------------------------------------------------------------------------------------------
// Measured figures the extension adds to memoryformer/stats
// ---------------------------------------------------------------------------------------------

/** Time spent in one transformer block, summed from onnxruntime's profiler events of that block's nodes. */
export interface LayerTiming {
  layer: number;
  totalMs: number;
  calls: number;
}

export interface StatsUpdate {
  stats: StatsResult;
  /** Latencies (ms) of the completions finished since the previous update; the page bins them into its histogram. */
  latencySamplesMs?: number[];
  /** Per-block time of a representative completion (ORT's profiler); per-op time is stats.profile.ops. */
  layerTimes?: LayerTiming[];
  /** Wall-clock time of the snapshot (Date.now()). */
  sampledAt: number;
}

// ---------------------------------------------------------------------------------------------
// Fine-tuning
// ---------------------------------------------------------------------------------------------

export interface FineTuneProgress {
  /** Identifies one run: a new runId starts new loss curves. */
  runId: string;
  step: number;
  totalSteps: number;
  trainLoss: number;
  /** Present on the steps where validation ran. */
  validLoss?: number;
  tokensPerSecond: number;
  /** Estimated seconds left; absent until the trainer can estimate it. */
  etaSeconds?: number;
  elapsedMs: number;
}

export interface FineTuneEval {
  validLoss: number;
  perplexity: number;
  /** Line-level exact match on held-out completions, 0..1 (optional). */
  exactMatch?: number;
  /** Edit similarity on held-out completions, 0..1 (optional). */
  editSimilarity?: number;
}

export interface FineTuneReport {
  runId: string;
  steps: number;
  durationMs: number;
  trainedTokens: number;
  before: FineTuneEval;
  after: FineTuneEval;
}

// ---------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------

export type ThemeKind = 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';

export type ExtensionToWebview =
  | ({ type: 'stats' } & StatsUpdate)
  | { type: 'flops'; report: DashboardFlopsReport }
  | { type: 'fineTuneProgress'; progress: FineTuneProgress }
  | { type: 'fineTuneReport'; report: FineTuneReport }
  /** VS Code already restyles the page through CSS variables; this tells the charts to redraw. */
  | { type: 'theme'; kind: ThemeKind }
  /** The result of an export request the page made. */
  | { type: 'exported'; requestId: string; ok: boolean; message?: string };

export type ExportFormat = 'json' | 'png' | 'svg';

export type WebviewToExtension =
  /** The page has loaded (or been restored) and wants the current figures. */
  | { type: 'ready' }
  /** Send fresh figures now (the user pressed Refresh, or the page became visible again). */
  | { type: 'refresh' }
  /**
   * Save a file the user asked for. `content`: JSON text (json), SVG text (svg), or a
   * `data:image/png;base64,...` URL (png). `suggestedName` is a bare file name.
   */
  | { type: 'export'; requestId: string; format: ExportFormat; suggestedName: string; content: string };

// ---------------------------------------------------------------------------------------------
// Runtime validation
// ---------------------------------------------------------------------------------------------

/** Checks a value; returns what is wrong (mentioning `path`) or undefined when it fits. */
type Check = (v: unknown, path: string) => string | undefined;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const num: Check = (v, p) => (typeof v === 'number' && Number.isFinite(v) ? undefined : `${p} must be a finite number`);
const nonNeg: Check = (v, p) => num(v, p) ?? ((v as number) >= 0 ? undefined : `${p} must be >= 0`);
const str: Check = (v, p) => (typeof v === 'string' ? undefined : `${p} must be a string`);
const oneOf = (...values: string[]): Check => (v, p) =>
  typeof v === 'string' && values.includes(v) ? undefined : `${p} must be one of ${values.join(', ')}`;
const nullable = (c: Check): Check => (v, p) => (v === null ? undefined : c(v, p));
const optional = (c: Check): Check => (v, p) => (v === undefined ? undefined : c(v, p));

const arrayOf = (c: Check, max = 100_000): Check => (v, p) => {
  if (!Array.isArray(v)) return `${p} must be an array`;
  if (v.length > max) return `${p} has ${v.length} entries, more than ${max}`;
  for (let i = 0; i < v.length; i++) {
    const e = c(v[i], `${p}[${i}]`);
    if (e) return e;
  }
  return undefined;
};

/** An object with (at least) these fields; unknown extra fields are allowed, so either side may grow. */
const obj = (fields: Record<string, Check>): Check => (v, p) => {
  if (!isObj(v)) return `${p} must be an object`;
  for (const [k, c] of Object.entries(fields)) {
    const e = c(v[k], `${p}.${k}`);
    if (e) return e;
  }
  return undefined;
};

const latencySummary = obj({ count: nonNeg, mean: nonNeg, p50: nonNeg, p95: nonNeg, p99: nonNeg, max: nonNeg });
const counts = (...names: string[]) => obj(Object.fromEntries(names.map((n) => [n, nonNeg])));

const opTiming: Check = obj({ op: str, calls: nonNeg, totalMs: nonNeg, meanMs: nonNeg });
const modelInfo = obj({ name: str, preset: str, arch: oneOf('memoryformer', 'dense'), provider: str, vocabSize: nonNeg, maxContext: nonNeg });

const statsResult: Check = obj({
  uptimeMs: nonNeg,
  requests: counts('total', 'answered', 'empty', 'cancelled', 'superseded', 'dropped', 'errors', 'cacheHits',
    'typedAheadHits', 'modelCalls', 'modelCallsAborted', 'modelCallsStoppedEarly'),
  latencyMs: latencySummary,
  modelLatencyMs: latencySummary,
  tokensPerSecond: nonNeg,
  generatedTokens: nonNeg,
  promptTokens: nonNeg,
  reusedPromptTokens: nonNeg,
  cache: obj({ size: nonNeg, capacity: nonNeg, hits: nonNeg, misses: nonNeg, hitRate: nonNeg }),
  memory: obj({ rssBytes: nonNeg, heapUsedBytes: nonNeg }),
  model: optional(modelInfo),
  profile: optional(obj({
    flopsPerToken: optional(nonNeg),
    layers: optional(arrayOf(obj({ layer: nonNeg, flopsPerToken: optional(nonNeg), tableBytes: optional(nonNeg) }))),
    tableBytesTotal: optional(nonNeg),
    ops: optional(arrayOf(opTiming)),
    execution: optional(arrayOf(obj({ layers: str, phase: oneOf('prefill', 'decode'), engine: str, dtype: str }))),
  })),
});

const storage = obj({ fp32: nonNeg, fp16: nonNeg, int8: nonNeg });
const flopSplit = obj({ withoutAttention: nonNeg, attention: nonNeg, total: nonNeg });
const reportLayer = obj({
  name: str, kind: oneOf('memory', 'dense'), inWidth: nonNeg, outWidth: nonNeg, tau: nullable(nonNeg), chunks: nullable(nonNeg),
  weights: nonNeg, flops: nonNeg, hashFlops: nonNeg, bytes: storage,
});
const modelAccount = obj({
  config: obj({ arch: oneOf('memoryformer', 'dense'), dModel: nonNeg, nLayers: nonNeg, vocabSize: nonNeg, tau: nonNeg, tableDtype: str }),
  perBlock: obj({ paper: flopSplit, detailed: flopSplit, layers: arrayOf(reportLayer, 64), weightBytes: storage }),
  blocks: obj({ count: nonNeg, paper: flopSplit, detailed: flopSplit, weightBytes: storage }),
  lmHead: obj({ flops: nonNeg, params: nonNeg }),
  total: obj({ paperFlops: nonNeg, detailedFlops: nonNeg, params: nonNeg, bytes: storage }),
});
const pair = obj({ withoutAttention: num, total: num });
const flopsReport: Check = obj({
  seqLen: nonNeg,
  preset: nullable(str),
  subject: oneOf('memoryformer', 'dense'),
  memoryformer: modelAccount,
  dense: modelAccount,
  savingPercent: obj({
    perBlock: obj({ paper: pair, detailed: pair, params: num, weightBytesFp16: num }),
    model: obj({ paperFlops: num, detailedFlops: num, params: num }),
  }),
});

const fineTuneProgress = obj({
  runId: str, step: nonNeg, totalSteps: nonNeg, trainLoss: num, validLoss: optional(num),
  tokensPerSecond: nonNeg, etaSeconds: optional(nonNeg), elapsedMs: nonNeg,
});
const fineTuneEval = obj({ validLoss: num, perplexity: nonNeg, exactMatch: optional(nonNeg), editSimilarity: optional(nonNeg) });
const fineTuneReport = obj({ runId: str, steps: nonNeg, durationMs: nonNeg, trainedTokens: nonNeg, before: fineTuneEval, after: fineTuneEval });

const toWebview: Record<ExtensionToWebview['type'], Check> = {
  stats: obj({
    stats: statsResult,
    latencySamplesMs: optional(arrayOf(nonNeg)),
    layerTimes: optional(arrayOf(obj({ layer: nonNeg, totalMs: nonNeg, calls: nonNeg }), 1024)),
    sampledAt: nonNeg,
  }),
  flops: obj({ report: flopsReport }),
  fineTuneProgress: obj({ progress: fineTuneProgress }),
  fineTuneReport: obj({ report: fineTuneReport }),
  theme: obj({ kind: oneOf('light', 'dark', 'high-contrast', 'high-contrast-light') }),
  exported: obj({ requestId: str, ok: (v, p) => (typeof v === 'boolean' ? undefined : `${p} must be a boolean`), message: optional(str) }),
};

/** A file name without folders or characters that file systems reject. */
const fileName: Check = (v, p) =>
  typeof v === 'string' && /^[\w][\w .-]{0,120}$/.test(v) ? undefined : `${p} must be a plain file name (letters, digits, ' ', '.', '-', '_')`;

const MAX_EXPORT_CHARS = 32 * 1024 * 1024;

const toExtension: Record<WebviewToExtension['type'], Check> = {
  ready: obj({}),
  refresh: obj({}),
  export: (v, p) =>
    obj({ requestId: str, format: oneOf('json', 'png', 'svg'), suggestedName: fileName, content: str })(v, p) ??
    exportContent(v as { format: ExportFormat; content: string }, p),
};

function exportContent(m: { format: ExportFormat; content: string }, p: string): string | undefined {
  if (m.content.length > MAX_EXPORT_CHARS) return `${p}.content is larger than ${MAX_EXPORT_CHARS} characters`;
  if (m.format === 'png' && !m.content.startsWith('data:image/png;base64,')) return `${p}.content must be a data:image/png;base64 URL`;
  if (m.format === 'svg' && !m.content.trimStart().startsWith('<svg')) return `${p}.content must be SVG text starting with <svg`;
  return undefined;
}

export type Validated<T> = { ok: true; message: T } | { ok: false; error: string };

function validate<T extends { type: string }>(v: unknown, checks: Record<string, Check>, side: string): Validated<T> {
  if (!isObj(v)) return { ok: false, error: `${side} message must be an object with a "type"` };
  const type = v.type;
  if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(checks, type)) {
    return { ok: false, error: `unknown ${side} message type ${JSON.stringify(type)} (known: ${Object.keys(checks).join(', ')})` };
  }
  const error = checks[type]!(v, type);
  return error ? { ok: false, error } : { ok: true, message: v as unknown as T };
}

/** For the page: is this postMessage data a well-formed message from the extension? */
export function validateExtensionMessage(v: unknown): Validated<ExtensionToWebview> {
  return validate<ExtensionToWebview>(v, toWebview, 'extension->webview');
}

/** For the extension host: is this message from the page well-formed? */
export function validateWebviewMessage(v: unknown): Validated<WebviewToExtension> {
  return validate<WebviewToExtension>(v, toExtension, 'webview->extension');
}

/** Checks a FlopsReport alone (e.g. the output of `memoryformer flops --json` before sending it). */
export function validateFlopsReport(v: unknown): string | undefined {
  return flopsReport(v, 'report');
}

export type { OpTiming, StatsResult };
