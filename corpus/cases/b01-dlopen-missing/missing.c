/* Behaviour 1: dlopen of a file that does not exist returns NULL; dlerror() then returns a message
 * that names the file, and a second dlerror() returns NULL (the message is consumed). The program
 * also opens a library that does exist, to show that the failure left the loader usable. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

int main(void) {
  printf("dlerror before any call: %s\n", dlerror() ? "set" : "NULL");

  void *h = dlopen("no-such-library.wasm", RTLD_NOW);
  printf("dlopen(missing) returned NULL: %s\n", h ? "no" : "yes");
  const char *msg = dlerror();
  printf("dlerror set: %s\n", msg ? "yes" : "no");
  if (msg) {
    printf("message names the file: %s\n", strstr(msg, "no-such-library.wasm") ? "yes" : "no");
    printf("message: %s\n", msg);
  }
  printf("second dlerror: %s\n", dlerror() ? "set" : "NULL");

  /* A second missing name: the new message names the new file, not the old one. */
  h = dlopen("other-missing.wasm", RTLD_LAZY);
  msg = dlerror();
  printf("second missing file: NULL=%s names it=%s names the first=%s\n", h ? "no" : "yes",
         msg && strstr(msg, "other-missing.wasm") ? "yes" : "no",
         msg && strstr(msg, "no-such-library.wasm") ? "yes" : "no");

  /* The loader still works, and a successful dlopen leaves no error behind. */
  void *ok = dlopen("present.wasm", RTLD_NOW);
  printf("dlopen(present) succeeded: %s\n", ok ? "yes" : "no");
  printf("dlerror after success: %s\n", dlerror() ? "set" : "NULL");
  int *answer = ok ? (int *)dlsym(ok, "present_answer") : NULL;
  printf("present_answer = %d\n", answer ? *answer : -1);
  printf("dlclose: %d\n", ok ? dlclose(ok) : -1);
  return 0;
}
