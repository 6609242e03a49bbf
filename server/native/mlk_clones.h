/*
 * MLK_CLONES: builds a function for AVX-512, AVX2 and the x86-64 baseline and picks one when the
 * addon loads (GCC target_clones, through glibc's ifunc), so plain loops that the compiler
 * vectorises use the CPU's widest vectors while the shipped binary still runs on any x86-64 CPU.
 * Elsewhere (other compilers, architectures, or C libraries without ifunc, e.g. musl) the function
 * is built once for the target. Include after a libc header (it tests __GLIBC__).
 */
#ifndef MLK_CLONES_H
#define MLK_CLONES_H

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__ELF__) && defined(__GLIBC__)
#define MLK_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define MLK_CLONES
#endif

#endif
