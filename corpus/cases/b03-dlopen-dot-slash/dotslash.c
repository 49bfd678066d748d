/* Behaviour 3 with another spelling of the same file: "./spelled.wasm" and "spelled.wasm" are one
 * library (glibc recognises the file itself; any loader must at least normalise "./"). The second
 * dlopen returns the first handle, the constructor does not run again, and the data is shared. */
#include <dlfcn.h>
#include <stdio.h>

int main(void) {
  void *a = dlopen("spelled.wasm", RTLD_NOW);
  void *b = dlopen("./spelled.wasm", RTLD_NOW);
  const char *err = dlerror();
  printf("spelled.wasm opened: %s\n", a ? "yes" : "no");
  printf("./spelled.wasm opened: %s\n", b ? "yes" : "no");
  if (err) printf("  dlerror: %s\n", err);
  printf("same handle: %s\n", a && a == b ? "yes" : "no");
  int *runs = a ? (int *)dlsym(a, "spelled_ctor_runs") : NULL;
  int *runs_b = b ? (int *)dlsym(b, "spelled_ctor_runs") : NULL;
  printf("constructor runs: %d\n", runs ? *runs : -1);
  printf("same data through both handles: %s\n", runs && runs == runs_b ? "yes" : "no");
  if (b) dlclose(b);
  if (a) dlclose(a);
  return 0;
}
