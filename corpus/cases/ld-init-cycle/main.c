/* Cycles in the NEEDED graph: every object initialised once, in ld.so's order; destructors reversed. */
#include <dlfcn.h>
#include <stdio.h>

int ring1_value(void);

int main(void) {
  printf("main: ring1 value %d\n", ring1_value());
  void *h = dlopen("loop1.wasm", RTLD_NOW);
  printf("dlopen loop1: %s\n", h ? "ok" : dlerror());
  int (*v)(void) = h ? (int (*)(void))dlsym(h, "loop1_value") : 0;
  printf("loop1 value %d\n", v ? v() : -1);
  printf("dlclose loop1: %d\n", h ? dlclose(h) : -1);
  puts("main returns");
  return 0;
}
