/*
 * Memory Layer kernels: instruction-set choice, argument checks, scratch memory and the split of
 * work among threads. The arithmetic lives in mlk_avx512.c, mlk_avx2.c and mlk_portable.c.
 *
 * Thread splits (each output value is always computed by one thread, by the same code, in the
 * same order, so results are bit-identical for any thread count):
 *   index pass        tokens
 *   forward, row      tokens when N >= threads, else output columns (blocks of 16)
 *   forward, tiled    64-column tiles
 *   backward dx       tokens
 *   backward dBias    output columns (sum over tokens in token order)
 *   backward dTable   table chunks k (each thread adds into only its own chunks' rows, tokens in order)
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "mlk_isa.h"

static const mlk_isa *g_isa = NULL;

#if defined(__x86_64__) || defined(__i386__)
#define MLK_X86 1
#endif

int mlk_isa_supported(const char *name) {
  if (strcmp(name, "portable") == 0) return 1;
#ifdef MLK_X86
  __builtin_cpu_init();
  const int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
  if (strcmp(name, "avx2") == 0) return avx2;
  if (strcmp(name, "avx512") == 0)
    return avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl");
#endif
  return 0;
}

static const mlk_isa *isa_by_name(const char *name) {
#ifdef MLK_X86
  if (strcmp(name, "avx512") == 0) return &mlk_isa_avx512;
  if (strcmp(name, "avx2") == 0) return &mlk_isa_avx2;
#endif
  if (strcmp(name, "portable") == 0) return &mlk_isa_portable;
  return NULL;
}

static const mlk_isa *current_isa(void) {
  if (!g_isa) {
    const char *order[] = {"avx512", "avx2", "portable"};
    for (int i = 0; i < 3; i++)
      if (mlk_isa_supported(order[i])) {
        g_isa = isa_by_name(order[i]);
        break;
      }
  }
  return g_isa;
}

const char *mlk_isa_name(void) { return current_isa()->name; }

int mlk_set_isa(const char *name) {
  const mlk_isa *isa = isa_by_name(name);
  if (!isa || !mlk_isa_supported(name)) return -1;
  g_isa = isa;
  return 0;
}

int mlk_has_openmp(void) {
#ifdef _OPENMP
  return 1;
#else
  return 0;
#endif
}

int mlk_max_threads(void) {
#ifdef _OPENMP
  return omp_get_num_procs();
#else
  return 1;
#endif
}

const char *mlk_error_text(int code) {
  switch (code) {
    case MLK_OK: return "ok";
    case MLK_EBADARG: return "invalid argument (sizes, dtype, layout, tau or temperature)";
    case MLK_ENOMEM: return "out of memory for kernel scratch space";
    default: return "unknown error";
  }
}

static int table_ok(const mlk_table *T) {
  return T && T->data && T->K > 0 && T->tau >= 1 && T->tau <= MLK_MAX_TAU && T->out > 0 &&
         (T->dtype == MLK_F32 || T->dtype == MLK_F16 || (T->dtype == MLK_I8 && T->scales)) &&
         (T->layout == MLK_ROW || T->layout == MLK_TILED);
}

/* [begin, end) of `total` items for thread tid of nth, boundaries rounded to multiples of align. */
static void split(int total, int nth, int tid, int align, int *begin, int *end) {
  const int units = (total + align - 1) / align;
  const int b = (int)((long long)units * tid / nth) * align, e = (int)((long long)units * (tid + 1) / nth) * align;
  *begin = b < total ? b : total;
  *end = e < total ? e : total;
}

/* Per calling thread, grow-only: no allocation on the hot path once warm. Each calling thread has
 * its own, so kernels may be called from several JS workers at once. */
static _Thread_local void *t_scratch = NULL;
static _Thread_local size_t t_scratch_bytes = 0;

static void *scratch(size_t bytes) {
  if (bytes > t_scratch_bytes) {
    free(t_scratch);
    size_t cap = bytes + bytes / 4;
    cap = (cap + 63) & ~(size_t)63;
    t_scratch = aligned_alloc(64, cap);
    t_scratch_bytes = t_scratch ? cap : 0;
  }
  return t_scratch;
}

typedef struct {
  uint32_t *rows;
  float *w, *e;
  uint32_t *rows_t; /* tiled forward: rows and weights chunk-major, [K][N] (int8 scale in w_t) */
  float *w_t;
  float *tiles; /* tiled forward: one [N][64] accumulator per thread */
} hash_buffers;

/* e is only kept for the backward pass (with_e); the tiled forward needs tile_threads accumulators. */
static int hash_scratch(const mlk_table *T, int N, int with_e, int tile_threads, hash_buffers *hb) {
  const size_t nk = (size_t)N * T->K, nx = with_e ? nk * T->tau : 0;
  const size_t a = (nk * 4 + 63) & ~(size_t)63, ex = (nx * 4 + 63) & ~(size_t)63;
  const size_t tr = tile_threads ? 2 * a : 0;
  char *s = (char *)scratch(2 * a + ex + tr + (size_t)tile_threads * N * MLK_TILE * 4);
  if (!s) return MLK_ENOMEM;
  hb->rows = (uint32_t *)s;
  hb->w = (float *)(s + a);
  hb->e = with_e ? (float *)(s + 2 * a) : NULL;
  hb->rows_t = tile_threads ? (uint32_t *)(s + 2 * a + ex) : NULL;
  hb->w_t = tile_threads ? (float *)(s + 3 * a + ex) : NULL;
  hb->tiles = (float *)(s + 2 * a + ex + tr);
  return MLK_OK;
}

/* Chunks [k0, k1) of the index pass's token-major rows and weights, [N][K], to the tiled forward's
 * chunk-major [K][N], with the int8 row scale folded into the weight. In 16 x 16 blocks: walking one
 * chunk across all tokens read every value from another cache line (this pass alone took 44 us at
 * d = 512, N = 512, 2 threads, and takes 26 us so; within the noise of a whole forward call). */
#define MLK_TRANSPOSE_BLOCK 16
static void chunk_major(const mlk_table *T, const hash_buffers *hb, int N, int k0, int k1) {
  const int K = T->K, B = MLK_TRANSPOSE_BLOCK;
  const float *scales = T->dtype == MLK_I8 ? T->scales : NULL;
  for (int kb = k0; kb < k1; kb += B) {
    const int ke = kb + B < k1 ? kb + B : k1;
    for (int ib = 0; ib < N; ib += B) {
      const int ie = ib + B < N ? ib + B : N;
      for (int k = kb; k < ke; k++)
        for (int i = ib; i < ie; i++) {
          const uint32_t r = hb->rows[(size_t)i * K + k];
          const float wk = hb->w[(size_t)i * K + k];
          hb->rows_t[(size_t)k * N + i] = r;
          hb->w_t[(size_t)k * N + i] = scales ? wk * scales[r] : wk;
        }
    }
  }
}

/* Tiles [t0, t1) of y [N, out]: each tile accumulates in this thread's contiguous acc [N][64],
 * then is copied out. */
static void forward_tiles(const mlk_isa *isa, const mlk_table *T, const hash_buffers *hb, int N, int t0, int t1,
                          const float *bias, float *acc, float *y) {
  const int out = T->out;
  for (int tile = t0; tile < t1; tile++) {
    const int col0 = tile * MLK_TILE, cols = out - col0 < MLK_TILE ? out - col0 : MLK_TILE;
    float init[MLK_TILE] __attribute__((aligned(64))) = {0};
    if (bias) memcpy(init, bias + col0, (size_t)cols * 4);
    const struct mlk_tile_io io = {init, acc, y + col0, (size_t)out, cols};
    isa->fwd_tile(T, hb->rows_t, hb->w_t, N, tile, t1, &io);
  }
}

static int clamp_threads(int threads) { return threads < 1 ? 1 : threads > 256 ? 256 : threads; }

#ifdef _OPENMP
#define THREAD_ID() omp_get_thread_num()
#define THREAD_COUNT() omp_get_num_threads()
#else
#define THREAD_ID() 0
#define THREAD_COUNT() 1
#endif

int mlk_forward(const mlk_table *T, const float *x, int N, const float *bias, float t, float *y, int threads) {
  if (!table_ok(T) || !x || !y || N < 0 || !(t > 0.0f) || !isfinite(t)) return MLK_EBADARG;
  if (N == 0) return MLK_OK;
  const mlk_isa *isa = current_isa();
  const int K = T->K, out = T->out, nt = clamp_threads(threads);
  hash_buffers hb;
  if (hash_scratch(T, N, 0, T->layout == MLK_TILED ? nt : 0, &hb)) return MLK_ENOMEM;
  const size_t n = (size_t)K * T->tau;
  const float s = 2.0f / t;
#pragma omp parallel num_threads(nt) if (nt > 1)
  {
    const int tid = THREAD_ID(), nth = THREAD_COUNT();
    int a, b;
    split(N, nth, tid, 1, &a, &b);
    if (b > a) isa->hash(x + a * n, b - a, K, T->tau, s, hb.rows + (size_t)a * K, hb.w + (size_t)a * K, NULL);
#pragma omp barrier
    if (T->layout == MLK_TILED) {
      split(K, nth, tid, 1, &a, &b);
      if (b > a) chunk_major(T, &hb, N, a, b);
#pragma omp barrier
      split(mlk_ntiles(out), nth, tid, 1, &a, &b);
      if (b > a) forward_tiles(isa, T, &hb, N, a, b, bias, hb.tiles + (size_t)tid * N * MLK_TILE, y);
    } else if (N >= nth) {
      split(N, nth, tid, 1, &a, &b);
      for (int i = a; i < b; i++)
        isa->fwd_row(T, hb.rows + (size_t)i * K, hb.w + (size_t)i * K, 0, out, bias, y + (size_t)i * out);
    } else {
      split(out, nth, tid, 16, &a, &b);
      if (b > a)
        for (int i = 0; i < N; i++)
          isa->fwd_row(T, hb.rows + (size_t)i * K, hb.w + (size_t)i * K, a, b, bias, y + (size_t)i * out);
    }
  }
  return MLK_OK;
}

int mlk_backward(const mlk_table *T, const float *x, int N, float t, const float *dy, float *dx, float *dtable,
                 float *dbias, int threads) {
  if (!table_ok(T) || !x || !dy || N < 0 || !(t > 0.0f) || !isfinite(t)) return MLK_EBADARG;
  if (N == 0) return MLK_OK;
  const mlk_isa *isa = current_isa();
  hash_buffers hb;
  if (hash_scratch(T, N, 1, 0, &hb)) return MLK_ENOMEM;
  const int K = T->K, tau = T->tau, out = T->out, nt = clamp_threads(threads);
  const size_t n = (size_t)K * tau;
  const float s = 2.0f / t;
#pragma omp parallel num_threads(nt) if (nt > 1)
  {
    const int tid = THREAD_ID(), nth = THREAD_COUNT();
    int a, b;
    split(N, nth, tid, 1, &a, &b);
    if (b > a) isa->hash(x + a * n, b - a, K, tau, s, hb.rows + (size_t)a * K, hb.w + (size_t)a * K, hb.e + a * n);
#pragma omp barrier
    if (dx) {
      /* dx_ki = <dy, T[row_k]> p_k (2/t) sign(z_ki) sigmoid(-2|z_ki|/t), sigmoid(-a) = e/(1+e). */
      for (int i = a; i < b; i++) {
        const float *dyi = dy + (size_t)i * out;
        for (int k = 0; k < K; k++) {
          const size_t ik = (size_t)i * K + k, o = i * n + (size_t)k * tau;
          const float coef = isa->dot_row(T, hb.rows[ik], dyi) * hb.w[ik] * s;
          for (int j = 0; j < tau; j++) {
            const float z = x[o + j], e = hb.e[o + j];
            const float sg = z > 0.0f ? 1.0f : z < 0.0f ? -1.0f : 0.0f;
            dx[o + j] = coef * sg * (e / (1.0f + e));
          }
        }
      }
    }
    if (dbias) {
      split(out, nth, tid, 16, &a, &b);
      for (int i = 0; i < N; i++) {
        const float *dyi = dy + (size_t)i * out;
        for (int j = a; j < b; j++) dbias[j] += dyi[j];
      }
    }
    if (dtable) {
      split(K, nth, tid, 1, &a, &b);
      for (int i = 0; i < N; i++) {
        const float *dyi = dy + (size_t)i * out;
        for (int k = a; k < b; k++) {
          const size_t ik = (size_t)i * K + k;
          isa->axpy(dtable + (size_t)hb.rows[ik] * out, hb.w[ik], dyi, out);
        }
      }
    }
  }
  return MLK_OK;
}

static void quantise_row(const float *src, int count, float scale, int8_t *dst) {
  for (int j = 0; j < count; j++) {
    float q = nearbyintf(src[j] / scale);
    q = q > 127.0f ? 127.0f : q < -127.0f ? -127.0f : q;
    dst[j] = (int8_t)q;
  }
}

int mlk_pack(const float *src, size_t rows, int out, int dtype, int layout, void *dst, float *scales) {
  if (!src || !dst || out <= 0 || (dtype != MLK_F32 && dtype != MLK_F16 && dtype != MLK_I8) ||
      (layout != MLK_ROW && layout != MLK_TILED) || (dtype == MLK_I8 && !scales))
    return MLK_EBADARG;
  const mlk_isa *isa = current_isa();
  const size_t es = mlk_esize(dtype);
  const int ntiles = layout == MLK_TILED ? mlk_ntiles(out) : 1;
  for (size_t r = 0; r < rows; r++) {
    const float *sr = src + r * out;
    float scale = 1.0f;
    if (dtype == MLK_I8) {
      float m = 0.0f;
      for (int j = 0; j < out; j++) m = fabsf(sr[j]) > m ? fabsf(sr[j]) : m;
      scale = m > 0.0f ? m / 127.0f : 1.0f;
      scales[r] = scale;
    }
    for (int tile = 0; tile < ntiles; tile++) {
      const int col0 = layout == MLK_TILED ? tile * MLK_TILE : 0;
      const int width = layout == MLK_TILED ? MLK_TILE : out;
      const int count = out - col0 < width ? out - col0 : width;
      const size_t off = layout == MLK_TILED ? ((size_t)tile * rows + r) * MLK_TILE : r * out;
      char *d = (char *)dst + off * es;
      if (dtype == MLK_F32) memcpy(d, sr + col0, (size_t)count * 4);
      else if (dtype == MLK_F16) isa->to_half(sr + col0, (uint16_t *)d, (size_t)count);
      else quantise_row(sr + col0, count, scale, (int8_t *)d);
      if (count < width) memset(d + (size_t)count * es, 0, (size_t)(width - count) * es);
    }
  }
  return MLK_OK;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

volatile float mlk_bandwidth_sink;

double mlk_read_bandwidth(size_t bytes, int reps, int threads) {
  const size_t n = bytes / 4;
  if (n < 1024 || reps < 1) return 0.0;
  float *buf = (float *)aligned_alloc(64, (n * 4 + 63) & ~(size_t)63);
  if (!buf) return 0.0;
  const mlk_isa *isa = current_isa();
  const int nt = clamp_threads(threads);
  /* Each thread first-touches the part it later reads (pages land on its NUMA node). */
#pragma omp parallel num_threads(nt) if (nt > 1)
  {
    const int tid = THREAD_ID(), nth = THREAD_COUNT();
    const size_t b = n * tid / nth, e = n * (tid + 1) / nth;
    for (size_t i = b; i < e; i++) buf[i] = (float)(i & 7);
  }
  double *times = (double *)malloc(sizeof(double) * (size_t)reps);
  for (int r = 0; r < reps; r++) {
    const double t0 = now_s();
    float total = 0.0f;
#pragma omp parallel num_threads(nt) if (nt > 1) reduction(+ : total)
    {
      const int tid = THREAD_ID(), nth = THREAD_COUNT();
      const size_t b = n * tid / nth, e = n * (tid + 1) / nth;
      total += isa->sum(buf + b, e - b);
    }
    times[r] = now_s() - t0;
    mlk_bandwidth_sink = total;
  }
  qsort(times, (size_t)reps, sizeof(double), cmp_double);
  const double median = times[reps / 2];
  free(times);
  free(buf);
  return (double)(n * 4) / median / 1e9;
}
