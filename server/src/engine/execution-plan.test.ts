import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig, type ModelConfig } from '../model/config.js';
import { executionPlan, useNativeDecode, type ExecutionStep } from './execution-plan.js';

const native = { backend: 'native' as const, isa: 'avx512' };
const fallback = { backend: 'fallback' as const, isa: 'typescript' };

function memoryRow(plan: ExecutionStep[], phase: 'prefill' | 'decode'): ExecutionStep {
  const row = plan.find((s) => s.phase === phase && s.layers.startsWith('Memory Layers'));
  assert.ok(row, `a Memory Layer row for ${phase}`);
  return row;
}

test('MemoryFormers run prompt and generated tokens through the native addon on the CPU, any width', () => {
  assert.equal(useNativeDecode(resolveConfig({ preset: 'code-mini' }), 'cpu', native), true);
  const cfg = resolveConfig({ preset: 'bench-d1024', tableDtype: 'int8' });
  const plan = executionPlan(cfg, 'cpu', native);
  assert.equal(useNativeDecode(cfg, 'cpu', native), true);
  assert.equal(memoryRow(plan, 'decode').engine, 'native kernel avx512, row-major (one call per token)');
  assert.ok(plan.filter((s) => s.phase === 'decode').every((s) => s.engine.startsWith('native')));
  assert.equal(memoryRow(plan, 'decode').dtype, 'int8 (one fp32 scale per row)');
  assert.equal(memoryRow(plan, 'prefill').engine, 'native kernel avx512, row-major (one call per token)');
  assert.ok(plan.every((s) => s.engine.startsWith('native')));
  assert.deepEqual(plan.map((s) => s.phase), ['prefill', 'prefill', 'prefill', 'decode', 'decode', 'decode']);
});

test('other providers and a missing addon run every layer in onnxruntime', () => {
  const mini = resolveConfig({ preset: 'code-mini' });
  const wide = resolveConfig({ preset: 'bench-d1024' });
  const cases: Array<[ModelConfig, string, typeof native | typeof fallback]> = [[mini, 'webgpu', native], [mini, 'cpu', fallback], [wide, 'cuda', native]];
  for (const [cfg, provider, kernel] of cases) {
    assert.equal(useNativeDecode(cfg, provider, kernel), false, `${cfg.dModel} ${provider} ${kernel.backend}`);
    const plan = executionPlan(cfg, provider, kernel);
    for (const phase of ['prefill', 'decode'] as const) assert.equal(memoryRow(plan, phase).engine, `onnxruntime ${provider}: Gather + batched MatMul`);
  }
  assert.equal(memoryRow(executionPlan({ ...wide, tableDtype: 'float32' }, 'cpu', fallback), 'decode').dtype, 'fp32');
  assert.equal(memoryRow(executionPlan({ ...wide, tableDtype: 'int8' }, 'webgpu', native), 'prefill').dtype, 'fp16 (stored int8, widened at load)');
});

test('dense models: matrices in onnxruntime in both phases, fp32', () => {
  const cfg = resolveConfig({ preset: 'pythia-70m' });
  const plan = executionPlan(cfg, 'cpu', native);
  assert.equal(useNativeDecode(cfg, 'cpu', native), false);
  assert.ok(plan.every((s) => s.engine.startsWith('onnxruntime cpu') && s.dtype === 'fp32'));
  assert.equal(plan.length, 6);
});
