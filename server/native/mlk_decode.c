/*
 * One decoded token of a whole MemoryFormer in one call (mlk_decode.h). The Memory Layers go
 * through mlk_forward (row-major tables, one thread); the rest is small per-token work written as
 * plain loops that the compiler vectorises (mlk_clones.h): at d = 192 a token's norms, rotary and
 * attention over a few hundred cached positions cost microseconds, and crossing into JavaScript or
 * onnxruntime for them would cost more than the work itself.
 */
#include <math.h>
#include <string.h>

#include "mlk_clones.h"
#include "mlk_decode.h"

size_t mlk_decode_scratch_floats(const mlk_decoder *M, int pos) {
  const size_t d = (size_t)M->d;
  const size_t e = (size_t)M->layers[0].ml1.out;
  /* x, h, att, y [d]; qkv [3d]; u [e]; scores [pos + 1] */
  return 4 * d + 3 * d + e + (size_t)pos + 1;
}

static void rms_norm(const float *x, const float *w, int n, float eps, float *out) {
  double ss = 0.0;
  for (int i = 0; i < n; i++) ss += (double)x[i] * x[i];
  const float inv = (float)(1.0 / sqrt(ss / n + eps));
  for (int i = 0; i < n; i++) out[i] = x[i] * inv * w[i];
}

static void layer_norm(float *x, const float *w, const float *b, int n, float eps) {
  double mean = 0.0, var = 0.0;
  for (int i = 0; i < n; i++) mean += x[i];
  mean /= n;
  for (int i = 0; i < n; i++) var += (x[i] - mean) * (x[i] - mean);
  const float inv = (float)(1.0 / sqrt(var / n + eps)), m = (float)mean;
  for (int i = 0; i < n; i++) x[i] = (x[i] - m) * inv * w[i] + b[i];
}

/* NeoX rotate-half on the first 2 * half dims of each head, in place. */
MLK_CLONES static void rotary(float *v, int n_heads, int head_dim, int half, const float *cos, const float *sin) {
  for (int h = 0; h < n_heads; h++) {
    float *o = v + (size_t)h * head_dim;
    for (int j = 0; j < half; j++) {
      const float x1 = o[j], x2 = o[j + half];
      o[j] = x1 * cos[j] - x2 * sin[j];
      o[j + half] = x2 * cos[j] + x1 * sin[j];
    }
  }
}

/* Causal attention of one query over cached rows 0..pos (the current one included), per head. */
MLK_CLONES static void attend(const float *q, const float *keys, const float *values, int pos, int d, int n_heads, float *scores,
                   float *out) {
  const int hd = d / n_heads;
  const float scale = 1.0f / sqrtf((float)hd);
  for (int h = 0; h < n_heads; h++) {
    const int o = h * hd;
    float max = -INFINITY;
    for (int t = 0; t <= pos; t++) {
      const float *k = keys + (size_t)t * d + o;
      float s = 0.0f;
      /* A vectorised dot product (lanes summed in a fixed order: deterministic, not the serial order). */
#pragma omp simd reduction(+ : s)
      for (int j = 0; j < hd; j++) s += q[o + j] * k[j];
      s *= scale;
      scores[t] = s;
      if (s > max) max = s;
    }
    double sum = 0.0;
    for (int t = 0; t <= pos; t++) sum += scores[t] = expf(scores[t] - max);
    const float inv = (float)(1.0 / sum);
    float *a = out + o;
    for (int j = 0; j < hd; j++) a[j] = 0.0f;
    for (int t = 0; t <= pos; t++) {
      const float w = scores[t] * inv;
      const float *v = values + (size_t)t * d + o;
      for (int j = 0; j < hd; j++) a[j] += w * v[j];
    }
  }
}

/* logits [vocab] = h [d] x W [d, vocab]: row i of W scaled by h_i, accumulated (a streamed GEMV). */
MLK_CLONES static void lm_head(const float *h, const float *W, int d, int vocab, float *logits) {
  for (int v = 0; v < vocab; v++) logits[v] = 0.0f;
  for (int i = 0; i < d; i++) {
    const float hi = h[i];
    const float *row = W + (size_t)i * vocab;
    for (int v = 0; v < vocab; v++) logits[v] += hi * row[v];
  }
}

int mlk_decode_step(const mlk_decoder *M, int token, int pos, const float *cos, const float *sin, float *const *k_cache,
                    float *const *v_cache, float *logits, float *scratch) {
  if (!M || !scratch || !k_cache || !v_cache || token < 0 || token >= M->vocab || pos < 0 || M->d <= 0 ||
      M->n_heads <= 0 || M->d % M->n_heads != 0)
    return MLK_EBADARG;
  const int d = M->d, hd = d / M->n_heads;
  float *x = scratch, *h = x + d, *att = h + d, *y = att + d, *qkv = y + d;
  float *u = qkv + 3 * (size_t)d, *scores = u + M->layers[0].ml1.out;
  memcpy(x, M->embed + (size_t)token * d, sizeof(float) * d);
  for (int l = 0; l < M->n_layers; l++) {
    const mlk_decoder_layer *L = &M->layers[l];
    rms_norm(x, L->norm1, d, M->eps, h);
    int rc = mlk_forward(&L->qkv, h, 1, L->qkv_bias, M->t, qkv, 1);
    if (rc) return rc;
    float *q = qkv, *k = qkv + d, *v = qkv + 2 * (size_t)d;
    rotary(q, M->n_heads, hd, M->rot_half, cos, sin);
    rotary(k, M->n_heads, hd, M->rot_half, cos, sin);
    memcpy(k_cache[l] + (size_t)pos * d, k, sizeof(float) * d);
    memcpy(v_cache[l] + (size_t)pos * d, v, sizeof(float) * d);
    attend(q, k_cache[l], v_cache[l], pos, d, M->n_heads, scores, att);
    for (int i = 0; i < d; i++) x[i] += att[i];
    rms_norm(x, L->norm2, d, M->eps, h);
    if ((rc = mlk_forward(&L->ml1, h, 1, L->ml1_bias, M->t, u, 1))) return rc;
    layer_norm(u, L->ln_w, L->ln_b, L->ml1.out, M->eps);
    if ((rc = mlk_forward(&L->ml2, u, 1, L->ml2_bias, M->t, y, 1))) return rc;
    for (int i = 0; i < d; i++) x[i] += y[i];
  }
  if (!logits) return MLK_OK; /* a prompt position whose prediction nobody reads: skip the head */
  rms_norm(x, M->final_norm, d, M->eps, h);
  lm_head(h, M->lm_head, d, M->vocab, logits);
  return MLK_OK;
}
