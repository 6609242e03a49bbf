/*
 * Portable C path: plain scalar loops, no instruction-set assumptions beyond C11. Used on CPUs
 * without AVX2/FMA/F16C and as the baseline the vector paths are checked against.
 * Built with -ffp-contract=off, so a*b+c is never fused here and results are reproducible.
 */
#include <math.h>
#include <string.h>

#include "mlk_isa.h"

float mlk_half_to_float(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ff;
  uint32_t bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  } else if (mant == 0) {
    bits = sign;
  } else {
    /* Subnormal half: value = mant * 2^-24, exactly representable as a float. */
    float v = (float)mant * (1.0f / 16777216.0f);
    memcpy(&bits, &v, 4);
    bits |= sign;
  }
  float f;
  memcpy(&f, &bits, 4);
  return f;
}

uint16_t mlk_float_to_half(float f) {
  uint32_t x;
  memcpy(&x, &f, 4);
  uint16_t sign = (uint16_t)((x >> 16) & 0x8000);
  uint32_t a = x & 0x7fffffffu;
  if (a >= 0x7f800000u) return (uint16_t)(sign | 0x7c00 | (a > 0x7f800000u ? 0x200 | ((a >> 13) & 0x3ff) : 0));
  if (a >= 0x477ff000u) return (uint16_t)(sign | 0x7c00); /* >= 65520 rounds to infinity */
  if (a < 0x38800000u) {                                   /* below 2^-14: half subnormal or zero */
    if (a < 0x33000000u) return sign;                      /* <= 2^-25 rounds to zero (tie to even) */
    uint32_t e = a >> 23, mant = (a & 0x7fffffu) | 0x800000u;
    uint32_t shift = 126 - e;
    uint32_t q = mant >> shift, rem = mant & ((1u << shift) - 1), half = 1u << (shift - 1);
    if (rem > half || (rem == half && (q & 1))) q++;
    return (uint16_t)(sign | q);
  }
  uint32_t h = (a - 0x38000000u) >> 13, rem = a & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1))) h++;
  return (uint16_t)(sign | h);
}

static void hash_portable(const float *x, int ntok, int K, int tau, float two_over_t, uint32_t *rows, float *w,
                          float *e) {
  size_t n = (size_t)K * tau;
  for (int t = 0; t < ntok; t++) {
    const float *xt = x + t * n;
    uint32_t *rt = rows + (size_t)t * K;
    float *wt = w + (size_t)t * K;
    if (e) {
      float *et = e + t * n;
      for (size_t i = 0; i < n; i++) et[i] = expf(-fabsf(xt[i]) * two_over_t);
      mlk_chunks_from_e(xt, et, K, tau, rt, wt);
      continue;
    }
    /* No e wanted (forward): MLK_HASH_LANES chunks at a time through a small buffer. */
    float et[MLK_HASH_LANES * MLK_MAX_TAU];
    for (int k = 0; k < K; k += MLK_HASH_LANES) {
      const int count = K - k < MLK_HASH_LANES ? K - k : MLK_HASH_LANES;
      const float *xk = xt + (size_t)k * tau;
      for (int i = 0; i < count * tau; i++) et[i] = expf(-fabsf(xk[i]) * two_over_t);
      mlk_chunks_from_e(xk, et, count, tau, rt + k, wt + k);
      for (int j = k; j < k + count; j++) rt[j] += (uint32_t)k << tau;
    }
  }
}

/* Weight of one row, with the int8 row scale folded in (value = q * scale). */
static inline float row_weight(const mlk_table *T, uint32_t row, float w) {
  return T->dtype == MLK_I8 ? w * T->scales[row] : w;
}

static void fwd_row_portable(const mlk_table *T, const uint32_t *rows, const float *w, int c0, int c1,
                             const float *bias, float *y) {
  for (int j = c0; j < c1; j++) y[j] = bias ? bias[j] : 0.0f;
  const size_t out = (size_t)T->out;
  for (int k = 0; k < T->K; k++) {
    const uint32_t r = rows[k];
    const float wk = row_weight(T, r, w[k]);
    if (T->dtype == MLK_F32) {
      const float *p = (const float *)T->data + r * out;
      for (int j = c0; j < c1; j++) y[j] += wk * p[j];
    } else if (T->dtype == MLK_F16) {
      const uint16_t *p = (const uint16_t *)T->data + r * out;
      for (int j = c0; j < c1; j++) y[j] += wk * mlk_half_to_float(p[j]);
    } else {
      const int8_t *p = (const int8_t *)T->data + r * out;
      for (int j = c0; j < c1; j++) y[j] += wk * (float)p[j];
    }
  }
}

static void fwd_tile_portable(const mlk_table *T, const uint32_t *rows, const float *w, int N, int tile, int t1,
                              const struct mlk_tile_io *io) {
  (void)t1;
  const int K = T->K, G = mlk_group_chunks(T);
  const size_t tbase = (size_t)tile * ((size_t)K << T->tau) * MLK_TILE;
  for (int g0 = 0; g0 < K; g0 += G) {
    const int g1 = g0 + G < K ? g0 + G : K;
    for (int n = 0; n < N; n++) {
      float *an = io->acc + (size_t)n * MLK_TILE;
      if (g0 == 0) memcpy(an, io->init, MLK_TILE * sizeof(float));
      for (int k = g0; k < g1; k++) {
        const float wk = w[(size_t)k * N + n];
        const size_t off = tbase + (size_t)rows[(size_t)k * N + n] * MLK_TILE;
        if (T->dtype == MLK_F32) {
          const float *p = (const float *)T->data + off;
          for (int c = 0; c < MLK_TILE; c++) an[c] += wk * p[c];
        } else if (T->dtype == MLK_F16) {
          const uint16_t *p = (const uint16_t *)T->data + off;
          for (int c = 0; c < MLK_TILE; c++) an[c] += wk * mlk_half_to_float(p[c]);
        } else {
          const int8_t *p = (const int8_t *)T->data + off;
          for (int c = 0; c < MLK_TILE; c++) an[c] += wk * (float)p[c];
        }
      }
      if (g1 == K) memcpy(io->y + (size_t)n * io->stride, an, (size_t)io->cols * sizeof(float));
    }
  }
}

/* Value j of table row r in either layout, dequantised except for the int8 scale. */
static inline float raw_value(const mlk_table *T, size_t r, int j) {
  size_t off;
  if (T->layout == MLK_ROW) {
    off = r * (size_t)T->out + j;
  } else {
    const size_t nrows = (size_t)T->K << T->tau;
    off = ((size_t)(j / MLK_TILE) * nrows + r) * MLK_TILE + (j % MLK_TILE);
  }
  if (T->dtype == MLK_F32) return ((const float *)T->data)[off];
  if (T->dtype == MLK_F16) return mlk_half_to_float(((const uint16_t *)T->data)[off]);
  return (float)((const int8_t *)T->data)[off];
}

static float dot_row_portable(const mlk_table *T, uint32_t row, const float *dy) {
  float s = 0.0f;
  for (int j = 0; j < T->out; j++) s += dy[j] * raw_value(T, row, j);
  return T->dtype == MLK_I8 ? s * T->scales[row] : s;
}

static void axpy_portable(float *dst, float a, const float *src, int n) {
  for (int j = 0; j < n; j++) dst[j] += a * src[j];
}

static float sum_portable(const float *src, size_t n) {
  float s[8] = {0};
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int l = 0; l < 8; l++) s[l] += src[i + l];
  for (; i < n; i++) s[0] += src[i];
  return s[0] + s[1] + s[2] + s[3] + s[4] + s[5] + s[6] + s[7];
}

static void to_half_portable(const float *src, uint16_t *dst, size_t n) {
  for (size_t i = 0; i < n; i++) dst[i] = mlk_float_to_half(src[i]);
}

const mlk_isa mlk_isa_portable = {
    "portable", hash_portable, fwd_row_portable, fwd_tile_portable, dot_row_portable,
    axpy_portable, sum_portable, to_half_portable,
};
