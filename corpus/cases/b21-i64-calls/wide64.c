#include <dlfcn.h>
#include <dylab.h>
#include <stdio.h>

extern long long main_add64(long long a, long long b);
extern volatile int main_add64_calls;

volatile int side_rotl64_calls;

__attribute__((noinline)) unsigned long long side_rotl64(unsigned long long x, int n) {
  side_rotl64_calls++;
  return (x << n) | (x >> (64 - n));
}

/* A direct call: an import bound at load time. */
int direct_i64(void) {
  long long r = main_add64(0x7fffffff00000000LL, 0xffffffffLL);
  printf("side -> main_add64 directly: 0x%llx\n", r);
  r = main_add64(-9007199254740993LL, -1);
  printf("side -> main_add64 directly: %lld\n", r);
  return 0;
}

typedef long long (*add64_fn)(long long, long long);

static void check(const char *how, add64_fn f) {
  int before = main_add64_calls;
  long long r = f(0x0123456789abcdefLL, 0x1000000000000000LL);
  printf("side -> main_add64 %s: 0x%llx\n", how, r);
  if (main_add64_calls != before + 1) DYLAB_WRONG_CALL("a pointer to main_add64 ran another function");
}

/* Through pointers: &main_add64 comes from GOT.func, the other from dlsym. */
int pointer_i64(void) {
  add64_fn volatile taken = main_add64;
  check("through &main_add64", taken);
  add64_fn found = (add64_fn)dlsym(RTLD_DEFAULT, "main_add64");
  printf("dlsym(RTLD_DEFAULT) == &main_add64: %s\n", found == taken ? "yes" : "no");
  check("through dlsym(RTLD_DEFAULT)", found);
  return 0;
}
