/* Behaviour 13.1g: a side module doing long double arithmetic (compiler-rt helpers) loads and runs. */
#include <dlcall.h>
#include <dlfcn.h>
#include <stdio.h>

int main(void) {
  void *h = dlopen("libld.wasm", RTLD_NOW);
  if (!h) {
    printf("dlopen failed: %s\n", dlerror());
    return 1;
  }
  dlcall_int(h, "long_double_report");
  dlclose(h);
  return 0;
}
