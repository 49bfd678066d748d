/* Behaviour 3: a second dlopen of an open library returns the same handle and does not load or
 * initialise it again (one constructor run, one copy of its data); each dlopen takes a dlclose, and
 * after the first dlclose the library is still loaded. */
#include <dlfcn.h>
#include <stdio.h>

int main(void) {
  void *a = dlopen("once.wasm", RTLD_NOW);
  void *b = dlopen("once.wasm", RTLD_LAZY);
  printf("both opened: %s\n", a && b ? "yes" : "no");
  if (!a || !b) return 1;
  printf("same handle: %s\n", a == b ? "yes" : "no");

  int *runs_a = (int *)dlsym(a, "once_ctor_runs");
  int *runs_b = (int *)dlsym(b, "once_ctor_runs");
  printf("same data through both handles: %s\n", runs_a && runs_a == runs_b ? "yes" : "no");
  printf("constructor runs: %d\n", runs_a ? *runs_a : -1);

  int *counter = (int *)dlsym(a, "once_counter");
  if (counter) *counter = 7;

  printf("first dlclose: %d\n", dlclose(a));
  /* Still open through the second reference: symbols resolve, data kept its value. */
  int *again = (int *)dlsym(b, "once_counter");
  printf("after first dlclose: dlsym works=%s same address=%s value=%d\n", again ? "yes" : "no",
         again == counter ? "yes" : "no", again ? *again : -1);
  printf("second dlclose: %d\n", dlclose(b));
  printf("dlerror: %s\n", dlerror() ? "set" : "NULL");
  return 0;
}
