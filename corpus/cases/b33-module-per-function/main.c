/* Behaviour 33: functions live in their own modules, loaded on first use through a wrapper and
 * unloaded with dlclose. Pointers are never used after their module is closed. */
#include <dlfcn.h>
#include <dylab.h>
#include <stdio.h>

static int loads;

/* Called from each module's constructor. */
void note_load(const char *module) { printf("  [load #%d: %s]\n", ++loads, module); }

struct lazy_fn {
  const char *file, *sym, *counter;
  void *handle;
  int (*fn)(int);
  int *calls;
};

static int call(struct lazy_fn *l, int x) {
  if (!l->handle) {
    l->handle = dlopen(l->file, RTLD_NOW);
    if (!l->handle) {
      printf("dlopen %s failed: %s\n", l->file, dlerror());
      return 0;
    }
    l->fn = (int (*)(int))dlsym(l->handle, l->sym);
    l->calls = (int *)dlsym(l->handle, l->counter);
    if (!l->fn || !l->calls) {
      printf("dlsym failed: %s\n", dlerror());
      return 0;
    }
  }
  int before = *l->calls;
  int r = l->fn(x);
  if (*l->calls != before + 1) DYLAB_WRONG_CALL("a lazily loaded function's pointer ran another function");
  printf("%s(%d) = %d, calls since this copy was loaded: %d\n", l->sym, x, r, *l->calls);
  return r;
}

static void unload(struct lazy_fn *l) {
  if (!l->handle) return;
  printf("dlclose %s: %d\n", l->file, dlclose(l->handle));
  l->handle = NULL;
  l->fn = NULL;
  l->calls = NULL;
}

int main(void) {
  struct lazy_fn square = {"fn_square.wasm", "square", "square_calls"};
  struct lazy_fn cube = {"fn_cube.wasm", "cube", "cube_calls"};
  struct lazy_fn negate = {"fn_negate.wasm", "negate", "negate_calls"};

  puts("nothing loaded yet");
  call(&square, 3);
  call(&square, 4);
  call(&cube, 2);
  int total = call(&square, 5);
  total += call(&negate, 9);
  printf("square(5) + negate(9) = %d\n", total);
  unload(&square);
  unload(&cube);
  unload(&negate);
  call(&square, 6);
  unload(&square);
  printf("modules loaded in all: %d\n", loads);
  return 0;
}
