/* A weak definition: wasm-ld imports env.pick even here (it may be preempted) and reaches weak_value
 * through GOT.mem, so the loader decides which definition every reference binds to. */
#include <dlfcn.h>
#include <stdio.h>

__attribute__((weak)) const char *pick(void) { return "libweak_a"; }
__attribute__((weak)) int weak_value = 1;

int report_a(void) {
  printf("libweak_a calls pick(): %s, reads weak_value: %d\n", pick(), weak_value);
  return 0;
}

/* The address of pick as this library sees it. */
void *pick_address_a(void) { return (void *)pick; }
