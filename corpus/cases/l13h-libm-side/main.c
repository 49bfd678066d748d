/* Behaviour 13.1h: a numeric side module's libm imports resolve (libc.wasm's, or the host libc's). */
#include <dlcall.h>
#include <dlfcn.h>
#include <stdio.h>

int main(void) {
  void *h = dlopen("libnum.wasm", RTLD_NOW);
  if (!h) {
    printf("dlopen failed: %s\n", dlerror());
    return 1;
  }
  dlcall_int(h, "report");
  dlclose(h);
  return 0;
}
