/* The callee component: the bench kernels behind the WIT interface dylab:bench/kernels, with the
 * bodies of corpus/bench/kernels.h and copy_callee.c. A string or list argument arrives in this
 * component's memory, allocated by the adapter through cabi_realloc; the callee owns and frees it. */
#include "callee.h"

#define NOINLINE __attribute__((noinline))

NOINLINE int32_t exports_dylab_bench_kernels_f0(void) {
  int r = 7;
  __asm__ volatile("" : "+r"(r));
  return r;
}

NOINLINE int32_t exports_dylab_bench_kernels_f1(int32_t a) { return a * 3 + 1; }

NOINLINE int32_t exports_dylab_bench_kernels_fsum(callee_string_t *s) {
  int sum = 0;
  for (size_t j = 0; j < s->len; j++)
    sum += s->ptr[j];
  callee_string_free(s);
  return sum;
}

NOINLINE int32_t exports_dylab_bench_kernels_consume(callee_list_u8_t *buf) {
  int32_t len = (int32_t)buf->len;
  int32_t r = len == 0 ? 1 : buf->ptr[0] + buf->ptr[len - 1] + len;
  callee_list_u8_free(buf);
  return r;
}
