#include <stdio.h>

int flagged_ctor_runs;

__attribute__((constructor)) static void flagged_init(void) {
  flagged_ctor_runs++;
  puts("flagged.wasm constructor");
}
