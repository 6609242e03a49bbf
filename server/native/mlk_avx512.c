/*
 * AVX-512 path (AVX-512 F/BW/VL; F16C-style conversion through vcvtph2ps). Compiled for this
 * instruction set with a target pragma, so the shipped binary still runs on any x86-64 CPU:
 * mlk.c only calls it when __builtin_cpu_supports says the CPU has it.
 */
#if defined(__x86_64__) || defined(__i386__)
#pragma GCC target("avx512f,avx512bw,avx512vl,avx2,fma,f16c")
#include <immintrin.h>

#include "mlk_isa.h"

#define INLINE static inline __attribute__((always_inline))

/* exp(x) for x <= 0: Cody-Waite range reduction, degree-7 polynomial, scalef (~1 ulp). */
INLINE __m512 exp_nonpositive(__m512 x) {
  x = _mm512_max_ps(x, _mm512_set1_ps(-87.0f));
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.0f / 5040.0f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 720.0f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120.0f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24.0f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6.0f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
  return _mm512_scalef_ps(p, n);
}

static void hash_avx512(const float *x, int ntok, int K, int tau, float two_over_t, uint32_t *rows, float *w,
                        float *e) {
  const size_t n = (size_t)K * tau;
  const __m512 neg_s = _mm512_set1_ps(-two_over_t);
  for (int t = 0; t < ntok; t++) {
    const float *xt = x + t * n;
    float *et = e + t * n;
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
      _mm512_storeu_ps(et + i, exp_nonpositive(_mm512_mul_ps(_mm512_abs_ps(_mm512_loadu_ps(xt + i)), neg_s)));
    if (i < n) {
      const __mmask16 m = (__mmask16)((1u << (n - i)) - 1);
      _mm512_mask_storeu_ps(et + i, m,
                            exp_nonpositive(_mm512_mul_ps(_mm512_abs_ps(_mm512_maskz_loadu_ps(m, xt + i)), neg_s)));
    }
    mlk_chunks_from_e(xt, et, K, tau, rows + (size_t)t * K, w + (size_t)t * K);
  }
}

/* 16 consecutive table values from element offset off, as floats (int8 scale not applied). */
INLINE __m512 load16(const void *base, size_t off, const int dt) {
  if (dt == MLK_F32) return _mm512_loadu_ps((const float *)base + off);
  if (dt == MLK_F16) return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)((const uint16_t *)base + off)));
  return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)((const int8_t *)base + off))));
}

INLINE __m512 load16_masked(const void *base, size_t off, __mmask16 m, const int dt) {
  if (dt == MLK_F32) return _mm512_maskz_loadu_ps(m, (const float *)base + off);
  if (dt == MLK_F16) return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, (const uint16_t *)base + off));
  return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(m, (const int8_t *)base + off)));
}

INLINE float row_weight(const mlk_table *T, uint32_t row, float w, const int dt) {
  return dt == MLK_I8 ? w * T->scales[row] : w;
}

/* Rows are streamed four at a time (one load/store of y per four FMAs); a prefetch cursor runs
 * PREFETCH_ROWS rows ahead at the same columns, one prefetch per 64-byte line. Per output value
 * the arithmetic is y = bias, then y = fma(w_k, v_k, y) for k ascending: identical to the tiled
 * kernel and independent of how columns or tokens are split. */
#define PREFETCH_ROWS 8

INLINE void fwd_row_impl(const mlk_table *T, const uint32_t *rows, const float *w, int c0, int c1,
                         const float *bias, float *y, const int dt) {
  const size_t out = (size_t)T->out, es = mlk_esize(dt);
  const int K = T->K;
  const void *base = T->data;
  const char *cbase = (const char *)base;
  const int cfull = c0 + ((c1 - c0) / 16) * 16;
  const __mmask16 tm = (__mmask16)((1u << (c1 - cfull)) - 1);
  for (int j = c0; j < cfull; j += 16) _mm512_storeu_ps(y + j, bias ? _mm512_loadu_ps(bias + j) : _mm512_setzero_ps());
  if (tm) _mm512_mask_storeu_ps(y + cfull, tm, bias ? _mm512_maskz_loadu_ps(tm, bias + cfull) : _mm512_setzero_ps());
  const int line_mask = (int)(64 / es) - 1; /* prefetch when (j - c0) is a multiple of one line */
  int k = 0;
  for (; k + 4 <= K; k += 4) {
    const size_t o0 = rows[k] * out, o1 = rows[k + 1] * out, o2 = rows[k + 2] * out, o3 = rows[k + 3] * out;
    const __m512 w0 = _mm512_set1_ps(row_weight(T, rows[k], w[k], dt));
    const __m512 w1 = _mm512_set1_ps(row_weight(T, rows[k + 1], w[k + 1], dt));
    const __m512 w2 = _mm512_set1_ps(row_weight(T, rows[k + 2], w[k + 2], dt));
    const __m512 w3 = _mm512_set1_ps(row_weight(T, rows[k + 3], w[k + 3], dt));
    const int pf = k + PREFETCH_ROWS + 3 < K;
    const char *p0 = pf ? cbase + rows[k + PREFETCH_ROWS] * out * es : cbase;
    const char *p1 = pf ? cbase + rows[k + PREFETCH_ROWS + 1] * out * es : cbase;
    const char *p2 = pf ? cbase + rows[k + PREFETCH_ROWS + 2] * out * es : cbase;
    const char *p3 = pf ? cbase + rows[k + PREFETCH_ROWS + 3] * out * es : cbase;
    for (int j = c0; j < cfull; j += 16) {
      if (pf && ((j - c0) & line_mask) == 0) {
        _mm_prefetch(p0 + j * es, _MM_HINT_T0);
        _mm_prefetch(p1 + j * es, _MM_HINT_T0);
        _mm_prefetch(p2 + j * es, _MM_HINT_T0);
        _mm_prefetch(p3 + j * es, _MM_HINT_T0);
      }
      __m512 acc = _mm512_loadu_ps(y + j);
      acc = _mm512_fmadd_ps(w0, load16(base, o0 + j, dt), acc);
      acc = _mm512_fmadd_ps(w1, load16(base, o1 + j, dt), acc);
      acc = _mm512_fmadd_ps(w2, load16(base, o2 + j, dt), acc);
      acc = _mm512_fmadd_ps(w3, load16(base, o3 + j, dt), acc);
      _mm512_storeu_ps(y + j, acc);
    }
    if (tm) {
      __m512 acc = _mm512_maskz_loadu_ps(tm, y + cfull);
      acc = _mm512_fmadd_ps(w0, load16_masked(base, o0 + cfull, tm, dt), acc);
      acc = _mm512_fmadd_ps(w1, load16_masked(base, o1 + cfull, tm, dt), acc);
      acc = _mm512_fmadd_ps(w2, load16_masked(base, o2 + cfull, tm, dt), acc);
      acc = _mm512_fmadd_ps(w3, load16_masked(base, o3 + cfull, tm, dt), acc);
      _mm512_mask_storeu_ps(y + cfull, tm, acc);
    }
  }
  for (; k < K; k++) {
    const size_t o0 = rows[k] * out;
    const __m512 w0 = _mm512_set1_ps(row_weight(T, rows[k], w[k], dt));
    for (int j = c0; j < cfull; j += 16)
      _mm512_storeu_ps(y + j, _mm512_fmadd_ps(w0, load16(base, o0 + j, dt), _mm512_loadu_ps(y + j)));
    if (tm)
      _mm512_mask_storeu_ps(y + cfull, tm,
                            _mm512_fmadd_ps(w0, load16_masked(base, o0 + cfull, tm, dt),
                                            _mm512_maskz_loadu_ps(tm, y + cfull)));
  }
}

static void fwd_row_avx512(const mlk_table *T, const uint32_t *rows, const float *w, int c0, int c1,
                           const float *bias, float *y) {
  switch (T->dtype) {
    case MLK_F32: fwd_row_impl(T, rows, w, c0, c1, bias, y, MLK_F32); break;
    case MLK_F16: fwd_row_impl(T, rows, w, c0, c1, bias, y, MLK_F16); break;
    default: fwd_row_impl(T, rows, w, c0, c1, bias, y, MLK_I8); break;
  }
}

/* NB tokens x one 64-column tile held in NB*4 registers while the chunks [g0, g1) are walked. */
INLINE void tiled_block(const mlk_table *T, const void *tbase, const uint32_t *rws, const float *wts, int g0, int g1,
                        const float *bt, float *yt, const __mmask16 *vm, const int NB, const int dt) {
  const int K = T->K;
  const size_t out = (size_t)T->out;
  __m512 a[4][4];
  for (int b = 0; b < NB; b++)
    for (int c = 0; c < 4; c++)
      a[b][c] = g0 == 0 ? (bt ? _mm512_maskz_loadu_ps(vm[c], bt + 16 * c) : _mm512_setzero_ps())
                        : _mm512_maskz_loadu_ps(vm[c], yt + b * out + 16 * c);
  for (int k = g0; k < g1; k++) {
    for (int b = 0; b < NB; b++) {
      const uint32_t r = rws[(size_t)b * K + k];
      const __m512 wv = _mm512_set1_ps(row_weight(T, r, wts[(size_t)b * K + k], dt));
      const size_t off = (size_t)r * MLK_TILE;
      for (int c = 0; c < 4; c++) a[b][c] = _mm512_fmadd_ps(wv, load16(tbase, off + 16 * c, dt), a[b][c]);
    }
  }
  for (int b = 0; b < NB; b++)
    for (int c = 0; c < 4; c++) _mm512_mask_storeu_ps(yt + b * out + 16 * c, vm[c], a[b][c]);
}

INLINE void fwd_tiled_impl(const mlk_table *T, const uint32_t *rows, const float *w, int N, int t0, int t1,
                           const float *bias, float *y, const int dt) {
  const int K = T->K, out = T->out, G = mlk_group_chunks(T);
  const size_t nrows = (size_t)K << T->tau, es = mlk_esize(dt);
  for (int tile = t0; tile < t1; tile++) {
    const int col0 = tile * MLK_TILE;
    const int cols = out - col0 < MLK_TILE ? out - col0 : MLK_TILE;
    __mmask16 vm[4];
    for (int c = 0; c < 4; c++) {
      const int left = cols - 16 * c;
      vm[c] = left >= 16 ? (__mmask16)0xffff : left <= 0 ? (__mmask16)0 : (__mmask16)((1u << left) - 1);
    }
    const void *tbase = (const char *)T->data + (size_t)tile * nrows * MLK_TILE * es;
    const float *bt = bias ? bias + col0 : NULL;
    for (int g0 = 0; g0 < K; g0 += G) {
      const int g1 = g0 + G < K ? g0 + G : K;
      mlk_stream pf = mlk_next_slice(T, tile, t1, g1, G, N, N / 4 + N % 4);
      int n = 0;
      for (; n + 4 <= N; n += 4, mlk_stream_advance(&pf))
        tiled_block(T, tbase, rows + (size_t)n * K, w + (size_t)n * K, g0, g1, bt, y + (size_t)n * out + col0, vm, 4,
                    dt);
      for (; n < N; n++, mlk_stream_advance(&pf))
        tiled_block(T, tbase, rows + (size_t)n * K, w + (size_t)n * K, g0, g1, bt, y + (size_t)n * out + col0, vm, 1,
                    dt);
    }
  }
}

static void fwd_tiled_avx512(const mlk_table *T, const uint32_t *rows, const float *w, int N, int t0, int t1,
                             const float *bias, float *y) {
  switch (T->dtype) {
    case MLK_F32: fwd_tiled_impl(T, rows, w, N, t0, t1, bias, y, MLK_F32); break;
    case MLK_F16: fwd_tiled_impl(T, rows, w, N, t0, t1, bias, y, MLK_F16); break;
    default: fwd_tiled_impl(T, rows, w, N, t0, t1, bias, y, MLK_I8); break;
  }
}

/* Four accumulators, lane l of accumulator c summing columns = 16c + l (mod 64), in both layouts. */
INLINE float dot_impl(const mlk_table *T, uint32_t row, const float *dy, const int dt) {
  const int out = T->out;
  __m512 a[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
  if (T->layout == MLK_ROW) {
    const size_t o = (size_t)row * out;
    int j = 0;
    for (; j + 64 <= out; j += 64)
      for (int c = 0; c < 4; c++)
        a[c] = _mm512_fmadd_ps(_mm512_loadu_ps(dy + j + 16 * c), load16(T->data, o + j + 16 * c, dt), a[c]);
    for (int c = 0; j + 16 * c < out; c++) {
      const int left = out - j - 16 * c;
      const __mmask16 m = left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1);
      a[c] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, dy + j + 16 * c), load16_masked(T->data, o + j + 16 * c, m, dt),
                             a[c]);
    }
  } else {
    const size_t nrows = (size_t)T->K << T->tau;
    const int nt = mlk_ntiles(out);
    for (int tile = 0; tile < nt; tile++) {
      const size_t o = ((size_t)tile * nrows + row) * MLK_TILE;
      const int j = tile * MLK_TILE;
      if (j + 64 <= out) {
        for (int c = 0; c < 4; c++)
          a[c] = _mm512_fmadd_ps(_mm512_loadu_ps(dy + j + 16 * c), load16(T->data, o + 16 * c, dt), a[c]);
      } else {
        for (int c = 0; j + 16 * c < out; c++) {
          const int left = out - j - 16 * c;
          const __mmask16 m = left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1);
          a[c] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, dy + j + 16 * c), load16_masked(T->data, o + 16 * c, m, dt),
                                 a[c]);
        }
      }
    }
  }
  const float s = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a[0], a[1]), _mm512_add_ps(a[2], a[3])));
  return dt == MLK_I8 ? s * T->scales[row] : s;
}

static float dot_row_avx512(const mlk_table *T, uint32_t row, const float *dy) {
  switch (T->dtype) {
    case MLK_F32: return dot_impl(T, row, dy, MLK_F32);
    case MLK_F16: return dot_impl(T, row, dy, MLK_F16);
    default: return dot_impl(T, row, dy, MLK_I8);
  }
}

static void axpy_avx512(float *dst, float a, const float *src, int n) {
  const __m512 av = _mm512_set1_ps(a);
  int j = 0;
  for (; j + 16 <= n; j += 16)
    _mm512_storeu_ps(dst + j, _mm512_fmadd_ps(av, _mm512_loadu_ps(src + j), _mm512_loadu_ps(dst + j)));
  if (j < n) {
    const __mmask16 m = (__mmask16)((1u << (n - j)) - 1);
    _mm512_mask_storeu_ps(dst + j, m,
                          _mm512_fmadd_ps(av, _mm512_maskz_loadu_ps(m, src + j), _mm512_maskz_loadu_ps(m, dst + j)));
  }
}

static float sum_avx512(const float *src, size_t n) {
  __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    a0 = _mm512_add_ps(a0, _mm512_loadu_ps(src + i));
    a1 = _mm512_add_ps(a1, _mm512_loadu_ps(src + i + 16));
    a2 = _mm512_add_ps(a2, _mm512_loadu_ps(src + i + 32));
    a3 = _mm512_add_ps(a3, _mm512_loadu_ps(src + i + 48));
  }
  float s = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)));
  for (; i < n; i++) s += src[i];
  return s;
}

static void to_half_avx512(const float *src, uint16_t *dst, size_t n) {
  size_t i = 0;
  for (; i + 16 <= n; i += 16)
    _mm256_storeu_si256((__m256i *)(dst + i),
                        _mm512_cvtps_ph(_mm512_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
  for (; i < n; i++) dst[i] = mlk_float_to_half(src[i]);
}

const mlk_isa mlk_isa_avx512 = {
    "avx512", hash_avx512, fwd_row_avx512, fwd_tiled_avx512, dot_row_avx512, axpy_avx512, sum_avx512, to_half_avx512,
};
#endif
