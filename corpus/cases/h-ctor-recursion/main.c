/* A constructor that recurses forever must end as a trap inside dlopen (the engine's stack limit),
 * quickly and on every engine; dlopen returns NULL and the program goes on. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

int main(void) {
  void *h = dlopen("librec.wasm", RTLD_NOW);
  const char *msg = dlerror();
  printf("dlopen: %s\n", h ? "a handle (wrong)" : "NULL");
  printf("dlerror names a stack overflow: %s\n", msg && strstr(msg, "stack-overflow") ? "yes" : "no");
  puts("program continues");
  return 0;
}
