/* Long double arithmetic in a side module: on wasm32 long double is IEEE binary128, done in software by
 * compiler-rt (__floatunditf, __fixunstfdi, __multf3, __divtf3, __extenddftf2, __trunctfdf2...). Those
 * helpers must be linked into this module: libc-host provides none of them. Values are chosen so that
 * x86-64's 80-bit long double gives the same output (every result fits in 64 mantissa bits). */
#include <stdio.h>

/* volatile: keep the conversions at run time (no constant folding). */
static volatile unsigned long long big = 0xFFFFFFFFFFFFFFFFULL;
static volatile long long negative = -9007199254740993LL; /* 2^53 + 1: not a double */
static volatile double third = 1.0 / 3.0;

int long_double_report(void) {
  long double b = (long double)big;                    /* __floatunditf */
  unsigned long long back = (unsigned long long)b;     /* __fixunstfdi */
  printf("u64 max -> long double -> u64: %llu (%s)\n", back, back == big ? "equal: yes" : "equal: no");

  long double n = (long double)negative;               /* __floatditf */
  long long nback = (long long)n;                      /* __fixtfdi */
  printf("-(2^53+1) round trip: %lld (%s)\n", nback, nback == negative ? "equal: yes" : "equal: no");

  long double p = (long double)4294967297ULL * (long double)2147483647ULL; /* __multf3 */
  printf("(2^32+1) * (2^31-1) = %llu\n", (unsigned long long)p);

  long double q = p / (long double)2147483647ULL;      /* __divtf3 */
  printf("back divided: %llu\n", (unsigned long long)q);

  long double t = (long double)third;                  /* __extenddftf2 */
  double d = (double)(t * 3.0L);                       /* __trunctfdf2 */
  printf("(1/3 as double) * 3 in long double, as double: %.17g\n", d);

  printf("compare: %d %d\n", b > (long double)negative, n < 0.0L); /* __gttf2, __lttf2 */
  return 0;
}
