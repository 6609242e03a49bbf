/*
 * Node-API binding (plain node_api.h, C). Arguments are positional and outputs are caller-owned
 * typed arrays, so one call costs about a microsecond and allocates nothing. The TypeScript
 * wrapper (server/src/kernels/native-binding.ts) checks shapes with clear messages; the checks
 * here only guard memory safety.
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <stdio.h>
#include <string.h>

#include "mlk.h"

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

static napi_value init(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"forward", NULL, js_forward, NULL, NULL, NULL, napi_default, NULL},
      {"backward", NULL, js_backward, NULL, NULL, NULL, napi_default, NULL},
      {"pack", NULL, js_pack, NULL, NULL, NULL, napi_default, NULL},
      {"info", NULL, js_info, NULL, NULL, NULL, napi_default, NULL},
      {"setIsa", NULL, js_set_isa, NULL, NULL, NULL, napi_default, NULL},
      {"readBandwidth", NULL, js_read_bandwidth, NULL, NULL, NULL, napi_default, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
