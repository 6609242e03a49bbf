/* AdamW's per-element work (mlk_adamw.h). Vectorised by the compiler for the CPU's widest vectors
 * (mlk_clones.h); -fno-math-errno lets sqrt vectorise. */
#include <math.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "mlk_adamw.h"
#include "mlk_clones.h"

MLK_CLONES static void update(float *p, const float *g, float *m, float *v, size_t from, size_t to,
                              const mlk_adamw_params *a) {
  const double c1 = 1.0 - a->beta1, c2 = 1.0 - a->beta2, step = a->lr / a->bc1, inv_bc2 = 1.0 / a->bc2;
  const double b1 = a->beta1, b2 = a->beta2, scale = a->scale, decay = a->decay, eps = a->eps;
  for (size_t i = from; i < to; i++) {
    const double gi = (double)g[i] * scale;
    const float mi = (float)(b1 * (double)m[i] + c1 * gi);
    const float vi = (float)(b2 * (double)v[i] + c2 * gi * gi);
    m[i] = mi;
    v[i] = vi;
    p[i] = (float)((double)p[i] * decay - (step * (double)mi) / (sqrt((double)vi * inv_bc2) + eps));
  }
}

/* Below this many values one thread does it: a parallel region costs more than it saves. */
#define MLK_ADAMW_PARALLEL_MIN 65536

void mlk_adamw(float *p, const float *g, float *m, float *v, size_t n, const mlk_adamw_params *a, const uint8_t *rows,
               size_t width, int threads) {
  const size_t units = rows && width ? (n + width - 1) / width : n;
  const int nt = n < MLK_ADAMW_PARALLEL_MIN || threads < 1 ? 1 : threads;
#pragma omp parallel num_threads(nt) if (nt > 1)
  {
#ifdef _OPENMP
    const size_t tid = (size_t)omp_get_thread_num(), nth = (size_t)omp_get_num_threads();
#else
    const size_t tid = 0, nth = 1;
#endif
    const size_t b = units * tid / nth, e = units * (tid + 1) / nth;
    if (!rows || !width) {
      update(p, g, m, v, b, e, a);
    } else {
      for (size_t r = b; r < e; r++)
        if (rows[r]) update(p, g, m, v, r * width, (r + 1) * width < n ? (r + 1) * width : n, a);
    }
  }
}

MLK_CLONES double mlk_sum_squares(const float *g, size_t n) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; j++) acc[j] += (double)g[i + j] * g[i + j];
  double s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  for (; i < n; i++) s += (double)g[i] * g[i];
  return s;
}
