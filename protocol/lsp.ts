/**
 * The MemoryFormer language server's custom protocol: every method the server adds to LSP, declared
 * once, with its parameter and result types. The server, the VS Code extension and the webview all
 * import this file, so it imports nothing but vscode-jsonrpc's environment-neutral API (no Node, no
 * server code): the webview bundle can use it in a browser.
 *
 * Standard LSP methods used as-is: initialize (initializationOptions: InitializationOptions),
 * textDocument/didOpen|didChange|didClose (incremental sync), textDocument/inlineCompletion (3.18),
 * workspace/didChangeConfiguration (settings.memoryformer: ServerSettings), $/cancelRequest,
 * $/progress (work-done progress of fine-tuning), shutdown, exit.
 */
import { NotificationType, RequestType, RequestType0 } from 'vscode-jsonrpc';
// Type only (erased): the FLOPs report's shape is restated once, in webview.ts, for the page.
import type { DashboardFlopsReport } from './webview.js';

// ---------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------

/** How completions are made. Every field is optional; the server's defaults are in DEFAULT_COMPLETION_SETTINGS. */
export interface CompletionSettings {
  /** Most tokens generated per suggestion (Tabby's default: 64). */
  maxTokens?: number;
  /** Most lines in a multi-line suggestion. */
  maxLines?: number;
  /** 0 = greedy (deterministic, cacheable). */
  temperature?: number;
  topP?: number;
  /** Prefix window before the cursor, bounded in lines and characters (the model bounds it in tokens). */
  prefixLines?: number;
  prefixChars?: number;
  /** Suffix window after the cursor. */
  suffixLines?: number;
  suffixChars?: number;
  /** 'auto': one line mid-line, several at a line end; 'single': always one line. */
  multiline?: 'auto' | 'single';
}

export const DEFAULT_COMPLETION_SETTINGS: Readonly<Required<CompletionSettings>> = Object.freeze({
  maxTokens: 64, // Tabby's default decode limit
  maxLines: 16, // a screenful; longer suggestions are rarely accepted whole
  temperature: 0,
  topP: 1,
  prefixLines: 100,
  prefixChars: 6000, // ~1500 tokens of code
  suffixLines: 30,
  suffixChars: 1500,
  multiline: 'auto',
});

/** Hard limits a client cannot exceed (a bad setting must not make the server hang or run out of memory). */
export const COMPLETION_SETTING_LIMITS: Readonly<Record<keyof Omit<CompletionSettings, 'multiline'>, readonly [number, number]>> =
  Object.freeze({
    maxTokens: [1, 2048],
    maxLines: [1, 1000],
    temperature: [0, 2],
    topP: [0.01, 1],
    prefixLines: [1, 2000],
    prefixChars: [16, 64000],
    suffixLines: [0, 500],
    suffixChars: [0, 16000],
  });

export interface ServerSettings {
  completion?: CompletionSettings;
}

/** initialize's initializationOptions. */
export interface InitializationOptions extends ServerSettings {
  /** Model folder to load instead of the one given on the command line. */
  modelDir?: string;
}

// ---------------------------------------------------------------------------------------------
// memoryformer/status
// ---------------------------------------------------------------------------------------------

export type ServerState = 'loading' | 'ready' | 'busy' | 'fine-tuning' | 'error';

export interface ModelInfo {
  name: string;
  preset: string;
  arch: 'memoryformer' | 'dense';
  /** onnxruntime execution provider ('cpu', 'cuda', ...), or 'test' for the protocol-test model. */
  provider: string;
  vocabSize: number;
  maxContext: number;
}

export interface StatusResult {
  state: ServerState;
  /** Loaded model; absent while none is loaded. */
  model?: ModelInfo;
  /** What the model was loaded from (a folder, or 'test-echo'). */
  modelSource?: string;
  /** Human-readable detail: the error when state is 'error', the model being loaded when 'loading'. */
  message?: string;
  serverVersion: string;
  /** Model calls running + waiting. */
  inFlight: number;
}

export const StatusRequest = new RequestType0<StatusResult, void>('memoryformer/status');
/** Sent by the server whenever StatusResult.state, model or message changes. */
export const StatusChangedNotification = new NotificationType<StatusResult>('memoryformer/statusChanged');

// ---------------------------------------------------------------------------------------------
// memoryformer/stats
// ---------------------------------------------------------------------------------------------

export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface RequestCounts {
  /** inlineCompletion requests received. */
  total: number;
  /** Answered with a suggestion. */
  answered: number;
  /** Answered with no suggestion (nothing useful, binary text, pointless position, model said nothing). */
  empty: number;
  /** Cancelled by the client ($/cancelRequest). */
  cancelled: number;
  /** Aborted because a newer request for the same document arrived. */
  superseded: number;
  /** Dropped because the queue was full. */
  dropped: number;
  /** Failed with an error. */
  errors: number;
  /** Answered from the completion cache. */
  cacheHits: number;
  /** Answered from the remainder of the previous suggestion the user is typing. */
  typedAheadHits: number;
  /** Calls that reached the model. */
  modelCalls: number;
  /** Model calls aborted (cancel, supersession). */
  modelCallsAborted: number;
  /** Model calls stopped early because post-processing had decided where the suggestion ends. */
  modelCallsStoppedEarly: number;
}

/** Per-layer cost, filled in by the model engine when it can (optional). */
export interface LayerCost {
  layer: number;
  /** FLOPs per generated token in this layer. */
  flopsPerToken?: number;
  /** Bytes held by this layer's hash tables (MemoryFormer) or weights (dense). */
  tableBytes?: number;
}

/** One row of onnxruntime's profiler, aggregated by op (optional). */
export interface OpTiming {
  op: string;
  calls: number;
  totalMs: number;
  meanMs: number;
}

/** Where a group of layers runs in one phase, with which weights (server/src/engine/execution-plan.ts). */
export interface LayerExecution {
  /** e.g. 'Memory Layers: Q/K/V (one hash), ML1, ML2', 'attention', 'LM head'. */
  layers: string;
  phase: 'prefill' | 'decode';
  /** e.g. 'onnxruntime cpu: Gather + batched MatMul', 'native kernel avx512, row-major'. */
  engine: string;
  /** The weights' dtype as computed with (and as stored, where that differs). */
  dtype: string;
}

/** Engine figures the model may report; every field optional. */
export interface ModelProfile {
  flopsPerToken?: number;
  layers?: LayerCost[];
  tableBytesTotal?: number;
  ops?: OpTiming[];
  /** Which engine and dtype compute each layer, per phase. */
  execution?: LayerExecution[];
}

export interface StatsResult {
  uptimeMs: number;
  requests: RequestCounts;
  /** Server-side latency of answered inlineCompletion requests (receipt to reply), ms. */
  latencyMs: LatencySummary;
  /** Time inside the model per model call, ms. */
  modelLatencyMs: LatencySummary;
  /** Generated tokens / seconds spent generating, over the session. */
  tokensPerSecond: number;
  generatedTokens: number;
  promptTokens: number;
  /** Prompt tokens whose KV cache was reused from the previous call. */
  reusedPromptTokens: number;
  cache: { size: number; capacity: number; hits: number; misses: number; hitRate: number };
  memory: { rssBytes: number; heapUsedBytes: number };
  model?: ModelInfo;
  /** Filled in by the model engine where it implements CompletionModel.profile(). */
  profile?: ModelProfile;
}

export const StatsRequest = new RequestType0<StatsResult, void>('memoryformer/stats');

// ---------------------------------------------------------------------------------------------
// memoryformer/fineTune
// ---------------------------------------------------------------------------------------------

export interface FineTuneParams {
  action: 'start' | 'cancel';
  /** Workspace folders (absolute paths) to train on (start only). */
  paths?: string[];
  /**
   * Folder the fine-tuned model and its report are kept in (start only): the extension passes its
   * workspace storage (ExtensionContext.storageUri). Result: <storageDir>/finetuned/ (a model folder
   * with report.json) when the fine-tuned model is better, and <storageDir>/last-fine-tune.json for
   * every finished run. Default: a per-workspace folder under ~/.cache/memoryformer/.
   */
  storageDir?: string;
  /**
   * Whether the user trusts the workspace (vscode.workspace.isTrusted). `false` is refused
   * (FineTuneRefused): training reads every file and the editor then runs what it produced.
   */
  trusted?: boolean;
  /** Workspace-relative globs to leave out, in addition to .gitignore (files.exclude and the project's setting). */
  exclude?: string[];
  /** Wall-clock budget of the whole run (collect, evaluate, train, evaluate, save), seconds. Default 600. */
  timeBudgetSec?: number;
  /** Most optimiser steps. Default: as many as fit the time budget (at most 2000). */
  steps?: number;
  /** Peak learning rate. Default: the pretraining rate / 3 with replay data, / 10 without. */
  learningRate?: number;
  /** Execution provider for training ('auto' picks the fastest available). Default 'auto'. */
  device?: 'auto' | 'cpu' | 'cuda' | 'webgpu';
  /** Token of a window/workDoneProgress/create the client made; progress is reported on $/progress. */
  workDoneToken?: string | number;
}

export interface FineTuneResult {
  state: 'started' | 'cancelled' | 'not-running';
  /** Identifies the run started (start) or cancelled (cancel). */
  runId?: string;
}

export type FineTunePhase = 'collect' | 'tokenize' | 'evaluate' | 'train' | 'save';

/** Progress of a fine-tune, as the dashboard charts it (also summarised on $/progress). */
export interface FineTuneProgressParams {
  runId: string;
  phase: FineTunePhase;
  /** What is happening, one line. */
  message: string;
  /** Whole-run completion, 0..100. */
  percentage: number;
  elapsedMs: number;
  step?: number;
  totalSteps?: number;
  trainLoss?: number;
  /** Held-out (validation) loss, on the steps where it was measured. */
  validLoss?: number;
  tokensPerSecond?: number;
  etaSeconds?: number;
}

/** Scores of one model on the held-out workspace files. */
export interface FineTuneScores {
  /** Bits per byte (lower is better). */
  bitsPerByte: number;
  /** Line completion exact match and edit similarity, 0..1. */
  exactMatch: number;
  editSimilarity: number;
  /** Held-out cross-entropy per token (nats) on the fine-tuning examples. */
  validLoss?: number;
  bytes: number;
  positions: number;
}

/** The record of one finished fine-tune (report.json / last-fine-tune.json). */
export interface FineTuneRunReport {
  format: 'memoryformer-finetune-report';
  version: 1;
  runId: string;
  startedAt: string;
  finishedAt: string;
  /** The model training started from. */
  baseModel: { dir: string; saveId?: string };
  /** True when the fine-tuned model was better on held-out bits per byte and was saved. */
  kept: boolean;
  /** Why it was kept or not, one sentence. */
  verdict: string;
  /** The saved model folder when kept. */
  modelDir?: string;
  files: { train: number; heldOut: number; bytes: number; languages: Record<string, { files: number; bytes: number }>; skipped: Record<string, number> };
  tokens: { workspace: number; replay: number; heldOut: number; seen: number };
  training: {
    steps: number;
    bestStep: number;
    stoppedBy: 'steps' | 'time' | 'early-stop';
    learningRate: number;
    batch: number;
    seq: number;
    provider: string;
    /** How forgetting was limited: 'replay' (pretraining tokens mixed in) or 'low-lr' (no replay data shipped). */
    regularisation: 'replay' | 'low-lr';
    replayShare: number;
    validLossCurve: Array<{ step: number; validLoss: number }>;
  };
  before: FineTuneScores;
  after: FineTuneScores;
  seconds: { total: number; collect: number; tokenize: number; evaluate: number; train: number; save: number };
}

/** Sent when a fine-tune ends, however it ends. */
export interface FineTuneFinishedParams {
  runId: string;
  outcome: 'improved' | 'not-improved' | 'cancelled' | 'failed';
  message: string;
  /** Present for 'improved' and 'not-improved'. */
  report?: FineTuneRunReport;
  /** For 'improved': the folder the server now serves completions from. */
  modelDir?: string;
}

export const FineTuneProgressNotification = new NotificationType<FineTuneProgressParams>('memoryformer/fineTuneProgress');
export const FineTuneFinishedNotification = new NotificationType<FineTuneFinishedParams>('memoryformer/fineTuneFinished');

export const FineTuneRequest = new RequestType<FineTuneParams, FineTuneResult, void>('memoryformer/fineTune');

/**
 * memoryformer/fineTuneSummary: what a fine-tune with these params would train on, without training
 * (the dry run the extension shows before asking to confirm). Takes the `start` params (paths,
 * exclude, trusted, timeBudgetSec; `action` is ignored); refused (FineTuneRefused) like a start:
 * untrusted workspace, missing or relative paths. An empty workspace answers files: 0.
 */
export interface FineTuneSummary {
  files: number;
  bytes: number;
  languages: Record<string, { files: number; bytes: number }>;
  /** Files left out, by reason (lock file, binary, too large, duplicate, ...). */
  skipped: Record<string, number>;
  /** bytes / 3.3 (the tokenizer's bytes per token on code). */
  estimatedTokens: number;
  /** Training seconds at an assumed throughput, capped by the time budget. */
  estimatedTrainSeconds: number;
  /** The budget the whole run would have (params.timeBudgetSec or the default, 600). */
  timeBudgetSec: number;
}

export const FineTuneSummaryRequest = new RequestType<FineTuneParams, FineTuneSummary, void>('memoryformer/fineTuneSummary');

// ---------------------------------------------------------------------------------------------
// memoryformer/setModel
// ---------------------------------------------------------------------------------------------

export interface SetModelParams {
  /** Folder holding the exported model. */
  modelDir?: string;
  /** 'onnx' (default) loads modelDir; 'test-echo' is the protocol-test model (never for users). */
  modelKind?: 'onnx' | 'test-echo';
}

export const SetModelRequest = new RequestType<SetModelParams, StatusResult, void>('memoryformer/setModel');

// ---------------------------------------------------------------------------------------------
// memoryformer/flops
// ---------------------------------------------------------------------------------------------

export interface FlopsParams {
  /** Sequence length to count at; default: the loaded model's context length (ModelInfo.maxContext). */
  seqLen?: number;
}

/**
 * The FLOPs and memory report (server/src/model/flops.ts FlopsReport, what `memoryformer flops --json`
 * prints) of the loaded model's config against its dense counterpart, for the dashboard. Its `preset`
 * is the loaded model's ModelInfo.preset. Fails with NoModel when no real model is loaded.
 */
export const FlopsRequest = new RequestType<FlopsParams, DashboardFlopsReport, void>('memoryformer/flops');

// ---------------------------------------------------------------------------------------------
// Error codes (JSON-RPC application range) the custom methods use.
// ---------------------------------------------------------------------------------------------

export const ErrorCodes = Object.freeze({
  /** The feature exists in the protocol but not yet in this build. */
  NotAvailable: -32050,
  /** The model could not be loaded; the message says why. */
  ModelLoadFailed: -32051,
  /** No model is loaded. */
  NoModel: -32052,
  /** A fine-tune cannot start: untrusted workspace, one already running, no real model loaded, bad params. */
  FineTuneRefused: -32053,
});
