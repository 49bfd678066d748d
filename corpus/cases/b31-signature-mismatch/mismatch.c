/* Declarations that do not match main's definitions (undefined behaviour in C; a type error in wasm). */
#include <stdio.h>

extern int combine(int a);   /* main: int combine(int a, int b) */
extern double scale(double); /* main: int scale(int x) */

int try_mismatch(void) {
  printf("combine(7) = %d\n", combine(7));
  printf("scale(2.75) = %.3f\n", scale(2.75));
  printf("scale(-1e300) = %.3f\n", scale(-1e300));
  return 0;
}
