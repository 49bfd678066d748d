#include <stdio.h>

int once_ctor_runs;
int once_counter = 1;

__attribute__((constructor)) static void once_init(void) {
  once_ctor_runs++;
  printf("once.wasm constructor (run %d)\n", once_ctor_runs);
}
