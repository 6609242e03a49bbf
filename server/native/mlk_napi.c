/*
 * Node-API binding (plain node_api.h, C). Arguments are positional and outputs are caller-owned
 * typed arrays, so one call costs about a microsecond and allocates nothing. The TypeScript
 * wrapper (server/src/kernels/native-binding.ts) checks shapes with clear messages; the checks
 * here only guard memory safety.
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlk.h"
#include "mlk_decode.h"
#include "mlk_adamw.h"

#define CHECK(call)                                                   \
  do {                                                                \
    if ((call) != napi_ok) {                                          \
      napi_throw_error(env, NULL, "memory-layer native: " #call " failed"); \
      return NULL;                                                    \
    }                                                                 \
  } while (0)

static napi_value fail(napi_env env, const char *msg) {
  char buf[256];
  snprintf(buf, sizeof buf, "memory-layer native: %s", msg);
  napi_throw_error(env, NULL, buf);
  return NULL;
}

typedef struct {
  void *data;
  size_t length;
  napi_typedarray_type type;
  int present;
} view;

/* A typed array argument (or null/undefined when optional). Returns 0 on a wrong type. */
static int get_view(napi_env env, napi_value v, int optional, view *out) {
  napi_valuetype t;
  memset(out, 0, sizeof *out);
  if (napi_typeof(env, v, &t) != napi_ok) return 0;
  if (t == napi_null || t == napi_undefined) return optional;
  bool is_ta = false;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta) return 0;
  napi_value ab;
  size_t off;
  if (napi_get_typedarray_info(env, v, &out->type, &out->length, &out->data, &ab, &off) != napi_ok) return 0;
  out->present = 1;
  return 1;
}

static int get_i32(napi_env env, napi_value v, int *out) { return napi_get_value_int32(env, v, out) == napi_ok; }

static int get_f32(napi_env env, napi_value v, float *out) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok) return 0;
  *out = (float)d;
  return 1;
}

/* Reads the table arguments data, dtype, layout, scales, K, tau, out starting at argv[i]. */
static const char *get_table(napi_env env, napi_value *argv, mlk_table *T, view *data, view *scales) {
  if (!get_view(env, argv[0], 0, data)) return "table data must be a typed array";
  if (!get_i32(env, argv[1], &T->dtype) || !get_i32(env, argv[2], &T->layout)) return "dtype/layout must be integers";
  if (!get_view(env, argv[3], 1, scales)) return "scales must be a Float32Array or null";
  if (!get_i32(env, argv[4], &T->K) || !get_i32(env, argv[5], &T->tau) || !get_i32(env, argv[6], &T->out))
    return "K, tau, out must be integers";
  if (T->K <= 0 || T->tau < 1 || T->tau > MLK_MAX_TAU || T->out <= 0) return "K, out must be > 0 and tau in 1..16";
  const napi_typedarray_type want = T->dtype == MLK_F32 ? napi_float32_array
                                    : T->dtype == MLK_F16 ? napi_uint16_array
                                    : T->dtype == MLK_I8  ? napi_int8_array
                                                          : (napi_typedarray_type)-1;
  if (data->type != want) return "table data type does not match dtype (fp32: Float32Array, fp16: Uint16Array, int8: Int8Array)";
  const size_t rows = (size_t)T->K << T->tau;
  const size_t need = T->layout == MLK_TILED ? (size_t)((T->out + MLK_TILE - 1) / MLK_TILE) * rows * MLK_TILE
                                             : rows * (size_t)T->out;
  if (data->length < need) return "table data is shorter than its K, tau, out and layout need";
  if (T->dtype == MLK_I8 && (!scales->present || scales->type != napi_float32_array || scales->length < rows))
    return "int8 tables need a Float32Array of one scale per row";
  T->data = data->data;
  T->scales = scales->present ? (const float *)scales->data : NULL;
  return NULL;
}

static int is_f32(const view *v, size_t need) { return v->present && v->type == napi_float32_array && v->length >= need; }

/* forward(x, N, data, dtype, layout, scales, K, tau, out, bias, t, y, threads) */
static napi_value js_forward(napi_env env, napi_callback_info info) {
  size_t argc = 13;
  napi_value argv[13];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 13) return fail(env, "forward expects 13 arguments");
  mlk_table T;
  view x, data, scales, bias, y;
  int N, threads;
  float t;
  if (!get_view(env, argv[0], 0, &x) || !get_i32(env, argv[1], &N) || N < 0) return fail(env, "bad x or N");
  const char *err = get_table(env, argv + 2, &T, &data, &scales);
  if (err) return fail(env, err);
  if (!get_view(env, argv[9], 1, &bias) || !get_f32(env, argv[10], &t) || !get_view(env, argv[11], 0, &y) ||
      !get_i32(env, argv[12], &threads))
    return fail(env, "bad bias, t, y or threads");
  const size_t n = (size_t)T.K * T.tau;
  if (!is_f32(&x, (size_t)N * n)) return fail(env, "x must be a Float32Array of N * K * tau values");
  if (!is_f32(&y, (size_t)N * T.out)) return fail(env, "y must be a Float32Array of N * out values");
  if (bias.present && !is_f32(&bias, (size_t)T.out)) return fail(env, "bias must be a Float32Array of out values");
  const int rc = mlk_forward(&T, (const float *)x.data, N, bias.present ? (const float *)bias.data : NULL, t,
                             (float *)y.data, threads);
  if (rc) return fail(env, mlk_error_text(rc));
  return NULL;
}

/* backward(x, N, data, dtype, layout, scales, K, tau, out, t, dy, dx, dTable, dBias, threads) */
static napi_value js_backward(napi_env env, napi_callback_info info) {
  size_t argc = 15;
  napi_value argv[15];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 15) return fail(env, "backward expects 15 arguments");
  mlk_table T;
  view x, data, scales, dy, dx, dt, db;
  int N, threads;
  float t;
  if (!get_view(env, argv[0], 0, &x) || !get_i32(env, argv[1], &N) || N < 0) return fail(env, "bad x or N");
  const char *err = get_table(env, argv + 2, &T, &data, &scales);
  if (err) return fail(env, err);
  if (!get_f32(env, argv[9], &t) || !get_view(env, argv[10], 0, &dy) || !get_view(env, argv[11], 1, &dx) ||
      !get_view(env, argv[12], 1, &dt) || !get_view(env, argv[13], 1, &db) || !get_i32(env, argv[14], &threads))
    return fail(env, "bad t, dy, dx, dTable, dBias or threads");
  const size_t n = (size_t)T.K * T.tau, rows = (size_t)T.K << T.tau;
  if (!is_f32(&x, (size_t)N * n)) return fail(env, "x must be a Float32Array of N * K * tau values");
  if (!is_f32(&dy, (size_t)N * T.out)) return fail(env, "dy must be a Float32Array of N * out values");
  if (dx.present && !is_f32(&dx, (size_t)N * n)) return fail(env, "dx must be a Float32Array of N * K * tau values");
  if (dt.present && !is_f32(&dt, rows * T.out)) return fail(env, "dTable must be a Float32Array of (K << tau) * out");
  if (db.present && !is_f32(&db, (size_t)T.out)) return fail(env, "dBias must be a Float32Array of out values");
  const int rc = mlk_backward(&T, (const float *)x.data, N, t, (const float *)dy.data,
                              dx.present ? (float *)dx.data : NULL, dt.present ? (float *)dt.data : NULL,
                              db.present ? (float *)db.data : NULL, threads);
  if (rc) return fail(env, mlk_error_text(rc));
  return NULL;
}

/* pack(src, rows, out, dtype, layout, dst, scales) */
static napi_value js_pack(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 7) return fail(env, "pack expects 7 arguments");
  view src, dst, scales;
  double rowsd;
  int out, dtype, layout;
  if (!get_view(env, argv[0], 0, &src) || napi_get_value_double(env, argv[1], &rowsd) != napi_ok ||
      !get_i32(env, argv[2], &out) || !get_i32(env, argv[3], &dtype) || !get_i32(env, argv[4], &layout) ||
      !get_view(env, argv[5], 0, &dst) || !get_view(env, argv[6], 1, &scales))
    return fail(env, "bad pack arguments");
  if (rowsd < 0 || out <= 0) return fail(env, "pack: rows must be >= 0 and out > 0");
  const size_t rows = (size_t)rowsd;
  const size_t need = layout == MLK_TILED ? (size_t)((out + MLK_TILE - 1) / MLK_TILE) * rows * MLK_TILE : rows * (size_t)out;
  const napi_typedarray_type want = dtype == MLK_F32 ? napi_float32_array : dtype == MLK_F16 ? napi_uint16_array : napi_int8_array;
  if (!is_f32(&src, rows * (size_t)out)) return fail(env, "pack: src must be a Float32Array of rows * out values");
  if (dst.type != want || dst.length < need) return fail(env, "pack: dst has the wrong type or length");
  if (dtype == MLK_I8 && !is_f32(&scales, rows)) return fail(env, "pack: int8 needs a Float32Array of rows scales");
  const int rc = mlk_pack((const float *)src.data, rows, out, dtype, layout, dst.data,
                          scales.present ? (float *)scales.data : NULL);
  if (rc) return fail(env, mlk_error_text(rc));
  return NULL;
}

/* alignedArray(dtype, length): a zeroed typed array (Float32Array, Uint16Array or Int8Array for
 * dtype 0, 1, 2) whose data starts on a 64-byte boundary. V8 takes large ArrayBuffers from malloc,
 * which aligns them to 16 bytes: every 64-byte tile row of a table then straddles two cache lines,
 * one more line to fetch per row read.
 * The array is a view at an offset into a slightly larger ArrayBuffer, so no external memory. */
static napi_value js_aligned_array(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], ab, r;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int dtype;
  double lengthd;
  if (argc != 2 || !get_i32(env, argv[0], &dtype) || napi_get_value_double(env, argv[1], &lengthd) != napi_ok ||
      dtype < MLK_F32 || dtype > MLK_I8 || !(lengthd >= 0) || lengthd > 9007199254740991.0)
    return fail(env, "alignedArray expects a dtype code (0, 1, 2) and a length >= 0");
  const size_t length = (size_t)lengthd, es = dtype == MLK_F32 ? 4 : dtype == MLK_F16 ? 2 : 1;
  void *data;
  CHECK(napi_create_arraybuffer(env, length * es + 64, &data, &ab));
  const size_t offset = (64 - ((uintptr_t)data & 63)) & 63;
  const napi_typedarray_type type = dtype == MLK_F32 ? napi_float32_array : dtype == MLK_F16 ? napi_uint16_array : napi_int8_array;
  CHECK(napi_create_typedarray(env, type, length, ab, offset, &r));
  return r;
}

static napi_value js_info(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value o, v, arr;
  CHECK(napi_create_object(env, &o));
  CHECK(napi_create_string_utf8(env, mlk_isa_name(), NAPI_AUTO_LENGTH, &v));
  CHECK(napi_set_named_property(env, o, "isa", v));
  CHECK(napi_create_array(env, &arr));
  const char *names[] = {"avx512", "avx2", "portable"};
  uint32_t count = 0;
  for (int i = 0; i < 3; i++)
    if (mlk_isa_supported(names[i])) {
      CHECK(napi_create_string_utf8(env, names[i], NAPI_AUTO_LENGTH, &v));
      CHECK(napi_set_element(env, arr, count++, v));
    }
  CHECK(napi_set_named_property(env, o, "supported", arr));
  CHECK(napi_get_boolean(env, mlk_has_openmp(), &v));
  CHECK(napi_set_named_property(env, o, "openmp", v));
  CHECK(napi_create_int32(env, mlk_max_threads(), &v));
  CHECK(napi_set_named_property(env, o, "maxThreads", v));
  return o;
}

static napi_value js_set_isa(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], r;
  char name[32];
  size_t len;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 1 || napi_get_value_string_utf8(env, argv[0], name, sizeof name, &len) != napi_ok)
    return fail(env, "setIsa expects a name");
  CHECK(napi_get_boolean(env, mlk_set_isa(name) == 0, &r));
  return r;
}

static napi_value js_read_bandwidth(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], r;
  double bytes;
  int reps, threads;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 3 || napi_get_value_double(env, argv[0], &bytes) != napi_ok || !get_i32(env, argv[1], &reps) ||
      !get_i32(env, argv[2], &threads))
    return fail(env, "readBandwidth(bytes, reps, threads)");
  CHECK(napi_create_double(env, mlk_read_bandwidth((size_t)bytes, reps, threads), &r));
  return r;
}

/* ---- whole-token decoder (mlk_decode.h) ---- */

/* The decoder behind an external: raw pointers into typed arrays that the JavaScript side keeps
 * alive for the decoder's lifetime (server/src/engine/fused-decoder.ts holds them), plus scratch. */
typedef struct {
  mlk_decoder M;
  float *scratch;
  size_t scratch_floats;
} decoder_handle;

static void decoder_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  decoder_handle *H = (decoder_handle *)data;
  free(H->M.layers);
  free(H->scratch);
  free(H);
}

static napi_value prop(napi_env env, napi_value obj, const char *name) {
  napi_value v = NULL;
  if (napi_get_named_property(env, obj, name, &v) != napi_ok) return NULL;
  return v;
}

static int prop_i32(napi_env env, napi_value obj, const char *name, int *out) {
  napi_value v = prop(env, obj, name);
  return v && get_i32(env, v, out);
}

static int prop_f32(napi_env env, napi_value obj, const char *name, float *out) {
  napi_value v = prop(env, obj, name);
  return v && get_f32(env, v, out);
}

/* A Float32Array property of at least `need` values. */
static const float *prop_floats(napi_env env, napi_value obj, const char *name, size_t need) {
  view w;
  napi_value v = prop(env, obj, name);
  if (!v || !get_view(env, v, 0, &w) || !is_f32(&w, need)) return NULL;
  return (const float *)w.data;
}

/* A table property {data, dtype, layout, scales, K, tau, out}, row-major, with the given widths. */
static const char *prop_table(napi_env env, napi_value obj, const char *name, int in_width, int out, mlk_table *T) {
  napi_value t = prop(env, obj, name);
  if (!t) return "a table is missing";
  napi_value argv[7];
  const char *fields[] = {"data", "dtype", "layout", "scales", "K", "tau", "out"};
  for (int i = 0; i < 7; i++)
    if (!(argv[i] = prop(env, t, fields[i]))) return "a table lacks a field";
  view data, scales;
  const char *err = get_table(env, argv, T, &data, &scales);
  if (err) return err;
  if (T->layout != MLK_ROW) return "decoder tables must be row-major";
  if (T->K * T->tau != in_width || T->out != out) return "a table's K * tau or out does not match the model's widths";
  return NULL;
}

/* decoderCreate({d, nLayers, nHeads, vocab, rotHalf, eps, t, embed, finalNorm, lmHead, layers: [...]}) */
static napi_value js_decoder_create(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], layers, ext;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 1) return fail(env, "decoderCreate expects one spec object");
  mlk_decoder M;
  memset(&M, 0, sizeof M);
  const napi_value o = argv[0];
  if (!prop_i32(env, o, "d", &M.d) || !prop_i32(env, o, "nLayers", &M.n_layers) || !prop_i32(env, o, "nHeads", &M.n_heads) ||
      !prop_i32(env, o, "vocab", &M.vocab) || !prop_i32(env, o, "rotHalf", &M.rot_half) || !prop_f32(env, o, "eps", &M.eps) ||
      !prop_f32(env, o, "t", &M.t))
    return fail(env, "decoderCreate: d, nLayers, nHeads, vocab, rotHalf, eps, t must be numbers");
  if (M.d <= 0 || M.n_layers <= 0 || M.n_heads <= 0 || M.d % M.n_heads || M.vocab <= 0 || M.rot_half < 0 ||
      2 * M.rot_half > M.d / M.n_heads)
    return fail(env, "decoderCreate: bad sizes");
  const size_t d = (size_t)M.d;
  if (!(M.embed = prop_floats(env, o, "embed", (size_t)M.vocab * d)) || !(M.final_norm = prop_floats(env, o, "finalNorm", d)) ||
      !(M.lm_head = prop_floats(env, o, "lmHead", d * M.vocab)))
    return fail(env, "decoderCreate: embed [vocab, d], finalNorm [d], lmHead [d, vocab] must be Float32Arrays");
  uint32_t n = 0;
  if (!(layers = prop(env, o, "layers")) || napi_get_array_length(env, layers, &n) != napi_ok || (int)n != M.n_layers)
    return fail(env, "decoderCreate: layers must be an array of nLayers blocks");
  decoder_handle *H = (decoder_handle *)calloc(1, sizeof *H);
  mlk_decoder_layer *Ls = (mlk_decoder_layer *)calloc(n, sizeof *Ls);
  if (!H || !Ls) {
    free(H);
    free(Ls);
    return fail(env, "decoderCreate: out of memory");
  }
  for (uint32_t i = 0; i < n; i++) {
    napi_value b;
    const char *err = napi_get_element(env, layers, i, &b) == napi_ok ? NULL : "a block is missing";
    mlk_decoder_layer *L = &Ls[i];
    int e = 0;
    if (!err) err = prop_table(env, b, "qkv", M.d, 3 * M.d, &L->qkv);
    if (!err && prop_i32(env, b, "expanded", &e) && e > 0) err = prop_table(env, b, "ml1", M.d, e, &L->ml1);
    else if (!err) err = "a block's expanded width must be a positive integer";
    if (!err) err = prop_table(env, b, "ml2", e, M.d, &L->ml2);
    if (!err && (!(L->qkv_bias = prop_floats(env, b, "qkvBias", 3 * d)) || !(L->norm1 = prop_floats(env, b, "norm1", d)) ||
                 !(L->norm2 = prop_floats(env, b, "norm2", d)) || !(L->ml1_bias = prop_floats(env, b, "ml1Bias", e)) ||
                 !(L->ln_w = prop_floats(env, b, "lnW", e)) || !(L->ln_b = prop_floats(env, b, "lnB", e)) ||
                 !(L->ml2_bias = prop_floats(env, b, "ml2Bias", d))))
      err = "a block's biases and norm weights must be Float32Arrays of their widths";
    if (!err && i > 0 && e != Ls[0].ml1.out) err = "every block must have the same expanded width";
    if (err) {
      free(H);
      free(Ls);
      return fail(env, err);
    }
  }
  M.layers = Ls;
  H->M = M;
  CHECK(napi_create_external(env, H, decoder_finalize, NULL, &ext));
  return ext;
}

/* decodeStep(handle, token, pos, cos, sin, keys: Float32Array[], values: Float32Array[], logits) */
static napi_value js_decode_step(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 8) return fail(env, "decodeStep expects 8 arguments");
  decoder_handle *H = NULL;
  if (napi_get_value_external(env, argv[0], (void **)&H) != napi_ok || !H) return fail(env, "decodeStep: not a decoder");
  const mlk_decoder *M = &H->M;
  int token, pos;
  view cs, sn, lg;
  if (!get_i32(env, argv[1], &token) || !get_i32(env, argv[2], &pos) || token < 0 || token >= M->vocab || pos < 0)
    return fail(env, "decodeStep: token must be in 0..vocab-1 and pos >= 0");
  if (!get_view(env, argv[3], 0, &cs) || !get_view(env, argv[4], 0, &sn) || !is_f32(&cs, (size_t)M->rot_half) ||
      !is_f32(&sn, (size_t)M->rot_half))
    return fail(env, "decodeStep: cos and sin must be Float32Arrays of rotHalf values");
  if (!get_view(env, argv[7], 1, &lg) || (lg.present && !is_f32(&lg, (size_t)M->vocab)))
    return fail(env, "decodeStep: logits must be a Float32Array of vocab values, or null");
  float *kc[64], *vc[64];
  if (M->n_layers > 64) return fail(env, "decodeStep: at most 64 layers");
  for (int l = 0; l < M->n_layers; l++) {
    napi_value kv, vv;
    view k, v;
    if (napi_get_element(env, argv[5], (uint32_t)l, &kv) != napi_ok || napi_get_element(env, argv[6], (uint32_t)l, &vv) != napi_ok ||
        !get_view(env, kv, 0, &k) || !get_view(env, vv, 0, &v) || !is_f32(&k, (size_t)(pos + 1) * M->d) ||
        !is_f32(&v, (size_t)(pos + 1) * M->d))
      return fail(env, "decodeStep: keys and values must hold one Float32Array of >= (pos + 1) * d values per layer");
    kc[l] = (float *)k.data;
    vc[l] = (float *)v.data;
  }
  const size_t need = mlk_decode_scratch_floats(M, pos);
  if (need > H->scratch_floats) {
    float *s = (float *)realloc(H->scratch, (need + need / 2) * sizeof(float));
    if (!s) return fail(env, "decodeStep: out of memory");
    H->scratch = s;
    H->scratch_floats = need + need / 2;
  }
  const int rc = mlk_decode_step(M, token, pos, (const float *)cs.data, (const float *)sn.data, kc, vc, lg.present ? (float *)lg.data : NULL, H->scratch);
  if (rc) return fail(env, mlk_error_text(rc));
  return NULL;
}

/* ---- optimiser (mlk_adamw.h) ---- */

/* adamw(p, g, m, v, params: Float64Array [scale, decay, lr, beta1, beta2, bc1, bc2, eps], rows: Uint8Array | null, width, threads) */
static napi_value js_adamw(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 8) return fail(env, "adamw expects 8 arguments");
  view p, g, m, v, k, rows;
  int width, threads;
  if (!get_view(env, argv[0], 0, &p) || !get_view(env, argv[1], 0, &g) || !get_view(env, argv[2], 0, &m) ||
      !get_view(env, argv[3], 0, &v) || !get_view(env, argv[4], 0, &k) || !get_view(env, argv[5], 1, &rows) ||
      !get_i32(env, argv[6], &width) || !get_i32(env, argv[7], &threads))
    return fail(env, "adamw: bad arguments");
  const size_t n = p.length;
  if (!is_f32(&p, n) || !is_f32(&g, n) || !is_f32(&m, n) || !is_f32(&v, n))
    return fail(env, "adamw: p, g, m, v must be Float32Arrays of one length");
  if (k.type != napi_float64_array || k.length < 8) return fail(env, "adamw: params must be a Float64Array of 8 values");
  if (rows.present && (rows.type != napi_uint8_array || width <= 0 || rows.length * (size_t)width < n))
    return fail(env, "adamw: rows must be a Uint8Array covering n / width rows");
  const double *q = (const double *)k.data;
  const mlk_adamw_params a = {q[0], q[1], q[2], q[3], q[4], q[5], q[6], q[7]};
  mlk_adamw((float *)p.data, (const float *)g.data, (float *)m.data, (float *)v.data, n, &a,
            rows.present ? (const uint8_t *)rows.data : NULL, rows.present ? (size_t)width : 0, threads);
  return NULL;
}

/* sumSquares(g: Float32Array): number */
static napi_value js_sum_squares(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], r;
  view g;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 1 || !get_view(env, argv[0], 0, &g) || g.type != napi_float32_array) return fail(env, "sumSquares expects a Float32Array");
  CHECK(napi_create_double(env, mlk_sum_squares((const float *)g.data, g.length), &r));
  return r;
}

static napi_value init(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"forward", NULL, js_forward, NULL, NULL, NULL, napi_default, NULL},
      {"backward", NULL, js_backward, NULL, NULL, NULL, napi_default, NULL},
      {"pack", NULL, js_pack, NULL, NULL, NULL, napi_default, NULL},
      {"alignedArray", NULL, js_aligned_array, NULL, NULL, NULL, napi_default, NULL},
      {"info", NULL, js_info, NULL, NULL, NULL, napi_default, NULL},
      {"setIsa", NULL, js_set_isa, NULL, NULL, NULL, napi_default, NULL},
      {"readBandwidth", NULL, js_read_bandwidth, NULL, NULL, NULL, napi_default, NULL},
      {"decoderCreate", NULL, js_decoder_create, NULL, NULL, NULL, napi_default, NULL},
      {"decodeStep", NULL, js_decode_step, NULL, NULL, NULL, napi_default, NULL},
      {"adamw", NULL, js_adamw, NULL, NULL, NULL, napi_default, NULL},
      {"sumSquares", NULL, js_sum_squares, NULL, NULL, NULL, napi_default, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
