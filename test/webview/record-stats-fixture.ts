/**
 * Records test/webview/fixtures/stats-code-mini.json: the figures the dashboard shows in its
 * "Measured time" panel, measured on this machine from a real model run through onnxruntime-node.
 *   node --import tsx test/webview/record-stats-fixture.ts
 * What is measured: a code-mini MemoryFormer (random weights: speed does not depend on them) answers
 * 40 completion requests (16 tokens each) with a small LRU completion cache in front, one request in
 * four repeating an earlier prompt; latencies, tokens/s and cache figures come from those runs. One
 * more completion runs in a second session with ORT's profiler on; its Node events are summed per op
 * type and per block (a node belongs to the block whose weights or KV cache it reads, or to the block
 * of the nodes it consumes). The request counts mirror what happened; nothing is invented.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { onnx } from 'onnx-proto';
import type { LatencySummary, OpTiming, StatsResult } from '../../protocol/lsp.js';
import type { LayerTiming, StatsUpdate } from '../../protocol/webview.js';
import { getPreset } from '../../server/src/model/config.js';
import { initWeights, weightSpecs } from '../../server/src/model/weights.js';
import { fromFloat32 } from '../../server/src/model/graph-weights.js';
import { buildModelGraph } from '../../server/src/model/onnx-model.js';
import { ModelRunner } from '../../server/src/engine/model-runner.js';
import { generate } from '../../server/src/engine/generate.js';
import { Rng } from '../../server/src/util/rng.js';

const PRESET = 'code-mini';
const out = join(__dirname, 'fixtures', 'stats-code-mini.json');

function summary(xs: number[]): LatencySummary {
  const s = [...xs].sort((a, b) => a - b);
  const rank = (p: number) => s[Math.min(s.length, Math.max(1, Math.ceil(p * s.length))) - 1]!;
  return { count: s.length, mean: s.reduce((a, b) => a + b, 0) / s.length, p50: rank(0.5), p95: rank(0.95), p99: rank(0.99), max: s[s.length - 1]! };
}

/** Block index of every node: from the weights / KV inputs it reads, else from its producers. -1 = before the blocks, nLayers = after. */
function nodeBlocks(modelBytes: Uint8Array, nLayers: number): Map<string, number> {
  const graph = onnx.ModelProto.decode(modelBytes).graph!;
  const producer = new Map<string, number>();
  const blocks = new Map<string, number>();
  for (const node of graph.node ?? []) {
    let b = -1;
    for (const input of node.input ?? []) {
      const m = /^(?:blocks\.(\d+)\.|past_[kv]\.(\d+)$)/.exec(input);
      if (m) b = Math.max(b, Number(m[1] ?? m[2]));
      else if (/^(final_norm|lm_head)/.test(input)) b = nLayers;
      const p = producer.get(input);
      if (p !== undefined) b = Math.max(b, p);
    }
    blocks.set(node.name!, b);
    for (const o of node.output ?? []) producer.set(o, b);
  }
  return blocks;
}

async function main(): Promise<void> {
  const cfg = getPreset(PRESET);
  const rng = new Rng(2024);
  const w = initWeights(cfg, { seed: 5 });
  const gw = fromFloat32(w, new Map(weightSpecs(cfg).map((s) => [s.name, s.shape])));
  const runner = await ModelRunner.create(cfg, gw, { optimization: 'basic' });
  const prompts = Array.from({ length: 30 }, () => Array.from({ length: 40 + Math.floor(rng.next() * 300) }, () => Math.floor(rng.next() * cfg.vocabSize)));

  const cache = new Map<string, number[]>();
  const latencies: number[] = [];
  const modelLatencies: number[] = [];
  let generated = 0, promptTokens = 0, reused = 0, decodeMs = 0, hits = 0, misses = 0;
  for (let i = 0; i < 40; i++) {
    const prompt = i % 4 === 3 ? prompts[Math.floor(rng.next() * Math.min(i, prompts.length))]! : prompts[i % prompts.length]!;
    const t0 = performance.now();
    const key = prompt.join(',');
    if (cache.has(key)) {
      hits++;
      latencies.push(performance.now() - t0);
      continue;
    }
    misses++;
    const r = await generate(runner, prompt, { maxTokens: 16, temperature: 0, topP: 1 });
    cache.set(key, r.tokens);
    const ms = performance.now() - t0;
    latencies.push(ms);
    modelLatencies.push(r.prefillMs + r.decodeMs);
    generated += r.tokens.length;
    promptTokens += r.promptTokens;
    reused += r.reusedTokens;
    decodeMs += r.decodeMs + r.prefillMs;
  }
  await runner.dispose();

  // One representative completion with the profiler on.
  const dir = mkdtempSync(join(tmpdir(), 'mf-profile-'));
  const profiled = await ModelRunner.create(cfg, gw, { optimization: 'basic', profileFilePrefix: join(dir, 'completion') });
  await generate(profiled, prompts[0]!, { maxTokens: 16, temperature: 0, topP: 1 });
  const file = await profiled.endProfiling();
  const events = (JSON.parse(readFileSync(file!, 'utf8')) as { cat: string; name: string; dur: number; args?: { op_name?: string } }[]).filter((e) => e.cat === 'Node');
  rmSync(dir, { recursive: true, force: true });
  const blockOf = nodeBlocks(buildModelGraph(cfg, gw).bytes, cfg.nLayers);
  const byOp = new Map<string, { calls: number; us: number }>();
  const byBlock = new Map<number, { calls: number; us: number }>();
  for (const e of events) {
    const op = e.args?.op_name ?? '?';
    const a = byOp.get(op) ?? { calls: 0, us: 0 };
    a.calls++; a.us += e.dur; byOp.set(op, a);
    const b = blockOf.get(e.name.replace(/_kernel_time$/, ''));
    if (b === undefined || b < 0 || b >= cfg.nLayers) continue;
    const c = byBlock.get(b) ?? { calls: 0, us: 0 };
    c.calls++; c.us += e.dur; byBlock.set(b, c);
  }
  const ops: OpTiming[] = [...byOp].map(([op, a]) => ({ op, calls: a.calls, totalMs: a.us / 1000, meanMs: a.us / 1000 / a.calls })).sort((x, y) => y.totalMs - x.totalMs);
  const layerTimes: LayerTiming[] = [...byBlock].map(([layer, a]) => ({ layer, calls: a.calls, totalMs: a.us / 1000 })).sort((x, y) => x.layer - y.layer);

  const mem = process.memoryUsage();
  const stats: StatsResult = {
    uptimeMs: Math.round(performance.now()),
    requests: { total: 40, answered: 40, empty: 0, cancelled: 0, superseded: 0, dropped: 0, errors: 0, cacheHits: hits, typedAheadHits: 0,
      modelCalls: misses, modelCallsAborted: 0, modelCallsStoppedEarly: 0 },
    latencyMs: summary(latencies),
    modelLatencyMs: summary(modelLatencies),
    tokensPerSecond: generated / (decodeMs / 1000),
    generatedTokens: generated,
    promptTokens,
    reusedPromptTokens: reused,
    cache: { size: cache.size, capacity: 100, hits, misses, hitRate: hits / (hits + misses) },
    memory: { rssBytes: mem.rss, heapUsedBytes: mem.heapUsed },
    model: { name: `${PRESET} (random weights)`, preset: PRESET, arch: cfg.arch, provider: profiled.provider, vocabSize: cfg.vocabSize, maxContext: cfg.maxSeqLen },
    profile: { ops },
  };
  const update: StatsUpdate & { latencySamplesMs: number[]; _recorded: Record<string, unknown> } = {
    stats, latencySamplesMs: latencies, layerTimes, sampledAt: Date.now(),
    _recorded: { by: 'node --import tsx test/webview/record-stats-fixture.ts', at: new Date().toISOString(), cpus: cpus().length, cpu: cpus()[0]?.model },
  };
  writeFileSync(out, JSON.stringify(update, null, 1) + '\n');
  console.log(`wrote ${out}: ${latencies.length} latencies (p50 ${stats.latencyMs.p50.toFixed(2)} ms), ${ops.length} op types, ${layerTimes.length} blocks`);
}

void main();
