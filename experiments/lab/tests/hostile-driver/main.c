/* The hostile hunt's driver on V8 (whose loader runs in its Node worker, not in the test process):
 * loads m0.wasm (and so its NEEDED graph) twice, and after each failed load, good.wasm, calling its
 * `value` through the host. Prints what happened, one line per step. */
#include <dlcall.h>
#include <dlfcn.h>
#include <stdio.h>

int main(void) {
  for (int attempt = 0; attempt < 2; attempt++) {
    void *h = dlopen("m0.wasm", (attempt == 0 ? RTLD_NOW : RTLD_LAZY) | RTLD_GLOBAL);
    if (h) {
      puts("m0: loaded");
      continue;
    }
    const char *e = dlerror();
    printf("m0: failed: %s\n", e && *e ? e : "(no message)");
    void *good = dlopen("good.wasm", RTLD_NOW);
    printf("good: %d\n", good ? dlcall_int(good, "value") : -1);
  }
  return 0;
}
