/* Behaviour 23: variadic calls across modules. The varargs area lives on the shared stack, so the
 * callee reads what the caller wrote in another module's frame. */
#include <dlcall.h>
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>

/* Sums n values whose types are given by a format: i = int, l = long long, d = double. */
double main_sum(const char *types, ...) {
  va_list ap;
  va_start(ap, types);
  double total = 0;
  for (const char *t = types; *t; t++) {
    if (*t == 'i') total += va_arg(ap, int);
    else if (*t == 'l') total += (double)va_arg(ap, long long);
    else if (*t == 'd') total += va_arg(ap, double);
  }
  va_end(ap);
  return total;
}

/* A printf-like logger: forwards its va_list to libc's vsnprintf. */
int main_log(const char *fmt, ...) {
  char buf[128];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  printf("[main_log] %s\n", buf);
  return n;
}

/* Hands the side module a va_list built in main's frame. */
static int relay(void *h, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = dlcall_int(h, "side_vformat", fmt, ap);
  va_end(ap);
  return n;
}

int main(void) {
  void *h = dlopen("chatty.wasm", RTLD_NOW);
  if (!h) {
    printf("dlopen failed: %s\n", dlerror());
    return 1;
  }
  dlcall_int(h, "chatter");
  int n = relay(h, "%s=%d, %s=%.2f, big=%lld", "x", -7, "pi", 3.14159, 1LL << 50);
  printf("side_vformat wrote %d chars\n", n);
  dlclose(h);
  return 0;
}
