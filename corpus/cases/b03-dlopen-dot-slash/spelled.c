#include <stdio.h>

int spelled_ctor_runs;

__attribute__((constructor)) static void spelled_init(void) {
  spelled_ctor_runs++;
  puts("spelled.wasm constructor");
}
