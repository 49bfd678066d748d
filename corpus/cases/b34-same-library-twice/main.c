/* Behaviour 34: one source, two module names, two independent copies. */
#include <dlcall.h>
#include <dlfcn.h>
#include <stdio.h>

int main(void) {
  void *a = dlopen("libcopy_a.wasm", RTLD_NOW);
  if (!a) {
    printf("dlopen libcopy_a failed: %s\n", dlerror());
    return 1;
  }
  void *b = dlopen("libcopy_b.wasm", RTLD_NOW);
  if (!b) {
    printf("dlopen libcopy_b failed: %s\n", dlerror());
    return 1;
  }
  printf("two different handles: %s\n", a != b ? "yes" : "no");
  printf("a: bump(1) = %d\n", dlcall_int(a, "bump", 1));
  printf("a: bump(2) = %d\n", dlcall_int(a, "bump", 2));
  printf("b: bump(5) = %d\n", dlcall_int(b, "bump", 5));
  printf("a: bump(3) = %d\n", dlcall_int(a, "bump", 3));

  int *ca = (int *)dlsym(a, "counter"), *cb = (int *)dlsym(b, "counter");
  if (!ca || !cb) {
    printf("dlsym failed: %s\n", dlerror());
    return 1;
  }
  printf("counter: a %d, b %d, same object: %s\n", *ca, *cb, ca == cb ? "yes" : "no");
  *cb = -1;
  printf("after main set b's counter to -1, a's is %d\n", *ca);
  printf("history: a \"%s\", b \"%s\"\n", (const char *)dlcall_int(a, "history_of"), (const char *)dlcall_int(b, "history_of"));
  printf("constructor runs: a %d, b %d\n", dlcall_int(a, "ctor_count"), dlcall_int(b, "ctor_count"));
  printf("dlsym(RTLD_DEFAULT, \"bump\") (both RTLD_LOCAL): %s\n", dlsym(RTLD_DEFAULT, "bump") ? "found" : "NULL");
  dlclose(b);
  dlclose(a);
  return 0;
}
