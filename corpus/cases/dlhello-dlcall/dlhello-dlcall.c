/* The seed's first fix: never hold a foreign function pointer; call through the host by name. */
#include <dlcall.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  void *handle = dlopen("dlworld.wasm", RTLD_NOW);
  if (!handle) {
    puts("dlopen failed:");
    puts(dlerror());
    abort();
  }
  dlcall_void(handle, "world");
  printf("add(40, 2) = %d\n", dlcall_int(handle, "add", 40, 2));
  printf("scale(2.5, 4) = %d\n", dlcall_int(handle, "scale", 2.5, 4));
  dlclose(handle);
  return 0;
}
