/* memset through libc, 1 MiB a call, forever: under libc-host each call is one host call charged
 * 1 + bytes/8 fuel; elsewhere wasi-libc's memset runs as wasm. Either way fuel ends the cell. */
#include <stdio.h>
#include <string.h>

static unsigned char buf[1 << 20];
void *(*volatile fill)(void *, int, size_t) = memset;

int main(void) {
  puts("memset forever");
  fflush(stdout);
  for (volatile unsigned i = 0;; i++) fill(buf, (int)i, sizeof buf);
}
