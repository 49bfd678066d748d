/* Wraps value(): finds the next definition with RTLD_NEXT, as an interposing library does. */
#include <dlfcn.h>
#include <stdio.h>

int value(void) {
  int (*next)(void) = (int (*)(void))dlsym(RTLD_NEXT, "value");
  return next ? 100 + next() : -1;
}

int wrap_puts(const char *s) {
  int (*next_puts)(const char *) = (int (*)(const char *))dlsym(RTLD_NEXT, "puts");
  return next_puts ? next_puts(s) : -1;
}

int nothing_after(void) { return dlsym(RTLD_NEXT, "nothing_after") == 0; }
