#include <stdio.h>
#include <string.h>

extern int main_fill_callee_frame(char *p, int n);

#define BIG (32 * 1024)

/* The frame is BIG bytes; it must sit below the caller's frame on the shared stack. */
__attribute__((noinline)) int deep_write(char *dst, int n, unsigned long caller_frame) {
  volatile char big[BIG];
  int below = (unsigned long)&big[BIG - 1] < caller_frame;
  printf("side frame below main's: %s\n", below ? "yes" : "no");
  for (int i = 0; i < BIG; i++) big[i] = (char)(i * 7);
  for (int i = 0; i < n; i++) dst[i] = (char)('A' + i % 26);
  /* main writes into this frame; the ends of the big buffer must be untouched. */
  int callee_below = main_fill_callee_frame((char *)&big[BIG / 2], 64);
  printf("main's callee frame below the side's buffer: %s\n", callee_below ? "yes" : "no");
  int ok = 1;
  for (int i = 0; i < BIG; i++) {
    char want = (i >= BIG / 2 && i < BIG / 2 + 64) ? (char)('a' + (i - BIG / 2) % 26) : (char)(i * 7);
    if (big[i] != want) ok = 0;
  }
  printf("side's big frame intact after main wrote into it: %s\n", ok ? "yes" : "no");
  return ok && below && callee_below ? 0 : 1;
}
