/* Behaviour 31 through a pointer: no loader can check this at load time; the engine's call_indirect
 * signature check is the only guard. */
#include <dlcall.h>
#include <dlfcn.h>
#include <stdio.h>

int combine(int a, int b) { return a * 100 + b; }

int main(void) {
  void *h = dlopen("caller.wasm", RTLD_NOW);
  if (!h) {
    printf("dlopen failed: %s\n", dlerror());
    return 1;
  }
  int (*volatile f)(int, int) = combine;
  printf("combine(7, 1) called correctly in main = %d\n", f(7, 1));
  dlcall_int(h, "call_as_one_arg", f);
  puts("main continues");
  return 0;
}
