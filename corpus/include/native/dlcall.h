/* <dlcall.h> for the native reference build (gcc -m32): the lab's host call, done by the program
 * itself. dlcall looks the symbol up with dlsym and calls it with the 4-byte words the caller
 * passed: on i386 (cdecl) every argument is on the stack in words, a long long or a double in two,
 * and the caller pops them, so a callee taking fewer words ignores the rest. Unlike the lab's host
 * call it cannot read the callee's signature: a float parameter gets a varargs double's words. */
#ifndef DYLAB_DLCALL_H
#define DYLAB_DLCALL_H
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define DYLAB_DLCALL_WORDS 16

static void *dylab_dlcall_target(void *handle, const char *symbol) {
  void *f = dlsym(handle, symbol);
  if (!f) {
    fprintf(stderr, "dlcall: %s\n", dlerror());
    abort();
  }
  return f;
}

/* Reads DYLAB_DLCALL_WORDS words after `symbol` (past the caller's arguments: its own frame, read
 * and ignored) and calls the symbol with them. */
#define DYLAB_DLCALL_FORWARD(ret, handle, symbol)                                                      \
  unsigned w[DYLAB_DLCALL_WORDS];                                                                      \
  va_list ap;                                                                                          \
  va_start(ap, symbol);                                                                                \
  for (int i = 0; i < DYLAB_DLCALL_WORDS; i++) w[i] = va_arg(ap, unsigned);                            \
  va_end(ap);                                                                                          \
  ret (*f)() = (ret(*)())dylab_dlcall_target(handle, symbol);                                         \
  return f(w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11], w[12], w[13], w[14], \
           w[15])

static inline __attribute__((unused)) int dlcall_int(void *handle, const char *symbol, ...) {
  DYLAB_DLCALL_FORWARD(int, handle, symbol);
}

static inline __attribute__((unused)) void dlcall_void(void *handle, const char *symbol, ...) {
  DYLAB_DLCALL_FORWARD(void, handle, symbol);
}

#endif
