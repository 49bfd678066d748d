#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

int main() {
  typedef void (*world_type)();

  void *handle = dlopen("dlworld.wasm", RTLD_NOW);
  if (!handle) {
    puts("dlopen failed:");
    puts(dlerror());
    abort();
  }

  dlerror();
  world_type world = (world_type)dlsym(handle, "world");
  const char *err = dlerror();
  if (err) {
    puts("dlsym failed:");
    puts(err);
    abort();
  }

  world();

  dlclose(handle);
  return 0;
}
