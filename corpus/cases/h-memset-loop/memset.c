/* memset through libc, 1 MiB a call, forever: under libc-host each call is one host call charged
 * 1 + bytes/8 fuel; elsewhere wasi-libc's memset runs as wasm. Either way fuel ends the cell. */
#include <stdio.h>
#include <string.h>

static unsigned char buf[1 << 20];
/* Through a volatile pointer to the buffer, so that the calls cannot be dropped. */
unsigned char *volatile target = buf;

int main(void) {
  puts("memset forever");
  fflush(stdout);
  for (volatile unsigned i = 0;; i++) memset(target, (int)i, sizeof buf);
}
