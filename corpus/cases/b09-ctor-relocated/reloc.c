/* Behaviour 9: data relocations are applied before constructors run. The library's constructor
 * checks its statically initialised pointers; the program prints the constructor's verdicts and then
 * checks the same pointers again from outside through dlsym. */
#include <dlfcn.h>
#include <stdio.h>

int main(void) {
  void *h = dlopen("relocated.wasm", RTLD_NOW);
  if (!h) {
    printf("dlopen failed: %s\n", dlerror());
    return 1;
  }
  int *x = (int *)dlsym(h, "reloc_x");
  int **p = (int **)dlsym(h, "reloc_p");
  int *arr = (int *)dlsym(h, "reloc_arr");
  int **mid = (int **)dlsym(h, "reloc_mid");
  int *ok = (int *)dlsym(h, "reloc_ctor_ok");
  printf("from main: p == &reloc_x: %s, *p = %d\n", p && *p == x ? "yes" : "no", p && *p ? **p : -1);
  printf("from main: mid == &reloc_arr[3]: %s, *mid = %d\n", mid && *mid == arr + 3 ? "yes" : "no",
         mid && *mid ? **mid : -1);
  printf("constructor verdict: %s\n", ok && *ok ? "all relocated" : "NOT relocated");
  return 0;
}
