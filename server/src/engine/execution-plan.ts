/**
 * Which engine computes each layer of a model, with which weights, in each phase. One decision,
 * used three ways: the language server's completion model follows it (useNativeDecode), and
 * `memoryformer flops` and the dashboard show it (issue #9: "report which path and dtype each
 * layer runs on"), so what is shown is what runs.
 */
import type { ModelConfig } from '../model/config.js';
import type { KernelInfo } from '../kernels/memory-layer-kernel.js';


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

/**
 * Whether the completion model runs through the native addon: every MemoryFormer on the CPU when
 * the addon loaded. Each token, of the prompt or generated, is then one call into the addon's
 * whole-token decoder (server/native/mlk_decode.c): for the shipped code-mini 2.6x the decode
 * tokens/s of the ONNX graph, and a 256-token prompt in 8 ms instead of 13-25 ms through the
 * graph's batched prefill (docs/BENCHMARKS.md section 3). Other providers keep the ONNX graph: the
 * point of a GPU is to run it there.
 */
export function useNativeDecode(cfg: ModelConfig, provider: string, kernel: Pick<KernelInfo, 'backend'>): boolean {
  return cfg.arch === 'memoryformer' && kernel.backend === 'native' && provider === 'cpu';
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
  const native = (phase: 'prefill' | 'decode'): ExecutionStep[] => [
    { layers: memoryLayers, phase, engine: `native kernel ${kernel.isa}, row-major (one call per token)`, dtype: KERNEL_DTYPE[cfg.tableDtype] },
    { layers: 'attention, norms, rotary', phase, engine: 'native (same call)', dtype: 'fp32' },
    { layers: phase === 'prefill' ? 'LM head (last prompt token only)' : 'LM head', phase, engine: 'native (same call)', dtype: 'fp32' },
  ];
  return [...native('prefill'), ...native('decode')];
}

/** The plan as text lines (for `memoryformer flops`). */
export function renderPlan(plan: ExecutionStep[]): string {
  const w = Math.max(...plan.map((s) => s.layers.length));
  const e = Math.max(...plan.map((s) => s.engine.length));
  return plan.map((s) => `  ${s.phase.padEnd(8)}${s.layers.padEnd(w + 2)}${s.engine.padEnd(e + 2)}${s.dtype}`).join('\n') + '\n';
}
