/**
 * Which engine computes each layer of a model, with which weights, in each phase. One decision,
 * used three ways: the language server's completion model follows it (useNativeDecode), and
 * `memoryformer flops` and the dashboard show it (issue #9: "report which path and dtype each
 * layer runs on"), so what is shown is what runs.
 */
import type { ModelConfig } from '../model/config.js';
import type { KernelInfo } from '../kernels/memory-layer-kernel.js';

/**
 * Model width from which one-token decoding uses the native kernels. Below it the tables stay in
 * cache, ORT's one-run-per-token graph is as fast, and the decoder's TypeScript attention over a
 * few hundred cached tokens costs more than the kernels save (docs/BENCHMARKS.md section 3:
 * code-mini 14 ms p50 per completion through ORT, 27 ms native).
 */
export const NATIVE_DECODE_MIN_D = 512;

/** One row of the plan: a group of layers in one phase. */
export interface ExecutionStep {
  /** The layers this row covers: 'Q/K/V Memory Layer (one hash)', 'ML1, ML2', 'attention', 'LM head', ... */
  layers: string;
  phase: 'prefill' | 'decode';
  /** What computes them, e.g. 'onnxruntime cpu: Gather + batched MatMul' or 'native kernel avx512, row-major'. */
  engine: string;
  /** The weights' dtype as computed with, and how they are stored when that differs. */
  dtype: string;
}

/** Whether the completion model decodes one token at a time through the native kernels. */
export function useNativeDecode(cfg: ModelConfig, provider: string, kernel: Pick<KernelInfo, 'backend'>): boolean {
  return cfg.arch === 'memoryformer' && cfg.dModel >= NATIVE_DECODE_MIN_D && kernel.backend === 'native' && provider === 'cpu';
}

const KERNEL_DTYPE = { float32: 'fp32', float16: 'fp16', int8: 'int8 (one fp32 scale per row)' } as const;

/** The plan for a model on a provider ('cpu', 'webgpu', 'cuda') given the kernels this process loaded. */
export function executionPlan(cfg: ModelConfig, provider: string, kernel: Pick<KernelInfo, 'backend' | 'isa'>): ExecutionStep[] {
  const ort = `onnxruntime ${provider}`;
  if (cfg.arch === 'dense') {
    return (['prefill', 'decode'] as const).flatMap((phase) => [
      { layers: 'Q/K/V, output projection, FFN', phase, engine: `${ort}: MatMul`, dtype: 'fp32' },
      { layers: 'attention', phase, engine: ort, dtype: 'fp32' },
      { layers: 'LM head', phase, engine: `${ort}: MatMul`, dtype: 'fp32' },
    ]);
  }
  // The ONNX graph holds fp32 tables as they are and fp16 raw; int8 is widened to fp16 at load.
  const graphDtype = cfg.tableDtype === 'float32' ? 'fp32' : cfg.tableDtype === 'float16' ? 'fp16' : 'fp16 (stored int8, widened at load)';
  const memoryLayers = 'Memory Layers: Q/K/V (one hash), ML1, ML2';
  const viaOrt = (phase: 'prefill' | 'decode'): ExecutionStep[] => [
    { layers: memoryLayers, phase, engine: `${ort}: Gather + batched MatMul`, dtype: graphDtype },
    { layers: 'attention', phase, engine: ort, dtype: 'fp32' },
    { layers: 'LM head', phase, engine: `${ort}: MatMul`, dtype: 'fp32' },
  ];
  if (!useNativeDecode(cfg, provider, kernel)) return [...viaOrt('prefill'), ...viaOrt('decode')];
  return [
    ...viaOrt('prefill'),
    { layers: memoryLayers, phase: 'decode', engine: `native kernel ${kernel.isa}, row-major`, dtype: KERNEL_DTYPE[cfg.tableDtype] },
    { layers: 'attention, norms, rotary', phase: 'decode', engine: 'TypeScript', dtype: 'fp32' },
    { layers: 'LM head', phase: 'decode', engine: 'onnxruntime cpu: MatMul', dtype: 'fp32' },
  ];
}

/** The plan as text lines (for `memoryformer flops`). */
export function renderPlan(plan: ExecutionStep[]): string {
  const w = Math.max(...plan.map((s) => s.layers.length));
  const e = Math.max(...plan.map((s) => s.engine.length));
  return plan.map((s) => `  ${s.phase.padEnd(8)}${s.layers.padEnd(w + 2)}${s.engine.padEnd(e + 2)}${s.dtype}`).join('\n') + '\n';
}
