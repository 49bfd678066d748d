/* The caller component: the loops of corpus/bench/caller.c (k0, k1, kptr) and copy_caller.c, each
 * iteration a call of the imported interface dylab:bench/kernels, which the composition binds to the
 * callee component. Strings and lists are passed borrowed: the caller allocates nothing per call. */
#include "caller.h"

/* kptr's bytes, as in caller.c (ASCII, so a valid UTF-8 string of 16 bytes at every offset). */
static unsigned char shared_bytes[32] = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3,
                                         2, 3, 8, 4, 6, 2, 6, 4, 3, 3, 8, 3, 2, 7, 9, 5};
static unsigned char buffer[65536];

#define LOOP(BODY)                                                                                 \
  int acc = 0;                                                                                     \
  _Pragma("clang loop unroll(disable)") for (int i = 0; i < n; i++) { BODY; }                    \
  return acc;

int32_t exports_caller_run_k0(int32_t n) { LOOP(acc += dylab_bench_kernels_f0()) }

int32_t exports_caller_run_k1(int32_t n) { LOOP(acc = dylab_bench_kernels_f1(acc)) }

/* kptr's call: its 16 bytes at the offset the core loop reads, passed borrowed. */
static inline int32_t fsum_at(int acc) {
  caller_string_t s = {shared_bytes + (acc & 15), 16};
  return dylab_bench_kernels_fsum(&s);
}

int32_t exports_caller_run_kptr(int32_t n) { LOOP(acc += fsum_at(acc)) }

int32_t exports_caller_run_copy(int32_t n, int32_t len) {
  for (int i = 0; i < len; i++)
    buffer[i] = (unsigned char)i;
  caller_list_u8_t buf = {len ? buffer : 0, (size_t)len};
  LOOP(acc += dylab_bench_kernels_consume(&buf))
}
