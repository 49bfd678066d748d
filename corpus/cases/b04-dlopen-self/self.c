/* Behaviour 4: dlopen(NULL) gives a handle for the program itself. POSIX: dlsym on it searches the
 * program, the objects loaded with it at start-up (here libc.wasm), and RTLD_GLOBAL libraries. The
 * function found for the program's own export is the program's own function (same pointer as `&`). */
#include <dlfcn.h>
#include <dylab.h>
#include <stdio.h>

typedef int (*int_fn)(int);

int main_exported_fn(int x) {
  puts("main_exported_fn ran");
  return x * 2 + 1;
}

int main_exported_data = 1234;

static int impostor(int x) {
  DYLAB_WRONG_CALL("a dlopen(NULL) pointer reached impostor() instead of main_exported_fn()");
  return x;
}
int_fn volatile keep_impostor = impostor;

int main(void) {
  void *self = dlopen(NULL, RTLD_NOW);
  printf("dlopen(NULL) non-NULL: %s\n", self ? "yes" : "no");
  void *self2 = dlopen(NULL, RTLD_LAZY);
  printf("dlopen(NULL) twice gives the same handle: %s\n", self == self2 ? "yes" : "no");

  int_fn f = (int_fn)dlsym(self, "main_exported_fn");
  printf("dlsym(self, main_exported_fn) found: %s\n", f ? "yes" : "no");
  int_fn volatile direct = main_exported_fn;
  printf("equals &main_exported_fn: %s\n", f == direct ? "yes" : "no");
  if (f) printf("f(20) = %d\n", f(20));

  int *d = (int *)dlsym(self, "main_exported_data");
  printf("dlsym(self, main_exported_data): found=%s same address=%s value=%d\n", d ? "yes" : "no",
         d == &main_exported_data ? "yes" : "no", d ? *d : -1);

  /* libc.wasm is part of the process image the program started with. */
  void *p = dlsym(self, "puts");
  int (*volatile my_puts)(const char *) = puts;
  printf("dlsym(self, puts) found: %s, equals &puts: %s\n", p ? "yes" : "no", p == (void *)my_puts ? "yes" : "no");
  dlerror();

  /* An RTLD_GLOBAL library joins the global scope the self handle searches. */
  void *lib = dlopen("globallib.wasm", RTLD_NOW | RTLD_GLOBAL);
  printf("globallib opened: %s\n", lib ? "yes" : "no");
  int *g = (int *)dlsym(self, "globallib_data");
  printf("dlsym(self, globallib_data) found: %s value=%d\n", g ? "yes" : "no", g ? *g : -1);

  void *none = dlsym(self, "no_such_symbol_anywhere");
  const char *msg = dlerror();
  printf("dlsym(self, missing): NULL=%s dlerror=%s\n", none ? "no" : "yes", msg ? "set" : "NULL");

  printf("dlclose(self): %d\n", dlclose(self));
  printf("self still usable: %s\n", dlsym(self2, "main_exported_data") == &main_exported_data ? "yes" : "no");
  dlclose(self2);
  return 0;
}
