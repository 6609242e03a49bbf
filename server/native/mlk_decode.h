/*
 * One decoded token of a whole MemoryFormer (arXiv 2411.12992) in one call: embedding, every block
 * (RMSNorm, the shared-hash Q/K/V Memory Layer, rotary, attention over the KV cache, ML1,
 * LayerNorm, ML2, residuals) and the LM head. A decoded token thus crosses from JavaScript into
 * native code once, instead of once per Memory Layer plus an onnxruntime run for the head.
 *
 * The block is the one server/src/model/onnx-model.ts builds and server/src/model/reference.ts
 * defines in float64; the KV cache is the engine's (token-major [capacity, d] per layer, keys stored
 * after rotary), so an ONNX prefill and this decoder share it.
 */
#ifndef MLK_DECODE_H
#define MLK_DECODE_H

#include "mlk.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  mlk_table qkv, ml1, ml2;   /* row-major tables: Q/K/V side by side [rows, 3d], ML1 [rows, E], ML2 [rows2, d] */
  const float *qkv_bias;     /* [3d] */
  const float *norm1, *norm2; /* RMSNorm weights [d] */
  const float *ml1_bias;     /* [E] */
  const float *ln_w, *ln_b;  /* LayerNorm between ML1 and ML2 [E] */
  const float *ml2_bias;     /* [d] */
} mlk_decoder_layer;

typedef struct {
  int d, n_layers, n_heads, vocab;
  int rot_half;              /* rotary on the first 2 * rot_half dims of each head (NeoX rotate-half) */
  float eps, t;              /* norm epsilon, hash temperature */
  const float *embed;        /* [vocab, d] */
  const float *final_norm;   /* [d] */
  const float *lm_head;      /* [d, vocab] */
  mlk_decoder_layer *layers; /* [n_layers] */
} mlk_decoder;

/*
 * Decodes `token` at position `pos`: writes its keys and values to row pos of k_cache[l] and
 * v_cache[l] (each [>= pos + 1, d]), attends over rows 0..pos, and writes logits [vocab] (logits
 * may be NULL: the final norm and LM head are then skipped, for prompt positions nobody reads).
 * cos/sin: the rotary angles of position pos ([rot_half] each). scratch: mlk_decode_scratch_floats
 * floats. Single-threaded; one decoder may be used by one thread at a time.
 */
int mlk_decode_step(const mlk_decoder *M, int token, int pos, const float *cos, const float *sin, float *const *k_cache,
                    float *const *v_cache, float *logits, float *scratch);

/* Scratch size (floats) for a step at position pos. */
size_t mlk_decode_scratch_floats(const mlk_decoder *M, int pos);

#ifdef __cplusplus
}
#endif
#endif
