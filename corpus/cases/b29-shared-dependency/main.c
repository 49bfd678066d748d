/* Behaviour 29: one copy of a library that two others depend on. */
#include <dlcall.h>
#include <dlfcn.h>
#include <stdio.h>

int main(void) {
  void *a = dlopen("libneeds_a.wasm", RTLD_NOW);
  if (!a) {
    printf("dlopen libneeds_a failed: %s\n", dlerror());
    return 1;
  }
  void *b = dlopen("libneeds_b.wasm", RTLD_NOW);
  if (!b) {
    printf("dlopen libneeds_b failed: %s\n", dlerror());
    return 1;
  }
  dlcall_int(a, "a_work");
  dlcall_int(b, "b_work");
  int last = dlcall_int(a, "a_work");
  printf("count seen by libneeds_a after three bumps: %d\n", last);

  void *ha = (void *)dlcall_int(a, "a_common_handle");
  void *hb = (void *)dlcall_int(b, "b_common_handle");
  void *mine = dlopen("libcommon.wasm", RTLD_NOW);
  printf("one libcommon handle for everyone: %s\n", ha == hb && hb == mine ? "yes" : "no");
  int *count = (int *)dlsym(mine, "common_count");
  printf("main reads common_count: %d\n", count ? *count : -1);
  dlclose(mine);
  dlclose(b);
  dlclose(a);
  return 0;
}
