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

/* Sixteen chunks at a time, one lane each: for i = 0..tau-1 a gather (stride tau) brings every
 * lane's i-th value, whose sign sets bit i of the index and whose 1 + exp(-s|z|) multiplies the
 * product, in the same order as the scalar path. e (for the backward pass) is written only when
 * asked for: the forward pass does not need it. */
static void hash_avx512(const float *x, int ntok, int K, int tau, float two_over_t, uint32_t *rows, float *w,
                        float *e) {
  const size_t n = (size_t)K * tau;
  const __m512 neg_s = _mm512_set1_ps(-two_over_t), one = _mm512_set1_ps(1.0f), zero = _mm512_setzero_ps();
  const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m512i vindex = _mm512_mullo_epi32(lane, _mm512_set1_epi32(tau));
  for (int t = 0; t < ntok; t++) {
    const float *xt = x + t * n;
    uint32_t *rt = rows + (size_t)t * K;
    float *wt = w + (size_t)t * K;
    int k = 0;
    for (; k + 16 <= K; k += 16) {
      const float *base = xt + (size_t)k * tau;
      __m512i idx = _mm512_setzero_si512();
      __m512 prod = one;
      for (int i = 0; i < tau; i++) {
        const __m512 z = _mm512_i32gather_ps(vindex, base + i, 4);
        prod = _mm512_mul_ps(prod, _mm512_add_ps(one, exp_nonpositive(_mm512_mul_ps(_mm512_abs_ps(z), neg_s))));
        idx = _mm512_mask_or_epi32(idx, _mm512_cmp_ps_mask(z, zero, _CMP_GE_OQ), idx, _mm512_set1_epi32(1 << i));
      }
      const __m512i first = _mm512_slli_epi32(_mm512_add_epi32(lane, _mm512_set1_epi32(k)), (unsigned)tau);
      _mm512_storeu_si512(rt + k, _mm512_add_epi32(first, idx));
      _mm512_storeu_ps(wt + k, _mm512_div_ps(one, prod));
    }
    if (k < K) { /* the last K mod 16 chunks, through the shared scalar code */
      const int left = (K - k) * tau;
      float et[16 * MLK_MAX_TAU];
      for (int i = 0; i < left; i += 16) {
        const __mmask16 m = left - i >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (left - i)) - 1);
        const __m512 z = _mm512_maskz_loadu_ps(m, xt + (size_t)k * tau + i);
        _mm512_mask_storeu_ps(et + i, m, exp_nonpositive(_mm512_mul_ps(_mm512_abs_ps(z), neg_s)));
      }
      mlk_chunks_from_e(xt + (size_t)k * tau, et, K - k, tau, rt + k, wt + k);
      for (int j = k; j < K; j++) rt[j] += (uint32_t)k << tau;
    }
    if (e) {
      float *et = e + t * n;
      size_t i = 0;
      for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(et + i, exp_nonpositive(_mm512_mul_ps(_mm512_abs_ps(_mm512_loadu_ps(xt + i)), neg_s)));
      if (i < n) {
        const __mmask16 m = (__mmask16)((1u << (n - i)) - 1);
        _mm512_mask_storeu_ps(et + i, m,
                              exp_nonpositive(_mm512_mul_ps(_mm512_abs_ps(_mm512_maskz_loadu_ps(m, xt + i)), neg_s)));
      }
    }
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

/* NB tokens x one 64-column tile held in NB*4 registers while the chunks [g0, g1) are walked.
 * rows and w are chunk-major ([K][N], the int8 scale already in w), so a token block's entries
 * for one chunk are adjacent. acc is the tile's accumulator, [N][64] contiguous: a stride of `out` floats (4 KiB at d = 1024)
 * would map every token's tile to the same cache sets and evict it between chunk groups. */
INLINE void tiled_block(const mlk_table *T, const void *tbase, const uint32_t *rws, const float *wts, int N, int g0,
                        int g1, const struct mlk_tile_io *io, int n, const __mmask16 *vm, const int NB, const int dt,
                        mlk_stream *pf, size_t pf_per_chunk) {
  float *acc = io->acc + (size_t)n * MLK_TILE;
  __m512 a[4][4];
  for (int b = 0; b < NB; b++)
    for (int c = 0; c < 4; c++) a[b][c] = g0 == 0 ? _mm512_load_ps(io->init + 16 * c) : _mm512_load_ps(acc + b * MLK_TILE + 16 * c);
  for (int k = g0; k < g1; k++) {
    for (size_t i = 0; i < pf_per_chunk && pf->next < pf->end; i++, pf->next += 64) __builtin_prefetch(pf->next, 0, 2);
    for (int b = 0; b < NB; b++) {
      const __m512 wv = _mm512_set1_ps(wts[(size_t)k * N + b]);
      const size_t off = (size_t)rws[(size_t)k * N + b] * MLK_TILE;
      for (int c = 0; c < 4; c++) a[b][c] = _mm512_fmadd_ps(wv, load16(tbase, off + 16 * c, dt), a[b][c]);
    }
  }
  if (g1 == T->K) { /* the last group: straight to the output */
    for (int b = 0; b < NB; b++)
      for (int c = 0; c < 4; c++) _mm512_mask_storeu_ps(io->y + (size_t)(n + b) * io->stride + 16 * c, vm[c], a[b][c]);
  } else {
    for (int b = 0; b < NB; b++)
      for (int c = 0; c < 4; c++) _mm512_store_ps(acc + b * MLK_TILE + 16 * c, a[b][c]);
  }
}

INLINE void fwd_tile_impl(const mlk_table *T, const uint32_t *rows, const float *w, int N, int tile, int t1,
                          const struct mlk_tile_io *io, const int dt) {
  const int K = T->K, G = mlk_group_chunks(T);
  __mmask16 vm[4];
  for (int c = 0; c < 4; c++) {
    const int left = io->cols - 16 * c;
    vm[c] = left >= 16 ? (__mmask16)0xffff : left <= 0 ? (__mmask16)0 : (__mmask16)((1u << left) - 1);
  }
  const size_t nrows = (size_t)K << T->tau, es = mlk_esize(dt);
  const void *tbase = (const char *)T->data + (size_t)tile * nrows * MLK_TILE * es;
  for (int g0 = 0; g0 < K; g0 += G) {
    const int g1 = g0 + G < K ? g0 + G : K;
    mlk_stream pf = mlk_next_slice(T, tile, t1, g1, G, N, N / 4 + N % 4);
    /* The next slice's prefetches go out a few per chunk inside each token block when that spreads
     * them thin (fp16, int8: <= 4 lines per chunk step), else in one burst per block (fp32). Spread,
     * they leave fill buffers free for the block's own loads: fp16 and int8 1.2-1.5x faster at 512
     * tokens, fp32 no better (docs/BENCHMARKS.md section 2). */
    const size_t lines = pf.step / 64, chunks = (size_t)(g1 - g0);
    const size_t per_chunk = lines <= 4 * chunks ? (lines + chunks - 1) / chunks : 0;
    int n = 0;
    for (; n + 4 <= N; n += 4) {
      tiled_block(T, tbase, rows + n, w + n, N, g0, g1, io, n, vm, 4, dt, &pf, per_chunk);
      if (!per_chunk) mlk_stream_advance(&pf);
    }
    for (; n < N; n++) {
      tiled_block(T, tbase, rows + n, w + n, N, g0, g1, io, n, vm, 1, dt, &pf, per_chunk);
      if (!per_chunk) mlk_stream_advance(&pf);
    }
  }
}

static void fwd_tile_avx512(const mlk_table *T, const uint32_t *rows, const float *w, int N, int tile, int t1,
                            const struct mlk_tile_io *io) {
  switch (T->dtype) {
    case MLK_F32: fwd_tile_impl(T, rows, w, N, tile, t1, io, MLK_F32); break;
    case MLK_F16: fwd_tile_impl(T, rows, w, N, tile, t1, io, MLK_F16); break;
    default: fwd_tile_impl(T, rows, w, N, tile, t1, io, MLK_I8); break;
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
    "avx512", hash_avx512, fwd_row_avx512, fwd_tile_avx512, dot_row_avx512, axpy_avx512, sum_avx512, to_half_avx512,
};
#endif
