/* Built with -mbulk-memory, the memset below is one memory.fill instruction of 1 MiB: a loop of
 * few instructions doing a lot of work each. Fuel must charge it by length, or the cell runs until
 * its wall clock (1 fuel a MiB). */
#include <stdio.h>

static unsigned char buf[1 << 20];

int main(void) {
  puts("filling forever");
  fflush(stdout);
  for (volatile unsigned i = 0;; i++) __builtin_memset(buf, (int)i, sizeof buf);
}
