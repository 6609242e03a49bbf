/**
 * The language server: LSP wiring only, one line per handler where it can be. Completions are made
 * by CompletionService; the model runs in a worker thread owned by ModelHost, so this thread stays
 * free to answer cancellations, status and stats while a completion runs.
 */
import {
  createConnection,
  LSPErrorCodes,
  ResponseError,
  ErrorCodes as RpcErrorCodes,
  TextDocuments,
  TextDocumentSyncKind,
  type Connection,
  type InitializeParams,
  type InitializeResult,
  type InlineCompletionList,
  type InlineCompletionParams,
  type CancellationToken,
  WorkDoneProgress,
} from 'vscode-languageserver/node';
import { TextDocument, type Position } from 'vscode-languageserver-textdocument';
import {
  ErrorCodes,
  FineTuneFinishedNotification,
  FineTuneProgressNotification,
  FineTuneRequest,
  FineTuneSummaryRequest,
  FlopsRequest,
  SetModelRequest,
  StatsRequest,
  StatusChangedNotification,
  StatusRequest,
  type FineTuneParams,
  type FineTuneResult,
  type InitializationOptions,
  type ServerState,
  type SetModelParams,
  type StatsResult,
  type StatusResult,
} from '../../../protocol/lsp.js';
import { CompletionService } from './completion-service.js';
import { FineTuneRefusal, FineTuneService } from './fine-tune-service.js';
import { fineTuneSummary } from './fine-tune-summary.js';
import { FlopsUnavailable, loadedModelFlops } from './flops-request.js';
import type { Logger } from './logger.js';
import { ModelHost } from './model-host.js';
import { watchParent } from './parent-watch.js';
import { SessionStats } from './session-stats.js';
import { resolveSettings } from './settings.js';
import { describeSpec, type ModelSpec } from './worker-protocol.js';

export const SERVER_VERSION = '0.1.0';

export interface ServerOptions {
  /** Model to load at start; undefined = none until initializationOptions.modelDir or setModel. */
  model?: ModelSpec;
  /** Per-token delay of the test-echo model (protocol tests only). */
  testTokenDelayMs: number;
  parentCheckMs: number;
  cacheCapacity: number;
  maxPending: number;
  logger: Logger;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
}

export function startServer(options: ServerOptions): Connection {
  const log = options.logger;
  const connection = createConnection(options.input, options.output);
  const documents = new TextDocuments(TextDocument);
  const stats = new SessionStats();
  const host = new ModelHost();
  host.log = (level, text) => log.log(level, text);
  const service = new CompletionService(host, stats, resolveSettings(undefined).settings, options);
  let shutdownRequested = false;
  let lastStatus = '';
  const fineTuner = new FineTuneService({
    progress: (token, value) => void connection.sendProgress(WorkDoneProgress.type, token, value).catch(() => {}),
    notifyProgress: (p) => void connection.sendNotification(FineTuneProgressNotification, p).catch(() => {}),
    notifyFinished: (p) => void connection.sendNotification(FineTuneFinishedNotification, p).catch(() => {}),
    log: (level, text) => log.log(level, text),
    currentModelDir: () => (host.info && host.info.provider !== 'test' ? host.source : undefined),
    switchModel: async (dir) => {
      // Keep the provider and threads the server was started with.
      const started = options.model?.kind === 'onnx' ? options.model : undefined;
      await loadModel({ ...(started ?? { kind: 'onnx' }), dir });
      service.cache.clear();
    },
    onChange: () => publishStatus(),
  });

  const status = (): StatusResult => {
    const s: StatusResult = { state: serverState(), serverVersion: SERVER_VERSION, inFlight: service.scheduler.inFlight };
    if (host.info) s.model = host.info;
    if (host.source) s.modelSource = host.source;
    const message = host.message ?? fineTuner.statusMessage;
    if (message) s.message = message;
    return s;
  };
  const serverState = (): ServerState => {
    if (host.state === 'ready' && fineTuner.active) return 'fine-tuning';
    if (host.state === 'ready') return service.scheduler.inFlight > 0 ? 'busy' : 'ready';
    if (host.state === 'idle') return 'error';
    return host.state;
  };
  const publishStatus = () => {
    const s = status();
    const text = JSON.stringify(s);
    if (text === lastStatus) return;
    lastStatus = text;
    log.debug(`status: ${s.state}${s.message ? ` (${s.message})` : ''}`);
    void connection.sendNotification(StatusChangedNotification, s).catch(() => {});
  };
  host.onChange = publishStatus;
  service.onActivity = publishStatus;
  if (!options.model) host.message = 'no model: start the server with --model DIR, or send memoryformer/setModel';

  const loadModel = (spec: ModelSpec) => host.load(spec);

  const parent = watchParent(options.parentCheckMs, (why) => {
    log.error(`exiting: ${why}`);
    process.exit(shutdownRequested ? 0 : 1);
  });

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    parent.setClientPid(params.processId);
    const init = (params.initializationOptions ?? {}) as InitializationOptions;
    applySettings(init.completion);
    if (typeof init.modelDir === 'string' && init.modelDir) {
      loadModel({ kind: 'onnx', dir: init.modelDir }).catch(() => {});
    } else if (options.model) {
      loadModel(options.model).catch(() => {});
    }
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        inlineCompletionProvider: true,
      },
      serverInfo: { name: 'memoryformer', version: SERVER_VERSION },
    };
  });

  const applySettings = (input: unknown) => {
    const { settings, problems } = resolveSettings(input, service.settings);
    service.settings = settings;
    for (const p of problems) {
      log.warn(p);
      void connection.window.showWarningMessage(`MemoryFormer: ${p}`);
    }
  };
  connection.onDidChangeConfiguration((p) => applySettings((p.settings as { memoryformer?: { completion?: unknown } } | null)?.memoryformer?.completion));

  connection.languages.inlineCompletion.on((params, token) => inlineCompletion(params, token));
  const inlineCompletion = async (params: InlineCompletionParams, token: CancellationToken): Promise<InlineCompletionList> => {
    const started = performance.now();
    stats.counts.total++;
    const uri = requireUri(params);
    const doc = documents.get(uri);
    if (!doc) {
      stats.counts.errors++;
      throw new ResponseError(RpcErrorCodes.InvalidParams, `document ${uri} is not open: send textDocument/didOpen before asking for completions in it`);
    }
    const position = clampPosition(doc, params.position);
    const abort = new AbortController();
    const sub = token.onCancellationRequested(() => abort.abort());
    try {
      const outcome = await service.complete(uri, doc, position, abort.signal);
      switch (outcome.kind) {
        case 'suggestion':
          stats.counts.answered++;
          stats.requestLatency.record(performance.now() - started);
          log.debug(`completion ${uri}:${position.line}:${position.character} from ${outcome.source}: ${JSON.stringify(outcome.text.slice(0, 80))}`);
          return { items: [{ insertText: outcome.text, range: { start: position, end: position } }] };
        case 'empty':
          stats.counts.empty++;
          stats.requestLatency.record(performance.now() - started);
          log.debug(`no completion at ${uri}:${position.line}:${position.character}: ${outcome.reason}`);
          return { items: [] };
        case 'cancelled':
          stats.counts.cancelled++;
          throw new ResponseError(LSPErrorCodes.RequestCancelled, 'the completion was cancelled');
        case 'superseded':
          stats.counts.superseded++;
          return { items: [] };
        case 'dropped':
          stats.counts.dropped++;
          return { items: [] };
      }
    } catch (e) {
      if (e instanceof ResponseError) throw e;
      stats.counts.errors++;
      const text = e instanceof Error ? e.message : String(e);
      log.error(`completion failed: ${text}`);
      throw new ResponseError(host.info ? RpcErrorCodes.InternalError : ErrorCodes.NoModel, `completion failed: ${text}`);
    } finally {
      sub.dispose();
    }
  };

  connection.onRequest(StatusRequest, () => status());
  connection.onRequest(StatsRequest, () => statsResult());
  const statsResult = async (): Promise<StatsResult> => {
    // The engine's profile is optional and must not hold stats up.
    const profile = await Promise.race([host.profile().catch(() => undefined), new Promise<undefined>((r) => setTimeout(() => r(undefined), 500))]);
    return stats.snapshot(service.cache, host.info, profile);
  };
  connection.onRequest(FineTuneRequest, (p) => fineTune(p));
  connection.onRequest(SetModelRequest, (p) => setModel(p));
  connection.onRequest(FineTuneSummaryRequest, async (p) => {
    try {
      return await fineTuneSummary(p);
    } catch (e) {
      if (e instanceof FineTuneRefusal) throw new ResponseError(ErrorCodes.FineTuneRefused, e.message);
      throw e;
    }
  });
  connection.onRequest(FlopsRequest, async (p) => {
    try {
      return await loadedModelFlops(host.info && host.info.provider !== 'test' ? host.source : undefined, host.info, p);
    } catch (e) {
      if (e instanceof FlopsUnavailable) throw new ResponseError(e.noModel ? ErrorCodes.NoModel : RpcErrorCodes.InvalidParams, e.message);
      throw e;
    }
  });

  const fineTune = async (p: FineTuneParams): Promise<FineTuneResult> => {
    if (!p || (p.action !== 'start' && p.action !== 'cancel')) {
      throw new ResponseError(RpcErrorCodes.InvalidParams, `memoryformer/fineTune needs { action: "start" | "cancel" }, got ${JSON.stringify(p)}`);
    }
    if (p.action === 'cancel') return fineTuner.cancel();
    try {
      return fineTuner.start(p);
    } catch (e) {
      if (e instanceof FineTuneRefusal) throw new ResponseError(ErrorCodes.FineTuneRefused, e.message);
      throw e;
    }
  };

  const setModel = async (p: SetModelParams): Promise<StatusResult> => {
    const kind = p?.modelKind ?? 'onnx';
    let spec: ModelSpec;
    if (kind === 'test-echo') spec = { kind: 'test-echo', tokenDelayMs: options.testTokenDelayMs };
    else if (kind === 'onnx' && typeof p?.modelDir === 'string' && p.modelDir) spec = { kind: 'onnx', dir: p.modelDir };
    else throw new ResponseError(RpcErrorCodes.InvalidParams, `memoryformer/setModel needs { modelDir: string } (or modelKind "test-echo"), got ${JSON.stringify(p)}`);
    log.info(`switching model to ${describeSpec(spec)}`);
    try {
      await loadModel(spec);
    } catch (e) {
      throw new ResponseError(ErrorCodes.ModelLoadFailed, e instanceof Error ? e.message : String(e));
    }
    service.cache.clear();
    return status();
  };

  documents.onDidClose((e) => service.forget(e.document.uri));
  connection.onShutdown(async () => {
    shutdownRequested = true;
    service.scheduler.abortAll();
    parent.stop();
    await fineTuner.dispose();
    await host.dispose();
  });

  documents.listen(connection);
  connection.listen();
  log.info(`MemoryFormer language server ${SERVER_VERSION} listening on stdio (pid ${process.pid})`);
  return connection;
}

function requireUri(params: InlineCompletionParams): string {
  const uri = params?.textDocument?.uri;
  if (typeof uri !== 'string') throw new ResponseError(RpcErrorCodes.InvalidParams, 'textDocument/inlineCompletion needs textDocument.uri (a string)');
  return uri;
}

/**
 * Checks the position: a line outside the document is an error; a character past the line end is
 * clamped to the line end (as the LSP specification says).
 */
export function clampPosition(doc: TextDocument, pos: Position | undefined): Position {
  const line = pos?.line;
  const character = pos?.character;
  if (!Number.isInteger(line) || !Number.isInteger(character) || (line as number) < 0 || (character as number) < 0) {
    throw new ResponseError(RpcErrorCodes.InvalidParams, `position must have non-negative integer line and character, got ${JSON.stringify(pos)}`);
  }
  if ((line as number) >= doc.lineCount) {
    throw new ResponseError(RpcErrorCodes.InvalidParams, `position line ${line} is outside the document ${doc.uri} (it has ${doc.lineCount} lines, numbered from 0)`);
  }
  return doc.positionAt(doc.offsetAt(pos as Position));
}
