/* The local scope of a dlopen: a dependency resolves symbols of the object that was opened. */
#include <dlfcn.h>
#include <stdio.h>

int main(void) {
  void *h = dlopen("plugin.wasm", RTLD_NOW | RTLD_LOCAL);
  printf("dlopen plugin: %s\n", h ? "ok" : "failed");
  if (!h) return 1;
  int (*run)(void) = (int (*)(void))dlsym(h, "plugin_run");
  printf("plugin_run: %d\n", run ? run() : -1);
  printf("plugin_scale in the global scope: %s\n", dlsym(RTLD_DEFAULT, "plugin_scale") ? "yes" : "no");
  return 0;
}
