/* Behaviour 20: 13 arguments across the module boundary, both ways. */
#include <dlcall.h>
#include <dlfcn.h>
#include <dylab.h>
#include <stdio.h>

static volatile int main13_calls;

__attribute__((noinline)) long long main13(int a, long long b, double c, float d, int e, short f, long long g,
                                           double h, float i, char j, unsigned k, long long l, int m) {
  main13_calls++;
  return a * 1LL + b * 2 + (long long)(c * 3) + (long long)(d * 4) + e * 5LL + f * 6LL + g * 7 +
         (long long)(h * 8) + (long long)(i * 9) + j * 10LL + k * 11LL + l * 12 + m * 13LL;
}

typedef double (*wide13_fn)(int, long long, double, float, int, short, long long, double, float, char, unsigned,
                            long long, int);

int main(void) {
  void *h = dlopen("wide.wasm", RTLD_NOW);
  if (!h) {
    printf("dlopen failed: %s\n", dlerror());
    return 1;
  }
  dlcall_int(h, "call_main13");
  printf("main13 ran: %s\n", main13_calls == 1 ? "yes" : "no");

  wide13_fn wide13 = (wide13_fn)dlsym(h, "wide13");
  volatile int *calls = (volatile int *)dlsym(h, "wide13_calls");
  if (!wide13 || !calls) {
    printf("dlsym failed: %s\n", dlerror());
    return 1;
  }
  double r = wide13(-1, 3000000000LL, 0.5, 1.5f, 2, -4, 5LL, -0.25, 2.0f, 'z', 7u, -9LL, 100);
  printf("main -> wide13 via dlsym: %.2f\n", r);
  if (*calls != 1) DYLAB_WRONG_CALL("the dlsym pointer to wide13 ran another function");
  dlclose(h);
  return 0;
}
