/* A program whose output is captured: isatty() is false for every standard stream, and stdio's
 * full buffering shows in the order of printf and write(). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void report(const char *what, int n);

static void raw(const char *s) { write(1, s, strlen(s)); }

int main(void) {
  printf("isatty: stdin %d, stdout %d, stderr %d\n", isatty(0), isatty(1), isatty(2));
  /* musl (wasi-libc) chooses full buffering at the first write, glibc at the first printf: a flush
   * here makes both fully buffered from the next line on. */
  fflush(stdout);
  printf("a buffered line\n");
  raw("raw 1 (overtakes the buffered line above)\n");
  report("from the library", 1);
  printf("main after the library\n");
  fflush(stdout);
  raw("raw 2 (after an explicit fflush)\n");
  report("from the library", 2);
  printf("last line, without a newline");
  return 0;
}
