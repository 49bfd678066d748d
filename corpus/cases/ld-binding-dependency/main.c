/* Binding dependencies keep a library loaded; lazy bindings see the scope at their first call. */
#include <dlfcn.h>
#include <stdio.h>

typedef int (*fn)(void);

int main(void) {
  void *hp = dlopen("provider.wasm", RTLD_NOW | RTLD_GLOBAL);
  void *hu = dlopen("user.wasm", RTLD_NOW);
  fn use = (fn)dlsym(hu, "use");
  printf("use: %d\n", use());
  puts("dlclose provider");
  printf("dlclose: %d\n", dlclose(hp));
  printf("provider still loaded: %s\n", dlopen("provider.wasm", RTLD_NOW | RTLD_NOLOAD) ? "yes" : "no");
  dlclose(hp);
  printf("use: %d\n", use());
  puts("dlclose user");
  printf("dlclose: %d\n", dlclose(hu));

  void *hl = dlopen("lazyuser.wasm", RTLD_LAZY);
  printf("lazyuser loaded lazily: %s\n", hl ? "yes" : "no");
  void *late = dlopen("late.wasm", RTLD_NOW | RTLD_LOCAL);
  printf("late_answer global while local: %s\n", dlsym(RTLD_DEFAULT, "late_answer") ? "yes" : "no");
  void *again = dlopen("late.wasm", RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD);
  printf("promoted with RTLD_NOLOAD: %s\n", again == late ? "same handle" : "no");
  fn ask = (fn)dlsym(hl, "ask_late");
  printf("ask_late: %d\n", ask ? ask() : -1);
  puts("main returns");
  return 0;
}
