/* Behaviour 14: a callback crosses into a library and comes back. The library calls the pointer it is
 * given (the call_indirect happens in the library's code) and returns it; the program checks that the
 * right function ran, with the right result, and that the returned pointer equals the one it passed.
 * The library is entered through dlcall (the host), so that only the callback pointer is at stake. */
#include <dlcall.h>
#include <dlfcn.h>
#include <stdio.h>

typedef int (*cb_t)(int);

static int static_cb_calls, exported_cb_calls;

__attribute__((noinline)) static int static_cb(int x) {
  static_cb_calls++;
  puts("static_cb ran");
  return x * 3 + 1;
}

__attribute__((noinline)) int exported_cb(int x) {
  exported_cb_calls++;
  puts("exported_cb ran");
  return x * 5 + 2;
}

static void roundtrip(void *h, const char *name, cb_t cb, int arg, int want, int *calls) {
  int *result = (int *)dlsym(h, "applier_result");
  *result = -1;
  cb_t back = (cb_t)dlcall_int(h, "apply", cb, arg);
  printf("%s: ran once=%s result=%d (want %d) returned pointer equal=%s\n", name, *calls == 1 ? "yes" : "no",
         *result, want, back == cb ? "yes" : "no");
}

int main(void) {
  void *h = dlopen("applier.wasm", RTLD_NOW);
  if (!h) {
    printf("dlopen failed: %s\n", dlerror());
    return 1;
  }
  cb_t volatile s = static_cb;
  cb_t volatile e = exported_cb;
  roundtrip(h, "static_cb", s, 5, 16, &static_cb_calls);
  roundtrip(h, "exported_cb", e, 5, 27, &exported_cb_calls);
  return 0;
}
