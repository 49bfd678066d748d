/* A module's start function runs while it is instantiated, before dlopen returns: one that never
 * returns must still end the cell (fuel, else the wall clock), on every engine. The case ships
 * spin.wasm, a side module whose start function is `loop br 0 end`:
 *   00 61 73 6d 01 00 00 00                header
 *   00 0f 08 "dylink.0" 01 04 00 00 00 00  dylink.0: mem-info, all zero
 *   01 04 01 60 00 00  03 02 01 00         type () -> (), one function of it
 *   08 01 00                               start: function 0
 *   0a 09 01 07 00 03 40 0c 00 0b 0b       body: loop; br 0; end; end */
#include <dlfcn.h>
#include <stdio.h>

int main(void) {
  void *first = dlopen("first.wasm", RTLD_NOW);
  printf("first.wasm: %s\n", first ? "opened" : "NULL");
  fflush(stdout);
  void *h = dlopen("spin.wasm", RTLD_NOW);
  printf("spin.wasm: dlopen returned %s (its start function never returns)\n", h ? "a handle" : "NULL");
  return 0;
}
