/* Behaviour 21: 64-bit integers crossing module boundaries, with values that do not fit in 32 bits or
 * in a double's 53-bit mantissa. Every callee counts its calls, so a wrong target is detected. */
#include <dlcall.h>
#include <dlfcn.h>
#include <dylab.h>
#include <stdio.h>

volatile int main_add64_calls;

__attribute__((noinline)) long long main_add64(long long a, long long b) {
  main_add64_calls++;
  return a + b;
}

typedef unsigned long long (*rotl_fn)(unsigned long long, int);

int main(void) {
  void *h = dlopen("wide64.wasm", RTLD_NOW);
  if (!h) {
    printf("dlopen failed: %s\n", dlerror());
    return 1;
  }
  dlcall_int(h, "direct_i64");

  rotl_fn rotl = (rotl_fn)dlsym(h, "side_rotl64");
  volatile int *calls = (volatile int *)dlsym(h, "side_rotl64_calls");
  if (!rotl || !calls) {
    printf("dlsym failed: %s\n", dlerror());
    return 1;
  }
  unsigned long long r = rotl(0x8000000000000001ULL, 4);
  printf("main -> side_rotl64 via dlsym: 0x%llx\n", r);
  if (*calls != 1) DYLAB_WRONG_CALL("the dlsym pointer to side_rotl64 ran another function");

  dlcall_int(h, "pointer_i64");
  dlclose(h);
  return 0;
}
