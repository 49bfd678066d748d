/* Behaviour 27: weak undefined symbols resolve to address 0 in every module (GOT.func / GOT.mem
 * entries of 0); RTLD_NOW must not reject a library for them. */
#include <dlcall.h>
#include <dlfcn.h>
#include <stdio.h>

extern int nowhere_fn(int) __attribute__((weak));
extern int nowhere_data __attribute__((weak));

int main(void) {
  int (*volatile f)(int) = nowhere_fn;
  int *volatile d = &nowhere_data;
  printf("main: &nowhere_fn is null: %s, &nowhere_data is null: %s\n", f ? "no" : "yes", d ? "no" : "yes");
  if (nowhere_fn) printf("main: nowhere_fn(1) = %d\n", nowhere_fn(1));
  else puts("main: call skipped");

  void *h = dlopen("optional.wasm", RTLD_NOW);
  if (!h) {
    printf("dlopen failed: %s\n", dlerror());
    return 1;
  }
  dlcall_int(h, "side_check");
  printf("dlsym(RTLD_DEFAULT, \"nowhere_fn\") is null: %s\n", dlsym(RTLD_DEFAULT, "nowhere_fn") ? "no" : "yes");
  dlclose(h);
  return 0;
}
