/* Identical in libcopy_a.c and libcopy_b.c: only the file (and module) name differs. */
#include <stdio.h>

int counter;
static int ctor_runs;
static char history[64];

__attribute__((constructor)) static void init(void) {
  ctor_runs++;
  counter = 100;
  printf("libcopy constructor: counter starts at %d\n", counter);
}

int bump(int by) {
  counter += by;
  int n = 0;
  while (history[n]) n++;
  if (n < 63) history[n] = (char)('0' + by % 10);
  return counter;
}

const char *history_of(void) { return history; }
int ctor_count(void) { return ctor_runs; }
