/* Hostile NEEDED graphs: a library that needs itself, and two that need each other. As with ld.so,
 * each library is loaded once per process and a cycle simply resolves; nothing recurses forever. */
#include <dlcall.h>
#include <dlfcn.h>
#include <stdio.h>

int main(void) {
  void *self = dlopen("selfneed.wasm", RTLD_NOW);
  printf("selfneed.wasm: %s\n", self ? "loaded" : dlerror());
  if (self) printf("self_value() = %d\n", dlcall_int(self, "self_value"));

  void *a = dlopen("cyca.wasm", RTLD_NOW);
  printf("cyca.wasm: %s\n", a ? "loaded" : dlerror());
  if (a) printf("cyca_value() = %d\n", dlcall_int(a, "cyca_value"));

  /* cycb came in as cyca's dependency: opening it again finds the same library. */
  void *b = dlopen("cycb.wasm", RTLD_NOW);
  printf("cycb.wasm: %s\n", b ? "loaded" : dlerror());
  if (b) printf("cycb_leaf() = %d\n", dlcall_int(b, "cycb_leaf"));

  if (b) dlclose(b);
  if (a) dlclose(a);
  if (self) dlclose(self);
  puts("done");
  return 0;
}
