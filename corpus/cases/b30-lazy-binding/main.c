/* Behaviour 30, the part that must not trap: RTLD_NOW refuses, RTLD_LAZY defers. */
#include <dlcall.h>
#include <dlfcn.h>
#include <stdio.h>

int main(void) {
  void *h = dlopen("liblazy.wasm", RTLD_NOW);
  printf("RTLD_NOW: %s\n", h ? "loaded" : "failed");
  if (!h) printf("  dlerror: %s\n", dlerror());

  h = dlopen("liblazy.wasm", RTLD_LAZY);
  if (!h) {
    printf("RTLD_LAZY failed: %s\n", dlerror());
    return 1;
  }
  puts("RTLD_LAZY: loaded");
  printf("fine() = %d\n", dlcall_int(h, "fine"));

  void *p = dlopen("libprovider.wasm", RTLD_NOW | RTLD_GLOBAL);
  if (!p) {
    printf("dlopen libprovider failed: %s\n", dlerror());
    return 1;
  }
  printf("call_later(5) after libprovider was loaded RTLD_GLOBAL = %d\n", dlcall_int(h, "call_later", 5));
  printf("call_later(6) = %d\n", dlcall_int(h, "call_later", 6));
  dlclose(p);
  dlclose(h);
  return 0;
}
