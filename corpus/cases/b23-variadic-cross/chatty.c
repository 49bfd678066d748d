#include <stdarg.h>
#include <stdio.h>

extern double main_sum(const char *types, ...);
extern int main_log(const char *fmt, ...);

int chatter(void) {
  printf("printf from the side: %d %u %lld %.3f %s %c %x\n", -1, 4000000000u, -123456789012345LL, 2.5,
         "str", 'Q', 0xcafe);
  double s = main_sum("ildi", 1, 1LL << 40, 0.5, -2);
  printf("main_sum(1, 2^40, 0.5, -2) = %.1f\n", s);
  s = main_sum("");
  printf("main_sum() = %.1f\n", s);
  int n = main_log("%d apples, %s, %.1f%%, %lld", 12, "ripe", 99.5, -5LL);
  printf("main_log returned %d\n", n);
  return 0;
}

int side_vformat(const char *fmt, va_list ap) {
  char buf[128];
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  printf("side_vformat: %s\n", buf);
  return n;
}
