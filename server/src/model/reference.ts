/**
 * The independent float64 reference implementation of the model forward pass (and the Memory
 * Layer backward). Every fast path (ONNX graphs, native kernels, training gradients) is tested
 * against it. It shares nothing with them but config.ts and weights.ts (names and shapes).
 *
 * One concept per file under ./reference/; this module is the entry point the rest of the project imports.
 */
export { memoryLayerRef, memoryLayerBackwardRef, hashChunkRef, sigmoidRef, type ChunkHash } from './reference/memory-layer.js';
export { rotaryRef, attentionRef } from './reference/attention.js';
export { rmsNormRef, layerNormRef, linearRef, geluRef, erfRef } from './reference/ops.js';
export { modelForwardRef, blockForwardRef, embedRef, headRef, checkWeightsRef, type RefWeights } from './reference/model.js';
