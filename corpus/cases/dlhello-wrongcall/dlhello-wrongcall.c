/* dlhello, but the caller has an address-taken function of its own, so its table has an entry at the
 * index a private-table loader hands out for world(). If that entry runs, the program says so. */
#include <dlfcn.h>
#include <dylab.h>
#include <stdio.h>
#include <stdlib.h>

typedef void (*world_type)(void);

static void impostor(void) { DYLAB_WRONG_CALL("dlhello's own function ran instead of dlworld's world()"); }

/* Taking the address puts impostor in this module's table. */
world_type volatile keep = impostor;

int main(void) {
  void *handle = dlopen("dlworld.wasm", RTLD_NOW);
  if (!handle) {
    puts("dlopen failed:");
    puts(dlerror());
    abort();
  }
  world_type world = (world_type)dlsym(handle, "world");
  if (!world) {
    puts("dlsym failed:");
    puts(dlerror());
    abort();
  }
  world();
  dlclose(handle);
  return 0;
}
