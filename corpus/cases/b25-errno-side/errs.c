#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int side_strtol_overflow(void) {
  errno = 0;
  long v = strtol("123456789012345678901234567890", NULL, 10);
  int e = errno;
  printf("side: strtol overflow gives %ld, errno %s (%s)\n", v, e == ERANGE ? "ERANGE" : "other", strerror(e));
  errno = e; /* C lets printf set errno (C11 7.5p3), and wasi-libc's does (case stdio-errno-first-write) */
  return e == ERANGE;
}

void side_set_errno(int e) { errno = e; }

int side_read_errno(void) { return errno; }

int *side_errno_address(void) { return &errno; }
