/**
 * One inline completion, start to end: window the text around the cursor, decide the mode, answer
 * from typed-ahead or the cache if possible, otherwise schedule a model call (newest request per
 * document wins), post-process, remember. Knows nothing about LSP messages.
 */
import type { Position, TextDocument } from 'vscode-languageserver-textdocument';
import { CompletionCache } from './completion-cache.js';
import type { CompletionRequest } from './completion-model.js';
import { decideMode } from './completion-mode.js';
import type { ModelHost } from './model-host.js';
import { postProcess, type PostProcessContext } from './post-process.js';
import { buildPromptWindow, looksBinary } from './prompt-window.js';
import { RequestScheduler } from './scheduler.js';
import type { SessionStats } from './session-stats.js';
import type { ResolvedSettings } from './settings.js';
import { rememberSuggestion, typedAheadRemainder, type ShownSuggestion } from './typed-ahead.js';

export type CompletionOutcome =
  | { kind: 'suggestion'; text: string; source: 'model' | 'cache' | 'typed-ahead' }
  | { kind: 'empty'; reason: string }
  | { kind: 'cancelled' }
  | { kind: 'superseded' }
  | { kind: 'dropped' };

export interface CompletionServiceOptions {
  cacheCapacity: number;
  maxPending: number;
}

export class CompletionService {
  readonly cache: CompletionCache;
  readonly scheduler: RequestScheduler;
  private readonly shown = new Map<string, ShownSuggestion>();
  /** Called when the number of model calls in flight changes (for the 'busy' state). */
  onActivity: () => void = () => {};

  constructor(
    private readonly host: ModelHost,
    private readonly stats: SessionStats,
    public settings: ResolvedSettings,
    options: CompletionServiceOptions,
  ) {
    this.cache = new CompletionCache(options.cacheCapacity);
    this.scheduler = new RequestScheduler(options.maxPending);
  }

  forget(uri: string): void {
    this.shown.delete(uri);
  }

  async complete(uri: string, doc: TextDocument, position: Position, cancel: AbortSignal): Promise<CompletionOutcome> {
    const s = this.settings;
    const w = buildPromptWindow(doc, position, s);
    if (looksBinary(w.prefix) || looksBinary(w.suffix)) return { kind: 'empty', reason: 'the text looks binary (NUL, control or undecodable characters)' };
    const decision = decideMode(w.linePrefix, w.lineSuffix, s.multiline);
    if (decision.mode === 'none') return { kind: 'empty', reason: decision.reason };

    const shown = this.shown.get(uri);
    if (shown) {
      const rest = typedAheadRemainder(shown, w.offset, w.prefix, w.suffix);
      if (rest !== undefined) {
        this.stats.counts.typedAheadHits++;
        return { kind: 'suggestion', text: rest, source: 'typed-ahead' };
      }
    }

    const ctx: PostProcessContext = {
      mode: decision.mode,
      linePrefix: w.linePrefix,
      lineSuffix: w.lineSuffix,
      followingText: w.followingText,
      maxLines: s.maxLines,
    };
    const model = this.host.info?.name ?? 'none';
    const deterministic = s.temperature === 0;
    const key = CompletionCache.key({ prefix: w.prefix, suffix: w.suffix, settings: [decision.mode, s], model });
    if (deterministic) {
      const cached = this.cache.get(key);
      if (cached !== undefined) {
        this.stats.counts.cacheHits++;
        return this.finish(uri, w, cached, 'cache');
      }
    }

    const request: CompletionRequest = {
      prefix: w.prefix,
      suffix: w.suffix,
      maxTokens: s.maxTokens,
      temperature: s.temperature,
      topP: s.topP,
      // Mid-line only the first line is used; at a line end, a run of blank lines ends a block.
      stop: decision.mode === 'single-line' ? ['\n'] : ['\n\n\n'],
    };
    const callModel = async (signal: AbortSignal) => {
      const c = await this.host.complete(request, ctx, signal);
      // Counted here, so calls whose request was already superseded or cancelled count too.
      this.stats.recordModelCall(c.result, c.aborted, c.stoppedEarly);
      return c;
    };
    const pending = this.scheduler.submit(uri, callModel, cancel);
    this.onActivity();
    let outcome;
    try {
      outcome = await pending;
    } finally {
      this.onActivity();
      // The slot frees when the worker really stops; report 'ready' then too.
      void this.scheduler.idle().then(() => this.onActivity());
    }
    if (outcome.kind !== 'done') return { kind: outcome.kind };
    const { result, aborted } = outcome.value;
    if (aborted) return { kind: 'cancelled' };
    const text = postProcess(result.text, ctx).text;
    if (deterministic) this.cache.set(key, text);
    return this.finish(uri, w, text, 'model');
  }

  private finish(uri: string, w: ReturnType<typeof buildPromptWindow>, text: string, source: 'model' | 'cache'): CompletionOutcome {
    if (!text) return { kind: 'empty', reason: source === 'cache' ? 'cached: the model had nothing to add here' : 'the model had nothing to add here' };
    // Suggestions are made with \n; a CRLF document gets its own line breaks.
    const out = w.eol === '\r\n' ? text.replace(/\n/g, '\r\n') : text;
    this.shown.set(uri, rememberSuggestion(w.offset, w.prefix, w.suffix, out));
    return { kind: 'suggestion', text: out, source };
  }
}
