/**
 * A MemoryFormer's training graph cut at every Memory Layer, so the layers themselves can run in the
 * native kernels (segmented-step.ts) instead of ORT's Gather formulation, which materialises
 * [B, S, K, out] gathered rows forward and backward (docs/BENCHMARKS.md sections 1 and 4).
 *
 * What lies between Memory Layers is written with the same rules as model-def.ts:
 *   embed     ids -> x = embed[ids], h = RMSNorm1(x)                  (block 0's input)
 *   attn      x, q, k, v -> x1 = x + attention(q, k, v), h2 = RMSNorm2(x1)
 *   ln        u -> un = LayerNorm(u)                                   (between ML1 and ML2)
 *   residual  x1, y -> x = x1 + y, h = RMSNorm1(x)                     (into the next block)
 *   head      x1, y, targets -> loss of LM head(RMSNorm(x1 + y))
 * Each has a forward graph (outputs the activations) and a backward graph that recomputes its small
 * forward from the same inputs and, given the gradients of its outputs, returns the gradients of its
 * activation inputs (d.<input>) and of its parameters (grad.<param>). Parameters are inputs under
 * block-independent names, so one graph serves every block.
 */
import { encodeModel } from '../onnx/encode.js';
import type { Value } from '../onnx/graph.js';
import { dims, type ModelConfig } from '../model/config.js';
import { Tape } from './tape.js';
import { attention } from './model-def.js';
import { add } from './rules/shape.js';
import { layerNorm, rmsNorm } from './rules/norms.js';
import { embedding, linear } from './rules/linear.js';
import { crossEntropy } from './rules/loss.js';
import { TRAIN_INPUTS } from './train-graph.js';

export type SegmentKind = 'embed' | 'attn' | 'ln' | 'residual' | 'head';
export const SEGMENT_KINDS: readonly SegmentKind[] = ['embed', 'attn', 'ln', 'residual', 'head'];

/** The gradient of the embedding's gathered rows (scatter-added by token id outside ORT). */
export const EMBED_ROWS = 'sparse.embed.rows';

interface SegmentDef {
  /** float32 activations [B, S, width]. */
  activations: Array<[string, number]>;
  /** Parameters: the segment's own name, then its shape. */
  params: Array<[string, number[]]>;
  /** Extra inputs: ids/targets [B, S] int32; positional = cos, sin, attn_bias. */
  ids?: boolean;
  targets?: boolean;
  positional?: boolean;
  /** Output activations [B, S, width] ('loss' is the scalar loss). */
  outputs: Array<[string, number]>;
  build(t: Tape, v: (name: string) => Value, io: { cos: Value | null; sin: Value | null; bias: Value | null }): Record<string, Value>;
}

function segmentDef(cfg: ModelConfig, B: number, S: number, kind: SegmentKind): SegmentDef {
  const d = cfg.dModel;
  const E = dims(cfg).expandedWidth;
  const eps = cfg.normEps;
  switch (kind) {
    case 'embed':
      return {
        activations: [], params: [['embed.weight', [cfg.vocabSize, d]], ['norm1.weight', [d]]], ids: true, outputs: [['x', d], ['h', d]],
        build: (t, v) => {
          const x = embedding(t, v('embed.weight'), 'embed.weight', v(TRAIN_INPUTS.ids));
          return { x, h: rmsNorm(t, x, v('norm1.weight'), eps) };
        },
      };
    case 'attn':
      return {
        activations: [['x', d], ['q', d], ['k', d], ['v', d]], params: [['norm2.weight', [d]]], positional: true, outputs: [['x1', d], ['h2', d]],
        build: (t, v, io) => {
          const x1 = add(t, v('x'), attention(t, cfg, B, S, v('q'), v('k'), v('v'), { cos: io.cos, sin: io.sin, bias: io.bias! }));
          return { x1, h2: rmsNorm(t, x1, v('norm2.weight'), eps) };
        },
      };
    case 'ln':
      return {
        activations: [['u', E]], params: [['ln.weight', [E]], ['ln.bias', [E]]], outputs: [['un', E]],
        build: (t, v) => ({ un: layerNorm(t, v('u'), v('ln.weight'), v('ln.bias'), eps) }),
      };
    case 'residual':
      return {
        activations: [['x1', d], ['y', d]], params: [['norm1.weight', [d]]], outputs: [['x', d], ['h', d]],
        build: (t, v) => {
          const x = add(t, v('x1'), v('y'));
          return { x, h: rmsNorm(t, x, v('norm1.weight'), eps) };
        },
      };
    case 'head':
      return {
        activations: [['x1', d], ['y', d]], params: [['final_norm.weight', [d]], ['lm_head.weight', [d, cfg.vocabSize]]], targets: true, outputs: [['loss', 0]],
        build: (t, v) => {
          const hf = rmsNorm(t, add(t, v('x1'), v('y')), v('final_norm.weight'), eps);
          const logits = linear(t, hf, v('lm_head.weight'), null, { B, S, in: d, out: cfg.vocabSize }, 'lm_head');
          return { loss: crossEntropy(t, logits, v(TRAIN_INPUTS.targets), { B, S, V: cfg.vocabSize }) };
        },
      };
  }
}

export interface SegmentGraph {
  kind: SegmentKind;
  backward: boolean;
  bytes: Uint8Array;
  /** Activation inputs (and, backward, the d.<output> inputs) with their widths. */
  activations: Array<[string, number]>;
  /** The segment's parameter names (block-independent) and shapes. */
  params: Array<[string, number[]]>;
  outputs: string[];
}

/** The forward (outputs the activations) or backward graph of one segment kind. */
export function buildSegment(cfg: ModelConfig, B: number, S: number, kind: SegmentKind, backward: boolean): SegmentGraph {
  if (cfg.arch !== 'memoryformer') throw new Error('training segments cut a MemoryFormer at its Memory Layers; dense models train as one graph');
  const def = segmentDef(cfg, B, S, kind);
  const t = new Tape(`${kind}_${backward ? 'backward' : 'forward'}`);
  const g = t.g;
  const values = new Map<string, Value>();
  for (const [name, width] of def.activations) values.set(name, g.input(name, 'float32', [B, S, width]));
  for (const [name, shape] of def.params) values.set(name, g.input(name, 'float32', shape));
  if (def.ids) values.set(TRAIN_INPUTS.ids, g.input(TRAIN_INPUTS.ids, 'int32', [B, S]));
  if (def.targets) values.set(TRAIN_INPUTS.targets, g.input(TRAIN_INPUTS.targets, 'int32', [B, S]));
  const r = dims(cfg).rotaryDims;
  const io = { cos: null as Value | null, sin: null as Value | null, bias: null as Value | null };
  if (def.positional) {
    if (r > 0) {
      io.cos = g.input(TRAIN_INPUTS.cos, 'float32', [S, r / 2]);
      io.sin = g.input(TRAIN_INPUTS.sin, 'float32', [S, r / 2]);
    }
    io.bias = g.input(TRAIN_INPUTS.bias, 'float32', [S, S]);
  }
  const v = (name: string) => values.get(name)!;
  const out = def.build(t, v, io);
  if (!backward) {
    for (const [name] of def.outputs) g.output(out[name]!, name, 'float32');
    return { kind, backward, bytes: encodeModel(g), activations: def.activations, params: def.params, outputs: def.outputs.map(([n]) => n) };
  }
  // Seed every output with its incoming gradient (the loss with 1), then replay the tape.
  const seeds: Array<[string, number]> = [];
  let first: [Value, Value] | null = null;
  for (const [name, width] of def.outputs) {
    const seed = name === 'loss' ? t.o.f32(1) : g.input(`d.${name}`, 'float32', [B, S, width]);
    if (name !== 'loss') seeds.push([`d.${name}`, width]);
    if (first) t.accumulate(out[name]!, seed);
    else first = [out[name]!, seed];
  }
  t.backward(first![0], first![1]);
  const outputs: string[] = [];
  for (const [name] of def.activations) {
    g.output(t.gradOf(v(name)) ?? t.zerosLike(v(name)), `d.${name}`, 'float32');
    outputs.push(`d.${name}`);
  }
  for (const [name] of def.params) {
    if (name === 'embed.weight') continue; // sparse: its rows' gradient below
    const grad = t.gradOf(v(name));
    if (!grad) throw new Error(`segment ${kind}: parameter '${name}' got no gradient`);
    g.output(grad, `grad.${name}`, 'float32');
    outputs.push(`grad.${name}`);
  }
  for (const s of t.sparse) {
    if (s.kind !== 'embedding') throw new Error(`segment ${kind}: unexpected sparse gradient`);
    g.output(s.dRows, EMBED_ROWS, 'float32');
    outputs.push(EMBED_ROWS);
  }
  if (def.outputs.some(([n]) => n === 'loss')) {
    g.output(out.loss!, 'loss', 'float32', []);
    outputs.push('loss');
  }
  return { kind, backward, bytes: encodeModel(g), activations: [...def.activations, ...seeds], params: def.params, outputs };
}
