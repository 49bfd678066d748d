/* Behaviour 17: the library enters libc's qsort with comparators of its own. The program enters the
 * library through dlcall, so that the only function pointers crossing a module boundary are the
 * comparators handed to libc. */
#include <dlcall.h>
#include <dlfcn.h>
#include <stdio.h>

int main(void) {
  void *h = dlopen("sorter.wasm", RTLD_NOW);
  if (!h) {
    printf("dlopen failed: %s\n", dlerror());
    return 1;
  }
  int bad = dlcall_int(h, "sort_demo");
  printf("sort_demo reported %d problem(s)\n", bad);
  dlclose(h);
  return 0;
}
