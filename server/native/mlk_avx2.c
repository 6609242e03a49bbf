/*
 * AVX2 + FMA + F16C path (8 floats per register). Compiled for this instruction set with a target
 * pragma; mlk.c only calls it when __builtin_cpu_supports says the CPU has all three. Scalar tails
 * use fmaf, which rounds exactly like one lane of vfmadd, so column splits never change results.
 */
#if defined(__x86_64__) || defined(__i386__)
#pragma GCC target("avx2,fma,f16c")
#include <immintrin.h>
#include <math.h>

#include "mlk_isa.h"

#define INLINE static inline __attribute__((always_inline))

/* exp(x) for x <= 0: Cody-Waite range reduction, degree-7 polynomial, exponent bits (~1 ulp). */
INLINE __m256 exp_nonpositive(__m256 x) {
  x = _mm256_max_ps(x, _mm256_set1_ps(-87.0f));
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.0f / 5040.0f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 720.0f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120.0f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24.0f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6.0f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
  const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

/* exp(-s|x|) of n values (a partial last vector through a buffer). */
static void exp_row_avx2(const float *x, size_t n, __m256 neg_s, float *e) {
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(e + i, exp_nonpositive(_mm256_mul_ps(_mm256_and_ps(_mm256_loadu_ps(x + i), abs_mask), neg_s)));
  if (i < n) {
    float tmp[8] = {0};
    for (size_t l = 0; l < n - i; l++) tmp[l] = x[i + l];
    _mm256_storeu_ps(tmp, exp_nonpositive(_mm256_mul_ps(_mm256_and_ps(_mm256_loadu_ps(tmp), abs_mask), neg_s)));
    for (size_t l = 0; l < n - i; l++) e[i + l] = tmp[l];
  }
}

/* Eight chunks at a time, one lane each, as in the AVX-512 path (see there). */
static void hash_avx2(const float *x, int ntok, int K, int tau, float two_over_t, uint32_t *rows, float *w,
                      float *e) {
  const size_t n = (size_t)K * tau;
  const __m256 neg_s = _mm256_set1_ps(-two_over_t), one = _mm256_set1_ps(1.0f), zero = _mm256_setzero_ps();
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i vindex = _mm256_mullo_epi32(lane, _mm256_set1_epi32(tau));
  for (int t = 0; t < ntok; t++) {
    const float *xt = x + t * n;
    uint32_t *rt = rows + (size_t)t * K;
    float *wt = w + (size_t)t * K;
    int k = 0;
    for (; k + 8 <= K; k += 8) {
      const float *base = xt + (size_t)k * tau;
      __m256i idx = _mm256_setzero_si256();
      __m256 prod = one;
      for (int i = 0; i < tau; i++) {
        const __m256 z = _mm256_i32gather_ps(base + i, vindex, 4);
        prod = _mm256_mul_ps(prod, _mm256_add_ps(one, exp_nonpositive(_mm256_mul_ps(_mm256_and_ps(z, abs_mask), neg_s))));
        const __m256i ge = _mm256_castps_si256(_mm256_cmp_ps(z, zero, _CMP_GE_OQ));
        idx = _mm256_or_si256(idx, _mm256_and_si256(ge, _mm256_set1_epi32(1 << i)));
      }
      const __m256i first = _mm256_slli_epi32(_mm256_add_epi32(lane, _mm256_set1_epi32(k)), tau);
      _mm256_storeu_si256((__m256i *)(rt + k), _mm256_add_epi32(first, idx));
      _mm256_storeu_ps(wt + k, _mm256_div_ps(one, prod));
    }
    if (k < K) {
      float et[8 * MLK_MAX_TAU];
      exp_row_avx2(xt + (size_t)k * tau, (size_t)(K - k) * tau, neg_s, et);
      mlk_chunks_from_e(xt + (size_t)k * tau, et, K - k, tau, rt + k, wt + k);
      for (int j = k; j < K; j++) rt[j] += (uint32_t)k << tau;
    }
    if (e) exp_row_avx2(xt, n, neg_s, e + t * n);
  }
}

INLINE __m256 load8(const void *base, size_t off, const int dt) {
  if (dt == MLK_F32) return _mm256_loadu_ps((const float *)base + off);
  if (dt == MLK_F16) return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)((const uint16_t *)base + off)));
  return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)((const int8_t *)base + off))));
}

INLINE float load1(const void *base, size_t off, const int dt) {
  if (dt == MLK_F32) return ((const float *)base)[off];
  if (dt == MLK_F16) return _cvtsh_ss(((const uint16_t *)base)[off]);
  return (float)((const int8_t *)base)[off];
}

INLINE float row_weight(const mlk_table *T, uint32_t row, float w, const int dt) {
  return dt == MLK_I8 ? w * T->scales[row] : w;
}

#define PREFETCH_ROWS 8

/* Same scheme and per-value arithmetic as the AVX-512 row kernel (see there). */
INLINE void fwd_row_impl(const mlk_table *T, const uint32_t *rows, const float *w, int c0, int c1,
                         const float *bias, float *y, const int dt) {
  const size_t out = (size_t)T->out, es = mlk_esize(dt);
  const int K = T->K;
  const void *base = T->data;
  const char *cbase = (const char *)base;
  const int cfull = c0 + ((c1 - c0) / 8) * 8;
  for (int j = c0; j < c1; j++) y[j] = bias ? bias[j] : 0.0f;
  const int line_mask = (int)(64 / es) - 1;
  int k = 0;
  for (; k + 4 <= K; k += 4) {
    const size_t o0 = rows[k] * out, o1 = rows[k + 1] * out, o2 = rows[k + 2] * out, o3 = rows[k + 3] * out;
    const float s0 = row_weight(T, rows[k], w[k], dt), s1 = row_weight(T, rows[k + 1], w[k + 1], dt);
    const float s2 = row_weight(T, rows[k + 2], w[k + 2], dt), s3 = row_weight(T, rows[k + 3], w[k + 3], dt);
    const __m256 w0 = _mm256_set1_ps(s0), w1 = _mm256_set1_ps(s1), w2 = _mm256_set1_ps(s2), w3 = _mm256_set1_ps(s3);
    const int pf = k + PREFETCH_ROWS + 3 < K;
    const char *p0 = pf ? cbase + rows[k + PREFETCH_ROWS] * out * es : cbase;
    const char *p1 = pf ? cbase + rows[k + PREFETCH_ROWS + 1] * out * es : cbase;
    const char *p2 = pf ? cbase + rows[k + PREFETCH_ROWS + 2] * out * es : cbase;
    const char *p3 = pf ? cbase + rows[k + PREFETCH_ROWS + 3] * out * es : cbase;
    for (int j = c0; j < cfull; j += 8) {
      if (pf && ((j - c0) & line_mask) == 0) {
        _mm_prefetch(p0 + j * es, _MM_HINT_T0);
        _mm_prefetch(p1 + j * es, _MM_HINT_T0);
        _mm_prefetch(p2 + j * es, _MM_HINT_T0);
        _mm_prefetch(p3 + j * es, _MM_HINT_T0);
      }
      __m256 acc = _mm256_loadu_ps(y + j);
      acc = _mm256_fmadd_ps(w0, load8(base, o0 + j, dt), acc);
      acc = _mm256_fmadd_ps(w1, load8(base, o1 + j, dt), acc);
      acc = _mm256_fmadd_ps(w2, load8(base, o2 + j, dt), acc);
      acc = _mm256_fmadd_ps(w3, load8(base, o3 + j, dt), acc);
      _mm256_storeu_ps(y + j, acc);
    }
    for (int j = cfull; j < c1; j++) {
      float acc = y[j];
      acc = fmaf(s0, load1(base, o0 + j, dt), acc);
      acc = fmaf(s1, load1(base, o1 + j, dt), acc);
      acc = fmaf(s2, load1(base, o2 + j, dt), acc);
      acc = fmaf(s3, load1(base, o3 + j, dt), acc);
      y[j] = acc;
    }
  }
  for (; k < K; k++) {
    const size_t o0 = rows[k] * out;
    const float s0 = row_weight(T, rows[k], w[k], dt);
    const __m256 w0 = _mm256_set1_ps(s0);
    for (int j = c0; j < cfull; j += 8)
      _mm256_storeu_ps(y + j, _mm256_fmadd_ps(w0, load8(base, o0 + j, dt), _mm256_loadu_ps(y + j)));
    for (int j = cfull; j < c1; j++) y[j] = fmaf(s0, load1(base, o0 + j, dt), y[j]);
  }
}

static void fwd_row_avx2(const mlk_table *T, const uint32_t *rows, const float *w, int c0, int c1, const float *bias,
                         float *y) {
  switch (T->dtype) {
    case MLK_F32: fwd_row_impl(T, rows, w, c0, c1, bias, y, MLK_F32); break;
    case MLK_F16: fwd_row_impl(T, rows, w, c0, c1, bias, y, MLK_F16); break;
    default: fwd_row_impl(T, rows, w, c0, c1, bias, y, MLK_I8); break;
  }
}

/* One token's 64-column tile in 8 registers (16 registers cannot also hold the loads), from io->init
 * or io->acc, to io->acc or the output (see mlk_isa.h: fwd_tile). The table's padding columns are zero. */
INLINE void fwd_tile_impl(const mlk_table *T, const uint32_t *rows, const float *w, int N, int tile, int t1,
                          const struct mlk_tile_io *io, const int dt) {
  const int K = T->K, G = mlk_group_chunks(T);
  const size_t nrows = (size_t)K << T->tau, es = mlk_esize(dt);
  const void *tbase = (const char *)T->data + (size_t)tile * nrows * MLK_TILE * es;
  for (int g0 = 0; g0 < K; g0 += G) {
    const int g1 = g0 + G < K ? g0 + G : K;
    mlk_stream pf = mlk_next_slice(T, tile, t1, g1, G, N, N);
    for (int n = 0; n < N; n++, mlk_stream_advance(&pf)) {
      float *an = io->acc + (size_t)n * MLK_TILE;
      const float *from = g0 == 0 ? io->init : an;
      __m256 a[8];
      for (int c = 0; c < 8; c++) a[c] = _mm256_load_ps(from + 8 * c);
      for (int k = g0; k < g1; k++) {
        const __m256 wv = _mm256_set1_ps(w[(size_t)k * N + n]);
        const size_t off = (size_t)rows[(size_t)k * N + n] * MLK_TILE;
        for (int c = 0; c < 8; c++) a[c] = _mm256_fmadd_ps(wv, load8(tbase, off + 8 * c, dt), a[c]);
      }
      for (int c = 0; c < 8; c++) _mm256_store_ps(an + 8 * c, a[c]);
      if (g1 == K) { /* the last group: the valid columns to the output */
        float *yn = io->y + (size_t)n * io->stride;
        for (int c = 0; c < io->cols; c++) yn[c] = an[c];
      }
    }
  }
}

static void fwd_tile_avx2(const mlk_table *T, const uint32_t *rows, const float *w, int N, int tile, int t1,
                          const struct mlk_tile_io *io) {
  switch (T->dtype) {
    case MLK_F32: fwd_tile_impl(T, rows, w, N, tile, t1, io, MLK_F32); break;
    case MLK_F16: fwd_tile_impl(T, rows, w, N, tile, t1, io, MLK_F16); break;
    default: fwd_tile_impl(T, rows, w, N, tile, t1, io, MLK_I8); break;
  }
}

INLINE float hsum8(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

INLINE float dot_impl(const mlk_table *T, uint32_t row, const float *dy, const int dt) {
  const int out = T->out;
  __m256 a[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
  float tail = 0.0f;
  if (T->layout == MLK_ROW) {
    const size_t o = (size_t)row * out;
    int j = 0;
    for (; j + 32 <= out; j += 32)
      for (int c = 0; c < 4; c++) a[c] = _mm256_fmadd_ps(_mm256_loadu_ps(dy + j + 8 * c), load8(T->data, o + j + 8 * c, dt), a[c]);
    for (; j + 8 <= out; j += 8) a[0] = _mm256_fmadd_ps(_mm256_loadu_ps(dy + j), load8(T->data, o + j, dt), a[0]);
    for (; j < out; j++) tail = fmaf(dy[j], load1(T->data, o + j, dt), tail);
  } else {
    const size_t nrows = (size_t)T->K << T->tau;
    const int nt = mlk_ntiles(out);
    for (int tile = 0; tile < nt; tile++) {
      const size_t o = ((size_t)tile * nrows + row) * MLK_TILE;
      const int j = tile * MLK_TILE;
      if (j + 64 <= out) {
        for (int c = 0; c < 8; c++)
          a[c & 3] = _mm256_fmadd_ps(_mm256_loadu_ps(dy + j + 8 * c), load8(T->data, o + 8 * c, dt), a[c & 3]);
      } else {
        for (int c = 0; c < out - j; c++) tail = fmaf(dy[j + c], load1(T->data, o + c, dt), tail);
      }
    }
  }
  const float s = hsum8(_mm256_add_ps(_mm256_add_ps(a[0], a[1]), _mm256_add_ps(a[2], a[3]))) + tail;
  return dt == MLK_I8 ? s * T->scales[row] : s;
}

static float dot_row_avx2(const mlk_table *T, uint32_t row, const float *dy) {
  switch (T->dtype) {
    case MLK_F32: return dot_impl(T, row, dy, MLK_F32);
    case MLK_F16: return dot_impl(T, row, dy, MLK_F16);
    default: return dot_impl(T, row, dy, MLK_I8);
  }
}

static void axpy_avx2(float *dst, float a, const float *src, int n) {
  const __m256 av = _mm256_set1_ps(a);
  int j = 0;
  for (; j + 8 <= n; j += 8)
    _mm256_storeu_ps(dst + j, _mm256_fmadd_ps(av, _mm256_loadu_ps(src + j), _mm256_loadu_ps(dst + j)));
  for (; j < n; j++) dst[j] = fmaf(a, src[j], dst[j]);
}

static float sum_avx2(const float *src, size_t n) {
  __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    a0 = _mm256_add_ps(a0, _mm256_loadu_ps(src + i));
    a1 = _mm256_add_ps(a1, _mm256_loadu_ps(src + i + 8));
    a2 = _mm256_add_ps(a2, _mm256_loadu_ps(src + i + 16));
    a3 = _mm256_add_ps(a3, _mm256_loadu_ps(src + i + 24));
  }
  float s = hsum8(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
  for (; i < n; i++) s += src[i];
  return s;
}

static void to_half_avx2(const float *src, uint16_t *dst, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm_storeu_si128((__m128i *)(dst + i), _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
  for (; i < n; i++) dst[i] = mlk_float_to_half(src[i]);
}

const mlk_isa mlk_isa_avx2 = {
    "avx2", hash_avx2, fwd_row_avx2, fwd_tile_avx2, dot_row_avx2, axpy_avx2, sum_avx2, to_half_avx2,
};
#endif
