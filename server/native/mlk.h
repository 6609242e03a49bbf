/*
 * Memory Layer CPU kernels (MemoryFormer, arXiv 2411.12992): public C API.
 *
 * Semantics, for x [N, n] float32 split into K = n / tau chunks z_k of tau values:
 *   idx_k = sum_i [z_ki >= 0] 2^i,  p_k = prod_i sigmoid(2 |z_ki| / t),
 *   y[N, out] = bias + sum_k p_k * table[k * 2^tau + idx_k, :].
 * Backward (paper Eq. 12): dTable[row_k] += p_k dy, dBias += sum dy,
 *   dx_ki = <dy, table[row_k]> p_k (2/t) sign(z_ki) sigmoid(-2 |z_ki| / t).
 *
 * Every result is independent of the thread count: work is split by tokens, output columns,
 * column tiles or table chunks, so each output value is always computed by the same arithmetic
 * in the same order (no atomics, no racing reductions).
 */
#ifndef MLK_H
#define MLK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum mlk_dtype { MLK_F32 = 0, MLK_F16 = 1, MLK_I8 = 2 };
enum mlk_layout { MLK_ROW = 0, MLK_TILED = 1 };

/* Output columns per tile in the column-tiled layout: tiled data is [ceil(out/64)][rows][64],
 * the last tile zero-padded. 64 float32 = 4 AVX-512 registers = one token's tile in registers. */
#define MLK_TILE 64
#define MLK_MAX_TAU 16

typedef struct {
  const void *data;     /* float (fp32), uint16 IEEE half (fp16) or int8 values */
  const float *scales;  /* int8 only: one scale per table row (value = q * scale) */
  int dtype;            /* enum mlk_dtype */
  int layout;           /* enum mlk_layout */
  int K, tau, out;      /* rows = K << tau */
} mlk_table;

/* Error codes (0 = ok). mlk_error_text() explains each. */
enum {
  MLK_OK = 0,
  MLK_EBADARG = 1,
  MLK_ENOMEM = 2
};

/* y [N, out] = bias + sum_k p_k table[row_k]. bias may be NULL. */
int mlk_forward(const mlk_table *T, const float *x, int N, const float *bias, float t, float *y, int threads);

/* dx [N, n] is written (may be NULL); dTable [K << tau, out] float32 row-major and dBias [out] are
 * ACCUMULATED into (gradient buffers: the caller zeroes them); either may be NULL. */
int mlk_backward(const mlk_table *T, const float *x, int N, float t, const float *dy, float *dx, float *dtable,
                 float *dbias, int threads);

/* Packs a float32 row-major table [rows, out] into dtype/layout. dst holds rows*out values (row
 * layout) or ceil(out/64)*rows*64 values (tiled); scales [rows] is required for int8.
 * fp16: round to nearest even (overflow -> inf). int8: scale = maxabs/127 (1 if the row is all
 * zeros), q = round_half_even(v / scale) in float32. */
int mlk_pack(const float *src, size_t rows, int out, int dtype, int layout, void *dst, float *scales);

/* Read bandwidth (GB/s, median of reps) of a sum over a buffer of `bytes`, with `threads` threads. */
double mlk_read_bandwidth(size_t bytes, int reps, int threads);

/* Instruction-set paths: "avx512", "avx2", "portable". */
const char *mlk_isa_name(void);
/* Chooses a path by name; returns 0, or -1 if this CPU cannot run it (nothing changes). */
int mlk_set_isa(const char *name);
/* Whether the CPU can run the named path. */
int mlk_isa_supported(const char *name);
int mlk_has_openmp(void);
int mlk_max_threads(void);
const char *mlk_error_text(int code);

#ifdef __cplusplus
}
#endif
#endif
