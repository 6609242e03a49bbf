{
  "targets": [
    {
      "target_name": "memory_layer",
      "sources": ["mlk.c", "mlk_portable.c", "mlk_avx2.c", "mlk_avx512.c", "mlk_decode.c", "mlk_adamw.c", "mlk_napi.c"],
      "cflags_c": ["-std=gnu11", "-O3", "-ffp-contract=off", "-fno-math-errno", "-fopenmp", "-Wall", "-Wno-unused-function"],
      "ldflags": ["-fopenmp"],
      "defines": ["NAPI_VERSION=8"],
      "conditions": [
        ["OS=='mac'", {
          "xcode_settings": {
            "OTHER_CFLAGS": ["-std=gnu11", "-O3", "-ffp-contract=off"]
          }
        }]
      ]
    }
  ]
}
