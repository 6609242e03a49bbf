/** Counters and latency records for memoryformer/stats, over the whole session. */
import type { ModelInfo, ModelProfile, RequestCounts, StatsResult } from '../../../protocol/lsp.js';
import type { CompletionCache } from './completion-cache.js';
import type { CompletionResult } from './completion-model.js';
import { LatencyRecorder } from './latency-stats.js';

export class SessionStats {
  readonly started = Date.now();
  readonly counts: RequestCounts = {
    total: 0,
    answered: 0,
    empty: 0,
    cancelled: 0,
    superseded: 0,
    dropped: 0,
    errors: 0,
    cacheHits: 0,
    typedAheadHits: 0,
    modelCalls: 0,
    modelCallsAborted: 0,
    modelCallsStoppedEarly: 0,
  };
  readonly requestLatency = new LatencyRecorder();
  readonly modelLatency = new LatencyRecorder();
  generatedTokens = 0;
  promptTokens = 0;
  reusedPromptTokens = 0;
  private generatingMs = 0;

  recordModelCall(result: CompletionResult, aborted: boolean, stoppedEarly: boolean): void {
    this.counts.modelCalls++;
    if (aborted) this.counts.modelCallsAborted++;
    else if (stoppedEarly) this.counts.modelCallsStoppedEarly++;
    this.modelLatency.record(result.ms);
    this.generatedTokens += result.tokens;
    this.promptTokens += result.promptTokens;
    this.reusedPromptTokens += result.reusedTokens;
    this.generatingMs += result.ms;
  }

  snapshot(cache: CompletionCache, model: ModelInfo | undefined, profile: ModelProfile | undefined): StatsResult {
    const mem = process.memoryUsage();
    const result: StatsResult = {
      uptimeMs: Date.now() - this.started,
      requests: { ...this.counts },
      latencyMs: this.requestLatency.summary(),
      modelLatencyMs: this.modelLatency.summary(),
      tokensPerSecond: this.generatingMs > 0 ? (this.generatedTokens * 1000) / this.generatingMs : 0,
      generatedTokens: this.generatedTokens,
      promptTokens: this.promptTokens,
      reusedPromptTokens: this.reusedPromptTokens,
      cache: { size: cache.size, capacity: cache.capacity, hits: cache.hits, misses: cache.misses, hitRate: cache.hitRate },
      memory: { rssBytes: mem.rss, heapUsedBytes: mem.heapUsed },
    };
    if (model) result.model = model;
    if (profile) result.profile = profile;
    return result;
  }
}
