/* dlclose with reference counts: two handles of one library, a dependency shared with another
 * library, unloading and loading again. */
#include <dlfcn.h>
#include <stdio.h>

typedef int (*work_fn)(void);

static int work(void *h, const char *name) {
  work_fn f = (work_fn)dlsym(h, name);
  return f ? f() : -1;
}

int main(void) {
  void *p1 = dlopen("plugin.wasm", RTLD_NOW);
  void *p2 = dlopen("plugin.wasm", RTLD_NOW);
  printf("same handle twice: %s\n", p1 == p2 ? "yes" : "no");
  printf("plugin_work: %d\n", work(p1, "plugin_work"));
  puts("first dlclose");
  printf("dlclose: %d\n", dlclose(p1));
  printf("plugin_work after one dlclose: %d\n", work(p2, "plugin_work"));
  puts("second dlclose");
  printf("dlclose: %d\n", dlclose(p2));
  printf("still loaded (RTLD_NOLOAD): %s\n", dlopen("plugin.wasm", RTLD_NOW | RTLD_NOLOAD) ? "yes" : "no");

  void *o = dlopen("other.wasm", RTLD_NOW);
  printf("other_bump: %d\n", work(o, "other_bump"));
  void *p3 = dlopen("plugin.wasm", RTLD_NOW);
  printf("plugin_work after reloading: %d\n", work(p3, "plugin_work"));
  puts("dlclose plugin while other needs shared");
  printf("dlclose: %d\n", dlclose(p3));
  printf("other_bump: %d\n", work(o, "other_bump"));
  puts("dlclose other");
  printf("dlclose: %d\n", dlclose(o));
  puts("main returns");
  return 0;
}
