/* Behaviour 5: dlsym of a symbol the library does not export returns NULL, and dlerror() names both
 * the symbol and the library; the message is consumed by the first dlerror(). A symbol that exists
 * only as a static function or with hidden visibility is not exported either. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

static void missing(void *h, const char *lib, const char *sym) {
  dlerror();
  void *p = dlsym(h, sym);
  const char *msg = dlerror();
  printf("dlsym(%s, %s): NULL=%s dlerror=%s", lib, sym, p ? "no" : "yes", msg ? "set" : "NULL");
  if (msg)
    printf(" names symbol=%s names library=%s", strstr(msg, sym) ? "yes" : "no",
           h && strstr(msg, lib) ? "yes" : (h ? "no" : "n/a"));
  printf("\n");
  if (msg) printf("  message: %s\n", msg);
  printf("  second dlerror: %s\n", dlerror() ? "set" : "NULL");
}

int main(void) {
  void *h = dlopen("symlib.wasm", RTLD_NOW);
  if (!h) {
    printf("dlopen failed: %s\n", dlerror());
    return 1;
  }
  int *present = (int *)dlsym(h, "symlib_present");
  printf("dlsym(symlib.wasm, symlib_present): %s value=%d\n", present ? "found" : "NULL", present ? *present : -1);
  missing(h, "symlib.wasm", "symlib_absent");
  missing(h, "symlib.wasm", "symlib_static_fn");
  missing(h, "symlib.wasm", "symlib_hidden_fn");
  missing(RTLD_DEFAULT, "RTLD_DEFAULT", "symlib_absent");
  /* The same name fails again after a successful lookup in between. */
  present = (int *)dlsym(h, "symlib_present");
  printf("found again: %s, dlerror: %s\n", present ? "yes" : "no", dlerror() ? "set" : "NULL");
  missing(h, "symlib.wasm", "symlib_absent");
  dlclose(h);
  return 0;
}
