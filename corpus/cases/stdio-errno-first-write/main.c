/* Whether the first output of a program with captured stdout changes errno. C allows any library
 * call to set errno when it does not document errno (C11 7.5p3); glibc's printf leaves it alone,
 * wasi-libc's first flush of stdout asks isatty(), which sets ENOTTY when stdout is a pipe. */
#include <errno.h>
#include <stdio.h>

static const char *name(int e) { return e == 0 ? "unchanged (0)" : e == ENOTTY ? "ENOTTY" : "another value"; }

int main(void) {
  errno = 0;
  printf("first line\n");
  int after_first = errno;
  errno = 0;
  printf("second line\n");
  int after_second = errno;
  fflush(stdout);
  printf("errno after the first printf: %s\n", name(after_first));
  printf("errno after the second printf: %s\n", name(after_second));
  return 0;
}
