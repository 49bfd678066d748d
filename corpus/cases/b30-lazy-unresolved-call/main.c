/* Behaviour 30, the failing call: a correct loader stops here with a message naming never_defined. */
#include <dlcall.h>
#include <dlfcn.h>
#include <stdio.h>

int main(void) {
  void *h = dlopen("liblazy.wasm", RTLD_LAZY);
  if (!h) {
    printf("RTLD_LAZY failed: %s\n", dlerror());
    return 1;
  }
  printf("fine() = %d\n", dlcall_int(h, "fine"));
  puts("calling call_never(1)");
  fflush(stdout);
  int r = dlcall_int(h, "call_never", 1);
  printf("call_never returned %d: the unresolved call did not stop the program\n", r);
  return 0;
}
