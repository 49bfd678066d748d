/* Initialisation order at start-up and at dlopen, finalisation order at exit. Every object prints
 * from its constructor and destructor; the expected order is glibc's ld.so's. */
#include <dlfcn.h>
#include <stdio.h>

int top_id(void);
int side_id(void);

__attribute__((constructor)) static void init_main(void) { puts("constructor: main"); }
__attribute__((destructor)) static void fini_main(void) { puts("destructor: main"); }

int main(void) {
  printf("main: top %c, side %c\n", top_id(), side_id());
  void *h = dlopen("plugin.wasm", RTLD_NOW);
  printf("dlopen plugin: %s\n", h ? "ok" : dlerror());
  int (*id)(void) = h ? (int (*)(void))dlsym(h, "plugin_id") : 0;
  printf("plugin says %c\n", id ? id() : '?');
  puts("main returns");
  return 0;
}
