/* Behaviour 26: weak definitions in two modules. libweak_a is loaded first, RTLD_GLOBAL; libweak_b
 * after it, RTLD_LOCAL. The first definition in the global scope wins for every reference. */
#include <dlcall.h>
#include <dlfcn.h>
#include <stdio.h>

int main(void) {
  void *a = dlopen("libweak_a.wasm", RTLD_NOW | RTLD_GLOBAL);
  if (!a) {
    printf("dlopen libweak_a failed: %s\n", dlerror());
    return 1;
  }
  void *b = dlopen("libweak_b.wasm", RTLD_NOW);
  if (!b) {
    printf("dlopen libweak_b failed: %s\n", dlerror());
    return 1;
  }
  dlcall_int(a, "report_a");
  dlcall_int(b, "report_b");
  printf("main calls pick() by name in the global scope: %s\n", (const char *)dlcall_int(RTLD_DEFAULT, "pick"));
  int *wv = (int *)dlsym(RTLD_DEFAULT, "weak_value");
  printf("main reads weak_value from the global scope: %d\n", wv ? *wv : -1);
  printf("dlsym(libweak_b, weak_value) is the same object: %s\n", dlsym(b, "weak_value") == wv ? "yes" : "no");
  void *pa = (void *)dlcall_int(a, "pick_address_a");
  void *pb = (void *)dlcall_int(b, "pick_address_b");
  printf("&pick equal in libweak_a and libweak_b: %s\n", pa == pb ? "yes" : "no");
  dlclose(b);
  dlclose(a);
  return 0;
}
