/* Behaviour 2: POSIX requires exactly one of RTLD_LAZY and RTLD_NOW in dlopen's mode. With neither,
 * dlopen fails with a message and must not load the library (its constructor does not run). The same
 * library then opens normally with RTLD_LAZY. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

static void attempt(const char *what, int flags) {
  void *h = dlopen("flagged.wasm", flags);
  const char *msg = dlerror();
  printf("%s: NULL=%s\n", what, h ? "no" : "yes");
  printf("  message: %s\n", msg ? msg : "(none)");
  if (h) dlclose(h);
}

int main(void) {
  attempt("flags 0", 0);
  attempt("RTLD_GLOBAL alone", RTLD_GLOBAL);
  puts("no constructor ran so far");
  void *h = dlopen("flagged.wasm", RTLD_LAZY);
  printf("RTLD_LAZY: NULL=%s dlerror=%s\n", h ? "no" : "yes", dlerror() ? "set" : "NULL");
  int *runs = h ? (int *)dlsym(h, "flagged_ctor_runs") : NULL;
  printf("constructor runs: %d\n", runs ? *runs : -1);
  return 0;
}
