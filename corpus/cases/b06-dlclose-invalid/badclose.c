/* Behaviour 6: dlclose of something that is not a handle returns non-zero and sets dlerror (musl and
 * glibc both report an invalid handle); it must not close anything else. A valid dlclose returns 0
 * and leaves no error. */
#include <dlfcn.h>
#include <stdio.h>

static int not_a_handle[4];

static void bad(const char *what, void *h) {
  dlerror();
  int r = dlclose(h);
  const char *msg = dlerror();
  printf("dlclose(%s): failed=%s dlerror=%s\n", what, r != 0 ? "yes" : "no", msg ? "set" : "NULL");
  printf("  second dlerror: %s\n", dlerror() ? "set" : "NULL");
}

int main(void) {
  void *h = dlopen("closable.wasm", RTLD_NOW);
  printf("dlopen: %s\n", h ? "ok" : "failed");

  dlerror();
  int r = dlclose((void *)0x7777);
  const char *msg = dlerror();
  printf("dlclose(0x7777): failed=%s message: %s\n", r != 0 ? "yes" : "no", msg ? msg : "(none)");

  bad("a data pointer", not_a_handle);
  bad("a string", (void *)"closable.wasm");

  /* The real library is untouched by the bad calls. */
  int *v = (int *)dlsym(h, "closable_value");
  printf("library still open: %s value=%d\n", v ? "yes" : "no", v ? *v : -1);
  r = dlclose(h);
  printf("dlclose(valid): %d dlerror=%s\n", r, dlerror() ? "set" : "NULL");
  return 0;
}
