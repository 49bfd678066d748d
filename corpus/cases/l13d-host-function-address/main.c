/* The address of a function the host provides is a callable pointer: at -O0 `dlsym` and `dlopen`
 * taken by address link as GOT.func imports (SQLite's unix VFS stores dlsym's address). */
#include <dlfcn.h>
#include <stdio.h>

typedef void *(*opener)(const char *, int);
typedef void *(*finder)(void *, const char *);

int main(void) {
  opener open_fn = dlopen;
  finder find_fn = dlsym;
  void *h = open_fn("libtarget.wasm", RTLD_NOW);
  printf("dlopen through a pointer: %s\n", h ? "loaded" : "failed");
  void *answer = find_fn(h, "answer");
  printf("dlsym through a pointer: %s\n", answer ? "found" : "missing");
  printf("pointers equal to the functions: %s\n", (open_fn == dlopen && find_fn == dlsym) ? "yes" : "no");
  return 0;
}
