/*
 * The optimiser's per-element work in C (server/src/train/adamw.ts): AdamW's update and the sum of
 * squares of a gradient. The update does exactly the TypeScript's arithmetic (double precision per
 * element, values stored as float32, no fused multiply-add), so results are bit-identical to it.
 */
#ifndef MLK_ADAMW_H
#define MLK_ADAMW_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  double scale;  /* gradient scale: 1 / accumulation times the clip factor */
  double decay;  /* 1 - lr * weight decay (1 for parameters without decay) */
  double lr, beta1, beta2, bc1, bc2, eps; /* bc1 = 1 - beta1^t, bc2 = 1 - beta2^t */
} mlk_adamw_params;

/*
 * For i in [0, n): g' = g * scale; m = b1 m + (1 - b1) g'; v = b2 v + (1 - b2) g' g';
 * p = p decay - (lr / bc1) m / (sqrt(v / bc2) + eps), with m and v read back as stored (float32).
 * rows (may be NULL): only rows r with rows[r] != 0 of width `width` are updated (lazy AdamW).
 * threads: elements (or rows) are split among them; each element's arithmetic is the same, so the
 * result does not depend on the thread count.
 */
void mlk_adamw(float *p, const float *g, float *m, float *v, size_t n, const mlk_adamw_params *a, const uint8_t *rows,
               size_t width, int threads);

/* Sum of g_i^2 in double, in a fixed order (eight running sums, then combined): deterministic. */
double mlk_sum_squares(const float *g, size_t n);

#ifdef __cplusplus
}
#endif
#endif
