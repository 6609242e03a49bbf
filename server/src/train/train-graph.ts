/**
 * The training graph for one (config, batch, seq): parameters are graph INPUTS (fed zero-copy
 * from the trainer's Float32Arrays each step), outputs are the loss, the gradients of the dense
 * parameters, and the pieces of the sparse gradients that the trainer scatter-adds outside ORT.
 *
 * Inputs:  every weight of weightSpecs(cfg) by name (float32, tables too); ids, targets [B,S] int32;
 *          cos, sin [S, r/2] (absent when r = 0); attn_bias [S, S].
 * Outputs: loss (scalar); grad.<name> for each dense parameter; for the embedding
 *          sparse.<name>.rows [B,S,d]; for each table sparse.<name>.idx [B,S,K] int32,
 *          sparse.<name>.p [B,S,K], sparse.<name>.dy [B,S,out].
 */
import { encodeModel } from '../onnx/encode.js';
import type { Value } from '../onnx/graph.js';
import { dims, validateConfig, type ModelConfig } from '../model/config.js';
import { weightSpecs } from '../model/weights.js';
import { Tape } from './tape.js';
import { defineModel } from './model-def.js';
import { crossEntropy } from './rules/loss.js';

export interface SparseOutput {
  kind: 'embedding' | 'table';
  param: string;
  /** Output names: rows for the embedding; idx, p, dy for a table. */
  rows?: string;
  idx?: string;
  p?: string;
  dy?: string;
  /** The layer input [B,S,K*tau] (shared by tables that share a hash). */
  x?: string;
  tau?: number;
  temperature?: number;
  K: number;
  rowsPerChunk: number;
  out: number;
}

export interface TrainGraph {
  bytes: Uint8Array;
  B: number;
  S: number;
  /** Parameters whose full gradient is a graph output (grad.<name>). */
  denseParams: string[];
  sparse: SparseOutput[];
  /** With debug: output names of each Memory Layer's input (debug.ml.<name>). */
  memoryInputs: string[];
  nodeCount: number;
}

export interface TrainGraphOptions {
  /** Also output every Memory Layer input (tests check bucket-boundary margins). */
  debug?: boolean;
  /** Forward and loss only (validation): no backward, no gradient outputs. */
  lossOnly?: boolean;
}

export const TRAIN_INPUTS = { ids: 'ids', targets: 'targets', cos: 'cos', sin: 'sin', bias: 'attn_bias' } as const;

export function buildTrainGraph(cfg: ModelConfig, B: number, S: number, opts: TrainGraphOptions = {}): TrainGraph {
  validateConfig(cfg);
  const t = new Tape(`${cfg.arch}_train`);
  const g = t.g;
  const dm = dims(cfg);
  const params = new Map<string, Value>();
  for (const s of weightSpecs(cfg)) params.set(s.name, g.input(s.name, 'float32', s.shape));
  const ids = g.input(TRAIN_INPUTS.ids, 'int32', [B, S]);
  const targets = g.input(TRAIN_INPUTS.targets, 'int32', [B, S]);
  const hasRotary = dm.rotaryDims > 0;
  const cos = hasRotary ? g.input(TRAIN_INPUTS.cos, 'float32', [S, dm.rotaryDims / 2]) : null;
  const sin = hasRotary ? g.input(TRAIN_INPUTS.sin, 'float32', [S, dm.rotaryDims / 2]) : null;
  const bias = g.input(TRAIN_INPUTS.bias, 'float32', [S, S]);
  const memoryInputs: string[] = [];
  const logits = defineModel(t, cfg, B, S, { param: (n) => params.get(n)!, ids, cos, sin, bias }, {
    onMemoryInput: opts.debug
      ? (x, name) => {
          const out = `debug.ml.${name}`;
          g.output(x, out, 'float32');
          memoryInputs.push(out);
        }
      : undefined,
  });
  const loss = crossEntropy(t, logits, targets, { B, S, V: cfg.vocabSize });
  g.output(loss, 'loss', 'float32', []);
  if (opts.lossOnly) return { bytes: encodeModel(g), B, S, denseParams: [], sparse: [], memoryInputs, nodeCount: g.nodes.length };
  t.backward(loss, t.o.f32(1));

  const sparseNames = new Set(t.sparse.map((s) => s.param));
  const denseParams: string[] = [];
  for (const [name, v] of params) {
    if (sparseNames.has(name)) continue;
    const grad = t.gradOf(v);
    if (!grad) throw new Error(`training graph: parameter '${name}' got no gradient (is it used by the model definition?)`);
    g.output(grad, `grad.${name}`, 'float32');
    denseParams.push(name);
  }
  const xNames = new Map<string, string>();
  const sparse: SparseOutput[] = t.sparse.map((s) => {
    if (s.kind === 'embedding') {
      const rows = `sparse.${s.param}.rows`;
      g.output(s.dRows, rows, 'float32');
      return { kind: 'embedding', param: s.param, rows, K: 1, rowsPerChunk: cfg.vocabSize, out: cfg.dModel };
    }
    const names = { idx: `sparse.${s.param}.idx`, p: `sparse.${s.param}.p`, dy: `sparse.${s.param}.dy` };
    g.output(s.idx, names.idx, 'int32');
    g.output(s.p, names.p, 'float32');
    g.output(s.dy, names.dy, 'float32');
    let x = xNames.get(s.x.name);
    if (!x) {
      x = `sparse.${s.param}.x`;
      g.output(s.x, x, 'float32');
      xNames.set(s.x.name, x);
    }
    return { kind: 'table', param: s.param, ...names, x, tau: s.tau, temperature: s.temperature, K: s.K, rowsPerChunk: s.rowsPerChunk, out: s.out };
  });
  return { bytes: encodeModel(g), B, S, denseParams, sparse, memoryInputs, nodeCount: g.nodes.length };
}
