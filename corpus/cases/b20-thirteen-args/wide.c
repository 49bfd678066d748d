/* Thirteen parameters of every wasm value type. Each argument is weighted by its position, so a
 * dropped, swapped or truncated argument changes the result. */
#include <stdio.h>

extern long long main13(int a, long long b, double c, float d, int e, short f, long long g, double h,
                        float i, char j, unsigned k, long long l, int m);

volatile int wide13_calls;

__attribute__((noinline)) double wide13(int a, long long b, double c, float d, int e, short f, long long g,
                                        double h, float i, char j, unsigned k, long long l, int m) {
  wide13_calls++;
  return a * 1.0 + b * 2.0 + c * 3.0 + d * 4.0 + e * 5.0 + f * 6.0 + g * 7.0 + h * 8.0 + i * 9.0 +
         j * 10.0 + k * 11.0 + l * 12.0 + m * 13.0;
}

/* Entered through dlcall: a direct cross-module call with 13 arguments. */
int call_main13(void) {
  long long r = main13(1, 10000000000LL, 2.5, 0.25f, -3, 7, -20000000000LL, 1.125, 3.75f, 'A', 4000000000u,
                       1LL << 40, 13);
  printf("side -> main13: %lld\n", r);
  return 0;
}
