/* Behaviour 31: a cross-module signature mismatch. wasm imports are typed: a loader that binds an
 * (i32) -> i32 import to an (i32, i32) -> i32 function must fail the link, as WebAssembly.instantiate
 * would. A JavaScript-style trampoline converts the arguments instead and the call goes through. */
#include <dlcall.h>
#include <dlfcn.h>
#include <stdio.h>

int combine(int a, int b) { return a * 100 + b; }
int scale(int x) { return x * 3; }

int main(void) {
  static const struct {
    const char *name;
    int mode;
  } modes[] = {{"RTLD_NOW", RTLD_NOW}, {"RTLD_LAZY", RTLD_LAZY}};
  for (int i = 0; i < 2; i++) {
    void *h = dlopen("mismatch.wasm", modes[i].mode);
    if (!h) {
      printf("%s: dlopen failed: %s\n", modes[i].name, dlerror());
      continue;
    }
    printf("%s: dlopen succeeded despite the mismatch\n", modes[i].name);
    dlcall_int(h, "try_mismatch");
    dlclose(h);
  }
  return 0;
}
