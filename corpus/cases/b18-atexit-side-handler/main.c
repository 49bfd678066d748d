/* Behaviour 18: libc.wasm runs an exit handler that lives in a side module. The program registers
 * one handler, then the library registers its own (entered through dlcall, so that the handler is the
 * only pointer crossing a module boundary). Handlers run last-registered first; the library stays
 * open until exit. */
#include <dlcall.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

static void main_handler(void) { puts("atexit: main's handler (registered first, runs last)"); }

int main(void) {
  atexit(main_handler);
  void *h = dlopen("farewell.wasm", RTLD_NOW);
  if (!h) {
    printf("dlopen failed: %s\n", dlerror());
    return 1;
  }
  int rc = dlcall_int(h, "register_farewell", 7);
  printf("register_farewell returned %d\n", rc);
  puts("main returns 4");
  return 4;
}
