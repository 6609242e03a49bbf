/*
 * The per-instruction-set kernel table. Each path (avx512, avx2, portable) implements the same
 * functions; mlk.c chooses one at run time with __builtin_cpu_supports and splits the work
 * among threads. Inside one path every output value is computed the same way whatever the split.
 */
#ifndef MLK_ISA_H
#define MLK_ISA_H

#include "mlk.h"

/* Where one tile's sums start and end. Starting from `init` and writing the last chunk group
 * straight to y saves a copy of every token's tile in and out. */
struct mlk_tile_io {
  const float *init; /* [64]: the bias's columns of this tile, zero-padded */
  float *acc;        /* [N][64], 64-byte aligned: sums between chunk groups (a stride of `out` would map
                      * every token's tile to the same cache sets) */
  float *y;          /* this tile's first column of token 0; token n's at y + n * stride */
  size_t stride;     /* out */
  int cols;          /* valid columns: 64, or fewer in a partial last tile */
};

typedef struct {
  const char *name;
  /* Index pass for ntok tokens: rows[t*K+k] = k*2^tau + idx, w[t*K+k] = p_k, and, unless e is
   * NULL (the forward pass), e[t*n+i] = exp(-2|x|/t) for the backward pass. */
  void (*hash)(const float *x, int ntok, int K, int tau, float two_over_t, uint32_t *rows, float *w, float *e);
  /* One token, row-major table, output columns [c0, c1): y = bias + sum_k w_k table[rows_k]. */
  void (*fwd_row)(const mlk_table *T, const uint32_t *rows, const float *w, int c0, int c1, const float *bias,
                  float *y);
  /* Column-tiled table, one tile, all N tokens: y[n, tile's columns] = io->init + sum_k w_k
   * table[tile][rows_k], with rows and w chunk-major ([K][N]) and the int8 row scale already folded
   * into w. Chunk groups after the first continue from io->acc, groups before the last leave their
   * sums there. t1 ends the caller's tiles (the next tile's first slice may be prefetched). */
  void (*fwd_tile)(const mlk_table *T, const uint32_t *rows, const float *w, int N, int tile, int t1, const struct mlk_tile_io *io);
  /* <dy, table[row]> over all out columns (dequantised values, any layout). */
  float (*dot_row)(const mlk_table *T, uint32_t row, const float *dy);
  /* dst[0..n) += a * src[0..n). */
  void (*axpy)(float *dst, float a, const float *src, int n);
  /* Sum of n floats (read-bandwidth probe). */
  float (*sum)(const float *src, size_t n);
  /* Float32 -> IEEE half, round to nearest even. */
  void (*to_half)(const float *src, uint16_t *dst, size_t n);
} mlk_isa;

extern const mlk_isa mlk_isa_portable;
extern const mlk_isa mlk_isa_avx2;
extern const mlk_isa mlk_isa_avx512;

/* Shared scalar helpers (mlk_portable.c). */
float mlk_half_to_float(uint16_t h);
uint16_t mlk_float_to_half(float f);

/* Row pointer arithmetic shared by every path. */
static inline size_t mlk_esize(int dtype) { return dtype == MLK_F32 ? 4 : dtype == MLK_F16 ? 2 : 1; }
static inline int mlk_ntiles(int out) { return (out + MLK_TILE - 1) / MLK_TILE; }

/* Chunks per group in the tiled forward: their rows of one tile (2^tau * 64 values each) should
 * stay in L2 while every token block walks them, beside the next group's slice being prefetched
 * and the output tile. */
#ifndef MLK_GROUP_BYTES
#define MLK_GROUP_BYTES (256u * 1024u)
#endif
static inline int mlk_group_chunks(const mlk_table *T) {
  size_t slice = ((size_t)1 << T->tau) * MLK_TILE * mlk_esize(T->dtype);
  size_t g = (size_t)MLK_GROUP_BYTES / slice;
  if (g < 1) g = 1;
  if (g > (size_t)T->K) g = (size_t)T->K;
  return (int)g;
}

/* From e_i = exp(-2|z_i|/t) and the signs of one token's x, each chunk's row and weight:
 * row = k*2^tau + sum_i [z_i >= 0] 2^i, p = prod_i sigmoid(2|z_i|/t) = 1 / prod_i (1 + e_i).
 * Shared by every path so the index pass only differs in how exp is evaluated. Eight chunks at a
 * time: one chunk's product is a chain of tau dependent multiplies (4 cycles each), so walking the
 * chunks one by one cost a third of a 512-token forward; eight independent chains hide the latency.
 * Each chunk's product is still taken in the order i = 0..tau-1. */
#define MLK_HASH_LANES 8
static inline void mlk_chunks_from_e(const float *xt, const float *et, int K, int tau, uint32_t *rows, float *w) {
  int k = 0;
  for (; k + MLK_HASH_LANES <= K; k += MLK_HASH_LANES) {
    uint32_t idx[MLK_HASH_LANES] = {0};
    float prod[MLK_HASH_LANES];
    for (int l = 0; l < MLK_HASH_LANES; l++) prod[l] = 1.0f;
    for (int i = 0; i < tau; i++)
      for (int l = 0; l < MLK_HASH_LANES; l++) {
        const size_t o = (size_t)(k + l) * tau + i;
        idx[l] |= (uint32_t)(xt[o] >= 0.0f) << i;
        prod[l] *= 1.0f + et[o];
      }
    for (int l = 0; l < MLK_HASH_LANES; l++) {
      rows[k + l] = ((uint32_t)(k + l) << tau) + idx[l];
      w[k + l] = 1.0f / prod[l];
    }
  }
  for (; k < K; k++) {
    const float *z = xt + (size_t)k * tau;
    const float *ek = et + (size_t)k * tau;
    uint32_t idx = 0;
    float prod = 1.0f;
    for (int i = 0; i < tau; i++) {
      idx |= (uint32_t)(z[i] >= 0.0f) << i;
      prod *= 1.0f + ek[i];
    }
    rows[k] = ((uint32_t)k << tau) + idx;
    w[k] = 1.0f / prod;
  }
}

/* With many tokens nearly every row of a chunk group is used, so while one group is computed the
 * next group's slice (a contiguous range) is prefetched into L2, a few lines per token block:
 * its first touch becomes a sequential stream instead of random 256-byte reads. */
#ifndef MLK_STREAM_MIN_TOKENS
#define MLK_STREAM_MIN_TOKENS 128
#endif

typedef struct {
  const char *next, *end;
  size_t step; /* bytes per token block */
} mlk_stream;

/* Prefetch plan for the slice after (tile, [g0, g1)): the next group of this tile, or the first
 * group of the next tile. Empty when there are few tokens or nothing follows. */
static inline mlk_stream mlk_next_slice(const mlk_table *T, int tile, int t1, int g1, int G, int N, int blocks) {
  mlk_stream s = {0, 0, 0};
  if (N < MLK_STREAM_MIN_TOKENS || blocks < 1) return s;
  const size_t es = mlk_esize(T->dtype), nrows = (size_t)T->K << T->tau;
  const size_t row_bytes = MLK_TILE * es;
  size_t first_row, count;
  if (g1 < T->K) {
    first_row = (size_t)g1 << T->tau;
    count = (size_t)((g1 + G < T->K ? g1 + G : T->K) - g1) << T->tau;
  } else if (tile + 1 < t1) {
    tile++;
    first_row = 0;
    count = (size_t)(G < T->K ? G : T->K) << T->tau;
  } else {
    return s;
  }
  s.next = (const char *)T->data + ((size_t)tile * nrows + first_row) * row_bytes;
  s.end = s.next + count * row_bytes;
  s.step = ((count * row_bytes + blocks - 1) / blocks + 63) & ~(size_t)63;
  return s;
}

static inline void mlk_stream_advance(mlk_stream *s) {
  const char *stop = s->next + s->step < s->end ? s->next + s->step : s->end;
  for (; s->next < stop; s->next += 64) __builtin_prefetch(s->next, 0, 2);
}

#endif /* MLK_ISA_H */
